"""The barista's queue: pending, preparing and ready, moved along with single keys.

The screen shows the app's board: it watches the app's `changes` and `is_open`, and
tells the app what the barista did with its messages (`OrderMoved`, `ShopToggled`,
`ReloadRequested`). It never changes the app's state itself.

A change touches only the columns it names; each column repaints only the lines on
screen that now show something else (see `kiosk.widgets.order_column`), so an event
costs about the same with 20 open orders as with 500.

The cursor follows the order the barista moves (claimed: into Preparing with it), so
the next key acts on the same drink; `f` switches to staying in the column instead,
for claiming a batch one after another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

import peewee
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen

from bar import estimates, notifications, orders, shop, stations
from bar.errors import BarError
from bar.models import Order
from bar.payloads import OrderInfo
from bar.status import OPEN_STATUSES
from kiosk.board import BoardChange, OpenOrder
from kiosk.host import KioskHost
from kiosk.printing import PrinterBanner, print_again
from kiosk.screens.ask import AnnounceScreen, CancelScreen
from kiosk.screens.drinks import DrinksScreen
from kiosk.screens.guests import GuestsScreen
from kiosk.screens.invites import InvitesScreen
from kiosk.screens.qr import QRScreen
from kiosk.screens.recall import recall
from kiosk.screens.stats import StatsScreen
from kiosk.screens.tonight import TonightScreen
from kiosk.widgets.batch import BatchSummary
from kiosk.widgets.column_box import ColumnBox
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.header import HeaderBar
from kiosk.widgets.order_column import OrderColumn
from kiosk.widgets.qr_panel import QRPanel
from kiosk.widgets.server_banner import ServerBanner

MIN_COLUMNS_WIDTH = 60  # the three columns keep this much beside the QR code
AGE_TICK = 2.0  # seconds between age refreshes
# The keys a narrow footer keeps (the rest: `?`), most important first: restarting a
# dead server, moving orders, the cursor's setting.
ESSENTIAL = ("restart_server", "claim", "advance", "unclaim", "cancel_order", "follow", "quit")


class QueueScreen(Screen[None]):
    """Three columns of cards, the QR panel, and the keys that move orders."""

    BINDINGS = [
        Binding("c", "claim", "Claim"),
        Binding("a,enter", "advance", "Advance", key_display="a/⏎"),
        Binding("u", "unclaim", "Unclaim"),
        Binding("x", "cancel_order", "Cancel"),
        Binding("o", "toggle_open", "Open/close"),
        Binding("r", "reload", "Refresh"),
        Binding("s", "stats", "Stats"),
        Binding("m", "announce", "Announce"),
        Binding("z", "recall", "Recall"),
        Binding("t", "tonight", "Tonight"),
        Binding("d", "drinks", "Drinks"),
        Binding("i", "invites", "Invites"),
        Binding("g", "guests", "Guests"),
        Binding("v", "qr", "QR"),
        # Shown only on a kiosk of several stations not started with --station.
        Binding("w", "next_station", "Station"),
        # Only with a printer in bar.toml (`check_action`): otherwise neither shown nor bound.
        Binding("p", "print_ticket", "Print"),
        # One key, two bindings: the footer shows the one for the current setting.
        Binding("f", "follow(False)", "Follow: on", tooltip="The cursor goes with the order "
                "you move; f: it stays in its column"),
        Binding("f", "follow(True)", "Follow: off", tooltip="The cursor stays in its column; "
                "f: it goes with the order you move"),
        Binding("up,k", "cursor(-1)", "Previous order", show=False),
        Binding("down,j", "cursor(1)", "Next order", show=False),
        Binding("left,h", "column(-1)", "Column left", show=False),
        Binding("right,l", "column(1)", "Column right", show=False),
    ]

    class OrderMoved(Message):
        """The barista moved an order: the core's answer, to show before its event."""

        def __init__(self, order: OrderInfo) -> None:
            super().__init__()
            self.order = order

    class ShopToggled(Message):
        """The barista opened or closed the bar."""

        def __init__(self, is_open: bool) -> None:
            super().__init__()
            self.is_open = is_open

    class ReloadRequested(Message):
        """`r`: read everything again from the database."""

    def __init__(self) -> None:
        super().__init__()
        self._active = 0
        self._columns: dict[str, OrderColumn] = {}
        self._boxes: dict[str, ColumnBox] = {}
        # After a move, the cursor goes with the order (False: it stays in its column).
        self.follow = True
        self._following: tuple[str, str] | None = None  # (order id, status) to select

    @property
    def kiosk(self) -> KioskHost:
        return cast(KioskHost, self.app)

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield ServerBanner(id="server-banner")
        yield PrinterBanner(id="printer-banner")
        # The columns share what the QR panel leaves (no container of their own: every
        # container spanning the columns adds to the cost of every frame).
        with Horizontal(id="main"):
            for status in OPEN_STATUSES:
                with ColumnBox(status.title(), classes="column", id=f"column-{status}"):
                    if status == orders.PENDING:
                        yield BatchSummary(id="batches")
                    waits = self._waits if status == orders.PENDING else None
                    yield OrderColumn(status, clock=self.kiosk.clock, waits=waits, id=status)
            yield QRPanel(self.kiosk.settings, clock=self.kiosk.clock, id="qr",
                          station=self.kiosk.station)
        yield KioskFooter(essential=ESSENTIAL)

    def on_mount(self) -> None:
        # Kept, not queried per event: an event must cost little with hundreds of orders.
        self._columns = {s: self.query_one(f"#{s}", OrderColumn) for s in OPEN_STATUSES}
        self._boxes = {s: self.query_one(f"#column-{s}", ColumnBox) for s in OPEN_STATUSES}
        self._header = self.query_one(HeaderBar)
        self._batches = self.query_one(BatchSummary)
        self._activate(self._active)
        self._show_columns(OPEN_STATUSES)
        self.set_interval(AGE_TICK, self._tick_ages)
        self.watch(self.app, "changes", self._board_changed, init=False)
        self.watch(self.app, "is_open", self._show_header, init=False)
        self.watch(self.app, "server_health", self._server_checked)
        self.watch(self.app, "printer_state", self._printer_changed, init=False)

    # -- what the app's state says ---------------------------------------------------------

    @property
    def columns(self) -> list[OrderColumn]:
        return list(self._columns.values())

    def _board_changed(self, change: BoardChange) -> None:
        with self.app.batch_update():  # one frame, however many columns it touched
            self._show_columns(change.statuses)
            self._follow_order()
        if change.reloaded or (change.placed and self.kiosk.settings.rules.popup):
            # A new order took one of the window's drinks; a reload may find a new code.
            self.query_one(QRPanel).refresh_code()

    def _show_columns(self, statuses: Iterable[str]) -> None:
        """Show the columns whose orders changed, their counts, the batches, the header."""
        statuses = set(statuses)
        if not statuses:
            return
        board = self.kiosk.board
        for status in statuses:
            self._columns[status].set_orders(board.column(status))
            self._boxes[status].show_count(len(board.column(status)))
        if orders.PREPARING in statuses and orders.PENDING not in statuses:
            # Who is busy, and until when, changed: so may every pending order's wait.
            self._columns[orders.PENDING].refresh_waits()
        if orders.PENDING in statuses:
            self._batches.show(board.batches())
        self._show_header()

    def _show_header(self) -> None:
        kiosk = self.kiosk
        settings, showing = kiosk.settings, kiosk.showing
        name = settings.name
        if showing is not None:
            name += f" — {stations.name_of(settings, showing)}"
        max_queue = (stations.rules_of(settings, showing).max_queue
                     if showing is not None or not settings.stations
                     else sum(s.rules.max_queue for s in settings.stations))
        self._header.show(
            name=name, is_open=kiosk.is_open, queue=kiosk.board.queue_length,
            max_queue=max_queue, barista=kiosk.barista, server=kiosk.server_health,
            printer=kiosk.printer_state,
        )

    def _printer_changed(self) -> None:
        self.query_one(PrinterBanner).show(self.kiosk.printer_state)
        self._show_header()

    def _server_checked(self) -> None:
        self.query_one(ServerBanner).show(self.kiosk.server_health)
        self._show_header()

    def _waits(self, ahead: Sequence[OpenOrder]) -> dict[str, str]:
        """The waits the guests' phones show for the first pending orders (`ahead`): the
        same core rule, from memory. A wait depends on the orders ahead of it only, so
        the orders after these are left out."""
        kiosk = self.kiosk
        queue = [*ahead, *kiosk.board.column(orders.PREPARING)]
        found = estimates.estimate(
            queue, kiosk.prep, now=kiosk.clock(), only={order.id for order in ahead}
        )
        return {order_id: e.label for order_id, e in found.items()}

    def _tick_ages(self) -> None:
        """Ages and waits move with the clock (and the prep times drift): repaint the
        cards that now read differently."""
        with self.app.batch_update():
            for column in self._columns.values():
                column.refresh_waits()
                column.tick()

    def on_resize(self, event: events.Resize) -> None:
        """Too small for the QR code beside three usable columns: the panel becomes a
        strip of text under them (the join URL, and how to see the code)."""
        width, height = event.size
        panel = self.query_one(QRPanel)
        # Beside the code: three columns of cards; above and below it: header, footer.
        panel.set_compact(not panel.fits(width - MIN_COLUMNS_WIDTH, height - 2))

    # -- selection -----------------------------------------------------------------------

    @property
    def selected(self) -> OpenOrder | None:
        return self.columns[self._active].selected

    def action_cursor(self, delta: int) -> None:
        self._following = None  # the barista chose another card: do not jump after all
        self.columns[self._active].move_cursor(delta)

    def action_column(self, delta: int) -> None:
        self._following = None
        self._activate(max(0, min(len(OPEN_STATUSES) - 1, self._active + delta)))

    def _activate(self, index: int) -> None:
        columns = self.columns
        columns[self._active].active = False
        self._active = index
        columns[index].active = True
        columns[index].scroll_to_cursor()
        for position, box in enumerate(self._boxes.values()):
            box.active = position == index

    def action_follow(self, follow: bool) -> None:
        """`f`: after a move, the cursor goes with the order, or stays in its column."""
        self.follow = follow
        self.refresh_bindings()
        self.notify("The cursor follows the order you move" if follow else
                    "The cursor stays in its column (for claiming one after another)")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "follow":  # the `f` binding that switches away from the setting
            return parameters[0] != self.follow
        if action == "next_station":
            return bool(self.kiosk.settings.stations) and self.kiosk.station is None
        if action == "print_ticket":
            return bool(self.kiosk.settings.printer_url)
        return True

    def action_next_station(self) -> None:
        """`w`: one station's orders, the next, ..., then every station's again."""
        kiosk = self.kiosk
        ids: list[str | None] = [None, *(s.id for s in kiosk.settings.stations)]
        showing = ids[(ids.index(kiosk.showing) + 1) % len(ids)]
        try:
            kiosk.show_station(showing)
        except peewee.DatabaseError:
            self.notify("The database is busy: try again", severity="error")
            return
        self.notify(f"Showing the {stations.name_of(kiosk.settings, showing)}'s orders"
                    if showing else "Showing every station's orders")

    def _follow_order(self) -> None:
        """Select the order just moved, in its new column, once the board shows it there."""
        if self._following is None:
            return
        order_id, status = self._following
        order = self.kiosk.board.get(order_id)
        if order is None or order.status != status:
            return  # not on the board yet (its preview or its event is on the way)
        self._following = None
        column = OPEN_STATUSES.index(status)
        index = self._columns[status].index_of(order)
        if index is not None:
            self._columns[status].select(index)
            if column != self._active:
                self._activate(column)

    @on(OrderColumn.Selected)
    def column_clicked(self, event: OrderColumn.Selected) -> None:
        """A click on a card makes its column the active one."""
        self._activate(OPEN_STATUSES.index(event.column.status))

    # -- moving orders: the core decides, we show what it says -------------------------------

    def _change(
        self, change: Callable[[OpenOrder], Order], order: OpenOrder | None = None
    ) -> None:
        order = order or self.selected
        if order is None:
            self.notify("No order selected", severity="warning")
            return
        try:
            moved = change(order)
        except BarError as exc:
            self.notify(exc.message, severity="error", markup=False)
            return
        except peewee.DatabaseError:
            self.notify("The database is busy: try again", severity="error")
            return
        # The app shows it now; its event arrives a moment later as an echo.
        info = OrderInfo.of(moved)
        self.post_message(self.OrderMoved(info))
        if self.follow and moved.status in OPEN_STATUSES:
            self._following = (info.order_id, info.status)
            self._follow_order()  # its event may have come first: the board has it already

    def action_claim(self) -> None:
        kiosk = self.kiosk
        self._change(lambda o: orders.move(
            o.id, orders.PREPARING, actor="barista", barista=kiosk.barista, now=kiosk.clock()))

    def action_advance(self) -> None:
        kiosk = self.kiosk
        self._change(lambda o: orders.advance(o.id, barista=kiosk.barista, now=kiosk.clock()))

    def action_unclaim(self) -> None:
        kiosk = self.kiosk
        self._change(lambda o: orders.move(
            o.id, orders.PENDING, actor="barista", barista=kiosk.barista, now=kiosk.clock()))

    def action_cancel_order(self) -> None:
        order = self.selected
        if order is None:
            self.notify("No order selected", severity="warning")
            return
        kiosk = self.kiosk

        def cancel(reason: str | None) -> None:
            if reason is None:
                return  # escape: the order stays as it was
            # The order the dialog asked about, even if the selection moved meanwhile.
            self._change(lambda o: orders.move(
                o.id, orders.CANCELLED, actor="barista", barista=kiosk.barista,
                reason=reason, now=kiosk.clock()), order)

        self.app.push_screen(CancelScreen(order), cancel)

    def action_toggle_open(self) -> None:
        showing = self.kiosk.showing  # a station's kiosk opens and closes that station
        try:
            opening = not shop.is_open(showing)
            shop.set_open(opening, now=self.kiosk.clock(), station=showing)
            shown_open = shop.is_open() and shop.is_open(showing)
        except (BarError, peewee.DatabaseError) as exc:
            message = exc.message if isinstance(exc, BarError) else "the database is busy"
            self.notify(message, severity="error", markup=False)
            return
        self.post_message(self.ShopToggled(shown_open))
        what = (f"The {stations.name_of(self.kiosk.settings, showing)}" if showing
                else "The bar")
        self.notify(f"{what} is open" if opening else f"{what} is closed: no new orders")

    def action_announce(self) -> None:
        kiosk = self.kiosk

        def send(message: str | None) -> None:
            if message is None:
                return
            try:
                notifications.announce(message, now=kiosk.clock())
            except (BarError, peewee.DatabaseError) as exc:
                text = exc.message if isinstance(exc, BarError) else "the database is busy: try again"
                self.notify(text, severity="error", markup=False)
            # Sent: its event comes back through the tail and shows as "Announced to guests".

        self.app.push_screen(AnnounceScreen(), send)

    def action_stats(self) -> None:
        self.app.push_screen(StatsScreen())

    def action_recall(self) -> None:
        """Undo the barista's last move (`bar.history` decides which, and whether)."""
        done = recall(self, self.kiosk)
        if done is not None:
            self.post_message(self.OrderMoved(OrderInfo.of(done.order)))

    def action_print_ticket(self) -> None:
        """`p`: print the selected order's ticket again (on a thread: the printer may be slow)."""
        order = self.selected
        if order is None:
            self.notify("No order selected", severity="warning")
            return
        print_again(self, self.kiosk.settings, order.id, order.number)

    def action_tonight(self) -> None:
        self.app.push_screen(TonightScreen())

    def action_drinks(self) -> None:
        self.app.push_screen(DrinksScreen())

    def action_invites(self) -> None:
        self.app.push_screen(InvitesScreen())

    def action_guests(self) -> None:
        self.app.push_screen(GuestsScreen())

    def action_qr(self) -> None:
        self.app.push_screen(QRScreen())

    def on_screen_resume(self) -> None:
        # Back from a screen that may have made or revoked an invite: show it now.
        self.query_one(QRPanel).refresh_code()

    def action_reload(self) -> None:
        """Reload everything from the database (the source of truth)."""
        self.post_message(self.ReloadRequested())
