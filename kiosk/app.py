"""The barista kiosk: a Textual app over the core's services.

A thread tails the events table (`bar.events.EventTail`) and posts what it reads to
the app as `EventsArrived`, so orders placed by the web process show up without a key
press; the same thread runs the core's housekeeping (`bar.housekeeping`: timers and
pruning, idempotent) between polls. The app keeps
the open orders in memory (`Board`), loaded once and updated from event payloads.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable

import peewee
from textual import on
from textual.binding import Binding
from textual.screen import Screen

from bar import estimates, events, orders, shop
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.housekeeping import Housekeeping
from bar.models import Order
from kiosk.board import OPEN_STATUSES, Board, OpenOrder
from kiosk.messages import EventsArrived
from kiosk.screens.queue import QueueScreen
from kiosk.screens.stats import StatsScreen
from kiosk.tail import TailingApp

ORDER_EVENTS = frozenset({events.NEW_ORDER, events.ORDER_STATUS_CHANGED, events.ORDER_EXPIRED})


class KioskApp(TailingApp):
    """The barista's terminal. Construct it once the database is connected."""

    CSS_PATH = "app.tcss"
    TITLE = "bar"
    ENABLE_COMMAND_PALETTE = False
    # Ctrl+C quits too: under `bar up` it is how a host stops the whole bar.
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("ctrl+c", "quit", show=False, priority=True)]

    # Seconds between reads of tonight's prep times (one query, on the tail thread): they
    # drift slowly, while the queue part of an estimate follows every event at once.
    prep_every = 15.0

    def __init__(
        self, settings: Settings, *, clock: Clock = utcnow, barista: str | None = None
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.barista = (barista or "").strip() or "barista"
        self.board = Board()
        self.is_open = True
        self.queue_screen = QueueScreen()
        self._after = 0
        # The web process runs it too: the chores are idempotent, and their events reach
        # us through the tail like any other change.
        self.housekeeping = Housekeeping(settings, clock)
        self.prep = estimates.PrepTimes(other=settings.rules.default_prep_time.total_seconds())
        self._next_prep = 0.0

    def get_default_screen(self) -> Screen[None]:
        return self.queue_screen

    def on_load(self) -> None:
        # The last event id first, then the orders: a change committed in between is
        # replayed by the tail rather than lost.
        self._after = events.last_event_id()
        self.reload()

    def on_mount(self) -> None:
        self.start_tail(self._after)
        # The board, the widgets and Textual itself are long-lived: move them out of the
        # collector's way, or every full collection walks them all (~50 ms, a frame drop).
        self.call_after_refresh(gc.freeze)

    def reload(self) -> None:
        """Read the open orders and the shop state from the database."""
        rows = orders.list_orders(statuses=OPEN_STATUSES, limit=100_000, newest_first=False)
        self.board.load(OpenOrder.from_order(order) for order in rows)
        self.is_open = shop.is_open()
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

    # -- applying changes ------------------------------------------------------------------

    @on(EventsArrived)
    def events_arrived(self, message: EventsArrived) -> None:
        """Fold new events into the board and redraw what they touched."""
        self.apply_events(message.events)

    def apply_events(self, batch: Iterable[events.BarEvent]) -> None:
        """Apply events read from the table (public: the benchmark calls it directly)."""
        changed: set[str] = set()
        placed = shop_changed = any_order = False
        for event in batch:
            if event.channel == events.ADMIN and event.type in ORDER_EVENTS:
                changed |= self.board.apply(event.payload)
                placed = placed or event.type == events.NEW_ORDER
                any_order = True
            elif event.channel == events.CONFIG and event.type == events.SHOP_STATUS_CHANGED:
                self.is_open = bool(event.payload.get("is_open"))
                shop_changed = True
            elif event.type == events.ANNOUNCEMENT:
                message = str(event.payload.get("message", ""))
                self.notify(message, title="Announced to guests", markup=False)
            elif event.channel == events.ADMIN and event.type == events.GUEST_SIGNED_OUT:
                name = str(event.payload.get("username", ""))
                self.notify(f"{name} was signed out", markup=False)
        if placed:
            self.bell()
        if changed or shop_changed:
            self.queue_screen.show_changes(changed)
        if placed and self.settings.rules.popup:
            self.queue_screen.refresh_qr()  # one drink fewer left in this window
        if any_order and isinstance(self.screen, StatsScreen):
            self.screen.refresh_soon()

    def apply_orders(self, changed_orders: Iterable[Order]) -> None:
        """Show orders this kiosk just changed, before their events come back."""
        changed: set[str] = set()
        for order in changed_orders:
            changed |= self.board.apply(orders.order_dict(order))
        if changed:
            self.queue_screen.show_changes(changed)
