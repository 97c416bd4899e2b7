"""The event tail both terminal apps share: a thread that posts new events to the app.

A thread worker follows `bar.events.EventTail` (no query while nothing changes) and
posts what it reads as `EventsArrived`, so changes made by the web process, another
kiosk or the CLI show up without a key press.
"""

from __future__ import annotations

import threading
from typing import Any

import peewee
from textual import work
from textual.app import App
from textual.worker import get_current_worker

from bar import events
from bar.db import db
from kiosk.messages import EventsArrived


class TailingApp(App[None]):
    """An app that follows the events table from `start_tail(after)` until unmounted."""

    poll_interval = 0.02  # seconds between event-table polls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tail_done = threading.Event()
        self._tail_done.set()  # no tail thread yet

    def start_tail(self, after: int) -> None:
        self._tail_done.clear()
        self.tail_events(after)

    def on_unmount(self) -> None:
        """Let the tail thread finish (it checks every poll) before the app is gone."""
        self.workers.cancel_group(self, "event-tail")
        self._tail_done.wait(timeout=1.0)

    def on_tail_tick(self) -> None:
        """Runs on the tail thread before each poll: for periodic work of the app's own."""

    @work(thread=True, exclusive=True, group="event-tail", name="event tail")
    def tail_events(self, after: int) -> None:
        """Poll the events table until cancelled; post what arrives to the app."""
        worker = get_current_worker()
        try:
            tail = events.EventTail(after=after)
            while not worker.is_cancelled:
                self.on_tail_tick()
                try:
                    found = tail.poll()
                except peewee.DatabaseError as exc:  # e.g. locked during a checkpoint
                    self.log.warning(f"event tail: {exc}")
                    found = []
                if found:
                    self.post_message(EventsArrived(found))
                tail.wait(self.poll_interval)
        finally:
            db.close()  # this thread's connection only (peewee keeps one per thread)
            self._tail_done.set()
