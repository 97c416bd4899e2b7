"""The TV board: the bar's name, open or closed, the host's announcement, In line,
Preparing and Ready, and the big QR code (unless `display.show_join_code` is off)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label

from bar import stations
from bar.board import Board
from bar.clock import Clock
from bar.config import Settings
from bar.payloads import PublicOrder
from kiosk.widgets.join_panel import JoinPanel
from kiosk.widgets.ticket_board import LineBoard, ReadyBoard, Ticket, TicketBoard


class DisplayScreen(Screen[None]):
    """Shows what the display app read from the core (its `board`, watched); it reads
    only the QR code itself."""

    def __init__(self, settings: Settings, *, clock: Clock, station: str | None = None) -> None:
        """`station`: that station's board; None: every station's, saying where."""
        super().__init__()
        self._settings = settings
        self._clock = clock
        self._station = station

    def compose(self) -> ComposeResult:
        with Horizontal(id="display-header"):
            # A Text: the name comes from a config file, not from our markup.
            title = self._settings.name
            if self._station is not None:
                title += f" — {stations.name_of(self._settings, self._station)}"
            yield Label(Text(title), id="display-name")
            yield Label("The bar is closed right now", id="display-closed-note")
            yield Label(id="display-state")
        yield Label(id="display-news")
        with Horizontal(id="display-main"):
            yield LineBoard("In line", empty="No one in line", id="waiting")
            yield TicketBoard("Preparing", empty="Nothing being made", id="preparing")
            yield ReadyBoard("Ready", empty="Nothing waiting", id="ready")
            if self._settings.show_join_code:
                yield JoinPanel(self._settings, clock=self._clock, id="join",
                                station=self._station)

    def on_mount(self) -> None:
        self.watch(self.app, "board", self._show)  # and once now, with what was read at start
        self.watch(self.app, "orders_placed", self._order_placed, init=False)

    def _show(self, board: Board) -> None:
        """Redraw the boards, the announcement and the open/closed badge."""

        def place(order: PublicOrder) -> str:
            if self._station is not None or order.station is None:
                return ""  # one station's board, or a bar without stations
            return stations.name_of(self._settings, order.station)

        def tickets(orders: tuple[PublicOrder, ...]) -> list[Ticket]:
            return [Ticket.of(order, place(order)) for order in orders]

        self.query_one("#waiting", LineBoard).show(tickets(board.waiting), board.waiting_count)
        self.query_one("#preparing", TicketBoard).show(tickets(board.preparing))
        self.query_one("#ready", ReadyBoard).show(tickets(board.ready))
        news = self.query_one("#display-news", Label)
        # A Text: what the host typed is shown as typed, never as markup.
        news.update(Text(board.announcement.message) if board.announcement else "")
        news.display = board.announcement is not None
        state = self.query_one("#display-state", Label)
        state.update("OPEN" if board.is_open else "CLOSED")
        state.set_class(board.is_open, "-open")
        state.set_class(not board.is_open, "-closed")
        self.query_one("#display-closed-note", Label).display = not board.is_open

    def on_resize(self) -> None:
        # A wider terminal leaves the panel's height alone, so it hears of it only here;
        # after the next layout its own size is the new one.
        for panel in self.query(JoinPanel):
            self.call_after_refresh(panel.fit)

    def _order_placed(self) -> None:
        if self._settings.rules.popup:
            # An order took one of the window's drinks: read the code's lines again.
            for panel in self.query(JoinPanel):
                panel.refresh_code()
