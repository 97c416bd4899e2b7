"""Messages that cross from the app's threads (event tail, server watcher) into the app."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from bar.events import BarEvent
from bar.health import Health


class EventsArrived(Message):
    """New rows of the events table, oldest first, as the tail thread read them."""

    def __init__(self, events: Sequence[BarEvent]) -> None:
        super().__init__()
        self.events = events


class ServerChecked(Message):
    """The web server's health changed (`bar.health`), as the watcher thread saw it."""

    def __init__(self, health: Health) -> None:
        super().__init__()
        self.health = health
