"""`bar display`: the TV board in a terminal, full screen, no keys but quit.

Like the barista's kiosk, a thread tails the events table (`bar.events.EventTail`) and
posts what it reads to the app as `EventsArrived`; on any `display`, `config` or
`announcements` event the app re-reads the board from the core (`bar.board.read`), so
an order moved by the kiosk or the web process shows up in a few tens of milliseconds.
The content matches the web board (`/display`): In line, Preparing and Ready with
order numbers and first names only, never a user key or a note, and the host's
announcement while it is fresh (a timer reads the board again when it is over).

The app owns what is shown (its reactive `board`, and `orders_placed`, which tells a
pop-up window's code that a drink was taken); the screen watches them.
"""

from __future__ import annotations

import peewee
from textual import on
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer

from bar import events
from bar.board import Board, read
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.payloads import NewOrder
from kiosk.messages import EventsArrived
from kiosk.screens.display import DisplayScreen
from kiosk.tail import TailingApp

BOARD_CHANNELS = frozenset({events.DISPLAY, events.CONFIG, events.ANNOUNCEMENTS})


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

    board: var[Board] = var(Board())
    orders_placed: var[int] = var(0)  # since the start: each takes a pop-up window's drink

    def __init__(
        self, settings: Settings, *, clock: Clock = utcnow, station: str | None = None,
    ) -> None:
        """`station`: that station's board only (`bar display --station`)."""
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.station = station
        self.display_screen = DisplayScreen(settings, clock=clock, station=station)
        self._after = 0
        self._news_over: Timer | None = None

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
        """Read the board (the core says what is on it and how much)."""
        now = self.clock()
        self.board = read(now=now, station=self.station)
        if self._news_over is not None:
            self._news_over.stop()
            self._news_over = None
        if self.board.announcement is not None:
            # Read again when it is over: nothing else would say so.
            left = (self.board.announcement.until - now).total_seconds()
            self._news_over = self.set_timer(max(0.1, left), self.refresh_boards)

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
            # A few short queries: simpler than folding payloads into a board of our
            # own, and the database stays the one source of truth.
            self.reload()
        except peewee.DatabaseError as exc:
            self.log.warning(f"display reload: {exc}")
            self.set_timer(0.5, self.refresh_boards)
