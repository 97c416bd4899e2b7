"""The outbox: every state change appends its events in the same transaction.

Readers tail the table by id: the web process pushes new rows to its sockets, the
kiosk posts them as Textual messages, `bar events --follow` prints them. Events older
than the retention window are pruned; a reader asking for events from before the
pruned point is told to resync over REST.

What each event says is typed in `bar.payloads`: `publish` takes those dataclasses,
a row keeps their JSON as `payload`, and `BarEvent.data` reads it back typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from bar import payloads
from bar.db import db, write
from bar.models import Event, State

# The event types are named in `bar.payloads`, with their shapes; here too for readers.
from bar.payloads import ANNOUNCEMENT as ANNOUNCEMENT
from bar.payloads import GUEST_LET_BACK as GUEST_LET_BACK
from bar.payloads import GUEST_SIGNED_OUT as GUEST_SIGNED_OUT
from bar.payloads import MENU_CHANGED as MENU_CHANGED
from bar.payloads import NEW_ORDER as NEW_ORDER
from bar.payloads import ORDER_EXPIRED as ORDER_EXPIRED
from bar.payloads import ORDER_REFUSED as ORDER_REFUSED
from bar.payloads import ORDER_REMINDER as ORDER_REMINDER
from bar.payloads import ORDER_STATUS_CHANGED as ORDER_STATUS_CHANGED
from bar.payloads import SHOP_STATUS_CHANGED as SHOP_STATUS_CHANGED

ADMIN = "admin"
DISPLAY = "display"
CONFIG = "config"
ANNOUNCEMENTS = "announcements"
PUBLIC_CHANNELS = frozenset({DISPLAY, CONFIG, ANNOUNCEMENTS})


def guest_channel(user_key: str) -> str:
    return f"orders/{user_key}"


def may_read(role: str | None, user_key: str | None, channel: str) -> bool:
    """Who reads what: public channels for all (role None: anonymous), a guest only
    their own orders, admins everything."""
    if channel in PUBLIC_CHANNELS:
        return True
    if role == "admin":
        return channel == ADMIN or channel.startswith("orders/")
    return role == "guest" and user_key is not None and channel == guest_channel(user_key)


@dataclass(frozen=True)
class BarEvent:
    """One row of the table: `payload` as stored, `data` as its typed event."""

    id: int
    channel: str
    type: str
    payload: dict[str, Any]
    created_at: datetime

    @cached_property
    def data(self) -> payloads.EventPayload | None:
        """The typed event (`bar.payloads`); None for a type this version does not know."""
        return payloads.decode(self.type, self.payload)

    def to_message(self) -> dict[str, Any]:
        """The WebSocket/CLI form of the spec: `{"type": "event", "id", "channel", "event"}`."""
        return {
            "type": "event",
            "id": self.id,
            "channel": self.channel,
            "event": {"type": self.type, **self.payload},
        }


def publish(channel: str, event: payloads.EventPayload, *, now: datetime) -> int:
    """Append one event. Call inside the transaction of the change it announces."""
    return Event.insert(
        channel=channel, type=event.type, payload=event.to_payload(), created_at=now
    ).execute()


def publish_many(batch: list[tuple[str, payloads.EventPayload]], *, now: datetime) -> None:
    """Append several events (channel, event) in one statement, in this order."""
    if not batch:
        return
    # Hand-written: it runs inside every order's write lock, where peewee's building of
    # a multi-row insert cost more than SQLite's writing it.
    created_at, to_json = Event.created_at.db_value(now), Event.payload.db_value
    texts: dict[int, str] = {}  # one event on several channels is serialised once
    values: list[str | None] = []
    for channel, event in batch:
        text = texts.get(id(event))
        if text is None:
            text = texts[id(event)] = to_json(event.to_payload())
        values += (channel, event.type, text, created_at)
    db.execute_sql(
        "INSERT INTO event (channel, type, payload, created_at) VALUES "
        + ", ".join(["(?, ?, ?, ?)"] * len(batch)),
        values,
    )


def _to_event(row: Event) -> BarEvent:
    return BarEvent(row.id, row.channel, row.type, row.payload, row.created_at)


def _in(column: str, values: Iterable[str] | None, params: list[Any]) -> str:
    if values is None:
        return ""
    values = list(values)
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' * len(values))})"


def read_since(
    last_id: int, channels: Iterable[str] | None = None, *, limit: int = 1000,
    types: Iterable[str] | None = None,
) -> list[BarEvent]:
    """Events after `last_id`, oldest first, optionally only from `channels` and of `types`."""
    # Hand-written, rows read raw: every tail (the web process, each kiosk) runs this
    # for every change, and peewee's query building and row conversion cost more than
    # the query.
    params: list[Any] = [last_id]
    where = _in("channel", channels, params) + _in("type", types, params)
    rows = db.execute_sql(
        f"SELECT id, channel, type, payload, created_at FROM event WHERE id > ?{where} "
        "ORDER BY id LIMIT ?", [*params, limit],
    )
    iso, load = datetime.fromisoformat, json.loads
    return [BarEvent(i, channel, kind, load(payload), iso(created))
            for i, channel, kind, payload, created in rows]


def read_last(
    count: int, channels: Iterable[str] | None = None, types: Iterable[str] | None = None,
    *, through: int | None = None,
) -> list[BarEvent]:
    """The last `count` events (up to id `through`) of `channels` and `types`, oldest first."""
    query = Event.select().order_by(Event.id.desc()).limit(count)
    if through is not None:
        query = query.where(Event.id <= through)
    if channels is not None:
        query = query.where(Event.channel.in_(list(channels)))
    if types is not None:
        query = query.where(Event.type.in_(list(types)))
    return [_to_event(row) for row in reversed(list(query))]


def last_event_id() -> int:
    return Event.select(Event.id).order_by(Event.id.desc()).scalar() or 0


def pruned_through() -> int:
    """The highest event id that retention has deleted (0 if none)."""
    row = State.get_or_none(State.key == "events_pruned_through")
    return int(row.value) if row else 0


def needs_resync(since: int) -> bool:
    """True when events after `since` may have been pruned: replay cannot be complete."""
    return since < pruned_through()


def prune(*, older_than: timedelta, now: datetime) -> int:
    """Delete events older than the retention window; returns how many."""
    with write():
        cutoff = now - older_than
        highest = (
            Event.select(Event.id).where(Event.created_at < cutoff)
            .order_by(Event.id.desc()).scalar()
        )
        if not highest:
            return 0
        deleted = Event.delete().where(Event.id <= highest).execute()
        State.insert(key="events_pruned_through", value=highest).on_conflict_replace().execute()
        return deleted


class EventTail:
    """Reads new events as they are committed, by any process.

    `PRAGMA data_version` changes when another connection commits, so an idle poll
    costs one pragma and no query. It ignores this connection's own commits, so the
    connection's change count is checked too (a thread that writes and tails, like the
    kiosk's expiry, sees its own events). Use one tail per thread: both are per
    connection, and peewee gives each thread its own.
    """

    def __init__(self, after: int | None = None, *, batch: int = 1000) -> None:
        self.last_id = last_event_id() if after is None else after
        self._batch = batch
        self._data_version: tuple[int, int] | None = None

    def poll(self) -> list[BarEvent]:
        """New events since the last poll (empty if nothing was committed)."""
        version = (
            db.execute_sql("PRAGMA data_version").fetchone()[0], db.connection().total_changes
        )
        if version == self._data_version:
            return []
        self._data_version = version
        found: list[BarEvent] = []
        while True:
            events = read_since(self.last_id, limit=self._batch)
            found.extend(events)
            if events:
                self.last_id = events[-1].id
            if len(events) < self._batch:
                return found
