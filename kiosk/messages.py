"""Messages that cross from the event-tail thread into the Textual app."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from bar.events import BarEvent


class EventsArrived(Message):
    """New rows of the events table, oldest first, as the tail thread read them."""

    def __init__(self, events: Sequence[BarEvent]) -> None:
        super().__init__()
        self.events = events
