"""The TV board: the bar's name, open or closed, Preparing and Ready, and the big QR code."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label

from bar.clock import Clock
from bar.config import Settings
from kiosk.widgets.join_panel import JoinPanel
from kiosk.widgets.ticket_board import Boards, TicketBoard


class DisplayScreen(Screen[None]):
    """Shows what the display app read from the core (its `boards`, watched); it reads
    only the QR code itself."""

    def __init__(self, settings: Settings, *, clock: Clock) -> None:
        super().__init__()
        self._settings = settings
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Horizontal(id="display-header"):
            # A Text: the name comes from a config file, not from our markup.
            yield Label(Text(self._settings.name), id="display-name")
            yield Label("The bar is closed right now", id="display-closed-note")
            yield Label(id="display-state")
        with Horizontal(id="display-main"):
            yield TicketBoard("Preparing", empty="No orders in the queue", id="preparing")
            yield TicketBoard("Ready", empty="Nothing waiting", id="ready")
            yield JoinPanel(self._settings, clock=self._clock, id="join")

    def on_mount(self) -> None:
        self.watch(self.app, "boards", self._show)  # and once now, with what was read at start
        self.watch(self.app, "orders_placed", self._order_placed, init=False)

    def _show(self, boards: Boards) -> None:
        """Redraw the boards and the open/closed badge."""
        self.query_one("#preparing", TicketBoard).show(boards.preparing)
        self.query_one("#ready", TicketBoard).show(boards.ready)
        is_open = boards.is_open
        state = self.query_one("#display-state", Label)
        state.update("OPEN" if is_open else "CLOSED")
        state.set_class(is_open, "-open")
        state.set_class(not is_open, "-closed")
        self.query_one("#display-closed-note", Label).display = not is_open

    def on_resize(self) -> None:
        # A wider terminal leaves the panel's height alone, so it hears of it only here;
        # after the next layout its own size is the new one.
        self.call_after_refresh(self.query_one(JoinPanel).fit)

    def _order_placed(self) -> None:
        if self._settings.rules.popup:
            # An order took one of the window's drinks: read the code's lines again.
            self.query_one(JoinPanel).refresh_code()
