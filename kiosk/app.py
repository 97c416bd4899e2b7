"""The barista kiosk: a Textual app over the core's services.

A thread tails the events table (`bar.events.EventTail`) and posts what it reads to
the app as `EventsArrived`, so orders placed by the web process show up without a key
press; the same thread runs the core's housekeeping (`bar.housekeeping`: timers and
pruning, idempotent) between polls.

The app owns what the screens show: the open orders (`Board`, loaded once and updated
from typed events), whether the bar is open, tonight's prep times, and whether the web
server is up (`bar.health`, asked by a thread of its own every few seconds: an HTTP
request must never hold up the event tail). It never calls into a screen: it sets its
reactive `changes`, `is_open` and `server_health`, and the screens watch them.
The screens tell the app what they did with messages (`QueueScreen.OrderMoved`,
`QueueScreen.ShopToggled`, `QueueScreen.ReloadRequested`).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterable

import peewee
from textual import on, work
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from bar import estimates, events, orders, shop
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.health import CHECK_EVERY, Health, HealthWatch
from bar.housekeeping import Housekeeping
from bar.payloads import (
    Announcement,
    GuestSignedOut,
    NewOrder,
    OrderExpired,
    OrderInfo,
    OrderRefused,
    OrderStatusChanged,
    ShopStatusChanged,
)
from bar.spool import FAILED, PrinterState
from bar.status import OPEN_STATUSES
from kiosk.board import Board, BoardChange
from kiosk.messages import EventsArrived, ServerChecked
from kiosk.printing import KioskPrinter, PrinterChanged
from kiosk.screens.keys import KeysScreen
from kiosk.screens.queue import QueueScreen
from kiosk.tail import TailingApp

# What moves a card: the `admin` channel's order events (reminders go to guests only).
ORDER_EVENTS = (NewOrder, OrderStatusChanged, OrderExpired)


class KioskApp(TailingApp):
    """The barista's terminal. Construct it once the database is connected."""

    CSS_PATH = "app.tcss"
    TITLE = "bar"
    ENABLE_COMMAND_PALETTE = False
    # Ctrl+C quits too: under `bar up` it is how a host stops the whole bar.
    BINDINGS = [
        # Shown only while `bar up`'s server is down (see `check_action`).
        Binding("R", "restart_server", "Restart server", key_display="R"),
        Binding("question_mark", "keys", "Keys", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", show=False, priority=True),
    ]

    # Seconds between reads of tonight's prep times (one query, on the tail thread): they
    # drift slowly, while the queue part of an estimate follows every event at once.
    prep_every = 15.0

    # Set after every update of the board, even one like the last: screens redraw from it.
    changes: var[BoardChange] = var(BoardChange(), always_update=True)
    is_open: var[bool] = var(True)
    # None: this kiosk does not watch a server (no `health` given).
    server_health: var[Health | None] = var(None)
    health_every = CHECK_EVERY  # seconds between checks of the web server
    # None: no printer in bar.toml (`kiosk.printing`).
    printer_state: var[PrinterState | None] = var(None)

    def __init__(
        self, settings: Settings, *, clock: Clock = utcnow, barista: str | None = None,
        health: HealthWatch | None = None, station: str | None = None,
    ) -> None:
        """`health`: the web server to watch (`bar up`: its own, which it may restart).
        `station`: that station's orders only (`bar kiosk --station`); None: every
        station's, each card saying which, and `w` picks one."""
        super().__init__()
        self.settings = settings
        self.clock = clock
        # No name given: orders carry none, and guests read "Being made", not "by barista".
        self.barista: str | None = (barista or "").strip() or None
        self.station = station
        self.showing = station
        self.board = self._new_board()
        self.queue_screen = QueueScreen()
        self._after = 0
        # The web process runs it too: the chores are idempotent, and their events reach
        # us through the tail like any other change.
        self.housekeeping = Housekeeping(settings, clock)
        self.prep = estimates.PrepTimes(other=settings.rules.default_prep_time.total_seconds())
        self._next_prep = 0.0
        self.health = health
        self._check_now = threading.Event()  # wakes the server watcher before its time
        if health is not None:
            self.server_health = Health(own=health.server is not None)
        self.printer = KioskPrinter(settings, clock=clock, name=f"kiosk {self.barista or ''}".strip())

    def get_default_screen(self) -> Screen[None]:
        return self.queue_screen

    def on_load(self) -> None:
        # The last event id first, then the orders: a change committed in between is
        # replayed by the tail rather than lost.
        self._after = events.last_event_id()
        self.reload()

    def on_mount(self) -> None:
        self.start_tail(self._after)
        if self.health is not None:
            self.watch_server(self.health)
        self.printer.start(self.post_message)
        # The board, the widgets and Textual itself are long-lived: move them out of the
        # collector's way, or every full collection walks them all (~50 ms, a frame drop).
        self.call_after_refresh(gc.freeze)

    def _new_board(self) -> Board:
        stations = self.settings.stations
        return Board({} if self.showing else {s.id: s.name for s in stations})

    def reload(self) -> None:
        """Read the open orders and the shop state from the database."""
        rows = orders.list_orders(statuses=OPEN_STATUSES, limit=100_000, newest_first=False,
                                  station=self.showing)
        self.board.load(OrderInfo.of(order) for order in rows)
        self.is_open = self._read_open()
        self.prep = estimates.prep_times(self.settings, now=self.clock())
        self._next_prep = time.monotonic() + self.prep_every

    # -- on the tail thread ----------------------------------------------------------------

    def on_tail_tick(self) -> None:
        done = self.housekeeping.tick()  # never raises: the next round retries
        if done.failed:
            self.log.warning(f"housekeeping failed: {', '.join(done.failed)}")
        if time.monotonic() >= self._next_prep:
            self._next_prep = time.monotonic() + self.prep_every
            self._read_prep_times()

    def _read_prep_times(self) -> None:
        # One immutable object swapped in: the UI thread reads whichever is current.
        try:
            self.prep = estimates.prep_times(self.settings, now=self.clock())
        except peewee.DatabaseError as exc:
            self.log.warning(f"prep_times: {exc}")

    # -- the web server ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="server-health", name="server health")
    def watch_server(self, health: HealthWatch) -> None:
        """Check the web server every `health_every` seconds; post what changed."""
        worker = get_current_worker()
        shown: Health | None = None
        while not worker.is_cancelled:
            checked = health.check(self.clock())
            if checked != shown:
                shown = checked
                self.post_message(ServerChecked(checked))
            self._check_now.wait(self.health_every)
            self._check_now.clear()

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "server-health")
        self._check_now.set()  # out of its wait: the thread ends before the app
        self.printer.stop()

    @on(ServerChecked)
    def server_checked(self, message: ServerChecked) -> None:
        """Show the server's health; say it loudly when `bar up`'s own server is gone."""
        was = self.server_health
        self.server_health = message.health
        if message.health.restartable and not (was is not None and was.restartable):
            self.bell()
            self.notify("The web server is down: phones cannot order. Press R to restart it.",
                        title="Web server down", severity="error", timeout=15)
        self.refresh_bindings()  # `R` shows in the footer only while it is needed

    def _read_open(self) -> bool:
        """Does the shown station take orders (the bar open, and the station)?"""
        return shop.is_open() and (self.showing is None or shop.is_open(self.showing))

    def show_station(self, station: str | None) -> None:
        """Show that station's orders (None: every station's), read afresh."""
        self.showing = station
        self.board = self._new_board()
        self.reload()
        self.changes = BoardChange(frozenset(OPEN_STATUSES), reloaded=True)

    @on(PrinterChanged)
    def printer_changed(self, message: PrinterChanged) -> None:
        """Show the printer's state (a failing one: a line under the header, until it is
        back, which a toast says)."""
        was, now = self.printer_state, message.state
        self.printer_state = now
        if now.status == FAILED and (was is None or was.status != FAILED):
            self.bell()
        elif was is not None and was.status == FAILED and now.status != FAILED:
            self.notify("The printer is back: the waiting tickets are printing.", title="Printer")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restart_server":
            return self.server_health is not None and self.server_health.restartable
        return True

    def action_restart_server(self) -> None:
        """Start `bar up`'s web server again (on a thread: it takes a second or two)."""
        server = self.health.server if self.health is not None else None
        if server is not None and server.restart(done=self._check_now.set):
            self._check_now.set()  # "starting" at once, then "up" as soon as it answers
            self.notify("Restarting the web server…")

    def action_keys(self) -> None:
        """Every key of the screen in front, in a window of its own."""
        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen(self.screen))

    # -- applying changes ------------------------------------------------------------------

    @on(EventsArrived)
    def events_arrived(self, message: EventsArrived) -> None:
        """Fold new events into the board; the screens redraw what they touched."""
        self.apply_events(message.events)

    def apply_events(self, batch: Iterable[events.BarEvent]) -> None:
        """Apply events read from the table (public: the benchmark calls it directly).

        However many the tail read at once, the board takes them all and the screens
        hear of it once: one update, one frame.
        """
        changed: set[str] = set()
        placed = any_order = refused = False
        with self.batch_update():
            for event in batch:
                data = event.data
                if (event.channel == events.ADMIN and isinstance(data, ORDER_EVENTS)
                        and isinstance(data.order, OrderInfo)):
                    if self.showing is not None and data.order.station != self.showing:
                        continue  # another station's
                    changed |= self.board.apply(data.order)
                    placed = placed or isinstance(data, NewOrder)
                    any_order = True
                elif event.channel == events.CONFIG and isinstance(data, ShopStatusChanged):
                    if data.station is None and self.showing is None:
                        self.is_open = data.is_open
                    elif data.station in (None, self.showing):
                        self.is_open = self._read_open()  # the bar's and the station's
                elif isinstance(data, Announcement):
                    self.notify(data.message, title="Announced to guests", markup=False)
                elif event.channel == events.ADMIN and isinstance(data, GuestSignedOut):
                    self.notify(f"{data.username} was signed out", markup=False)
                elif event.channel == events.ADMIN and isinstance(data, OrderRefused):
                    refused = True
            if placed:
                self.bell()
            if any_order or refused:
                self.changes = BoardChange(frozenset(changed), orders=any_order, placed=placed,
                                           refused=refused)

    @on(QueueScreen.OrderMoved)
    def order_moved(self, message: QueueScreen.OrderMoved) -> None:
        """Show the barista's own move now; its event, arriving later, is an echo."""
        changed = self.board.preview(message.order)
        if changed:
            self.changes = BoardChange(frozenset(changed))

    @on(QueueScreen.ShopToggled)
    def shop_toggled(self, message: QueueScreen.ShopToggled) -> None:
        """The barista opened or closed the bar."""
        self.is_open = message.is_open

    @on(QueueScreen.ReloadRequested)
    def reload_requested(self) -> None:
        """Read everything again from the database (the source of truth)."""
        try:
            self.reload()
        except peewee.DatabaseError:
            self.notify("The database is busy: try again", severity="error")
            return
        self.changes = BoardChange(frozenset(OPEN_STATUSES), reloaded=True)
