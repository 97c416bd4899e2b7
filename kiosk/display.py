"""`bar display`: the TV board in a terminal, full screen, no keys but quit.

Like the barista's kiosk, a thread tails the events table (`bar.events.EventTail`) and
posts what it reads to the app as `EventsArrived`; on any `display` or `config` event
the app re-reads the two short boards from the core, so an order moved by the kiosk
or the web process shows up in a few tens of milliseconds. The content matches the
web board (`/display`): order numbers and first names only, never a user key.

The app owns what is shown (its reactive `boards`, and `orders_placed`, which tells a
pop-up window's code that a drink was taken); the screen watches them.
"""

from __future__ import annotations

import peewee
from textual import on
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from bar import events, orders, shop
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.payloads import NewOrder, PublicOrder
from kiosk.messages import EventsArrived
from kiosk.screens.display import DisplayScreen
from kiosk.tail import TailingApp
from kiosk.widgets.ticket_board import MAX_TICKETS, Boards, Ticket

BOARD_CHANNELS = frozenset({events.DISPLAY, events.CONFIG})


class DisplayApp(TailingApp):
    """The room's board. Construct it once the database is connected."""

    CSS_PATH = "display.tcss"
    TITLE = "bar display"
    ENABLE_COMMAND_PALETTE = False
    # Nothing to press on a TV; Ctrl+C quits too, as it does everywhere else.
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),
        Binding("ctrl+c", "quit", show=False, priority=True),
    ]

    poll_interval = 0.05  # seconds between event-table polls

    boards: var[Boards] = var(Boards())
    orders_placed: var[int] = var(0)  # since the start: each takes a pop-up window's drink

    def __init__(self, settings: Settings, *, clock: Clock = utcnow) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.display_screen = DisplayScreen(settings, clock=clock)
        self._after = 0

    def get_default_screen(self) -> Screen[None]:
        return self.display_screen

    def on_load(self) -> None:
        # The last event id before reading the boards: a change committed in between
        # is replayed by the tail rather than missed.
        self._after = events.last_event_id()
        self.reload()

    def on_mount(self) -> None:
        self.start_tail(self._after)

    def reload(self) -> None:
        """Read both boards (oldest first, at most what fits) and the shop state."""

        def board(status: str) -> tuple[Ticket, ...]:
            rows = orders.list_orders(statuses=(status,), newest_first=False, limit=MAX_TICKETS)
            return tuple(Ticket.of(PublicOrder.of(order)) for order in rows)

        self.boards = Boards(board(orders.PREPARING), board(orders.READY), shop.is_open())

    @on(EventsArrived)
    def events_arrived(self, message: EventsArrived) -> None:
        """Re-read the boards when an order or the shop changed."""
        relevant = [event for event in message.events if event.channel in BOARD_CHANNELS]
        if not relevant:
            return
        self.refresh_boards()
        self.orders_placed += sum(isinstance(event.data, NewOrder) for event in relevant)

    def refresh_boards(self) -> None:
        """Re-read and redraw the boards; try again shortly if the database is busy."""
        try:
            # Two queries of at most 14 rows: simpler than folding payloads into a
            # board of our own, and the database stays the one source of truth.
            self.reload()
        except peewee.DatabaseError as exc:
            self.log.warning(f"display reload: {exc}")
            self.set_timer(0.5, self.refresh_boards)
