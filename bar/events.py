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
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from bar import payloads
from bar.db import Prepared, engine, slot, write, writing
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
    their own orders, admins everything. A station's channels (`display/coffee`,
    `admin/coffee`: `bar.stations`) are read by whoever may read the bar's."""
    if channel in PUBLIC_CHANNELS or channel.startswith(DISPLAY + "/"):
        return True
    if role == "admin":
        return channel == ADMIN or channel.startswith(("orders/", ADMIN + "/"))
    return role == "guest" and user_key is not None and channel == guest_channel(user_key)


class BarEvent:
    """One row of the table: `payload` as stored, `data` as its typed event.

    The payload's JSON is decoded only when someone reads `payload` (or `data`): the
    web process's tail reads every event of every change, and mostly hands it on to
    sockets as it is (`message_text`), so decoding each one would be wasted work.
    """

    __slots__ = ("id", "channel", "type", "created_at", "_text", "_payload", "_data")

    def __init__(
        self, id: int, channel: str, type: str, payload: Mapping[str, Any] | None,
        created_at: datetime, *, text: str | None = None,
    ) -> None:
        """From a decoded `payload`, or from the stored JSON `text` of one (then `None`)."""
        if payload is None and text is None:
            raise ValueError("an event needs its payload or its JSON text")
        self.id, self.channel, self.type, self.created_at = id, channel, type, created_at
        self._payload = dict(payload) if payload is not None else None
        self._text = text
        self._data: payloads.EventPayload | None | bool = False  # False: not decoded yet

    def __repr__(self) -> str:
        return f"BarEvent(id={self.id}, channel={self.channel!r}, type={self.type!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BarEvent):
            return NotImplemented
        return (self.id, self.channel, self.type, self.created_at, self.payload) == (
            other.id, other.channel, other.type, other.created_at, other.payload)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking: compared by value

    @property
    def payload(self) -> dict[str, Any]:
        """The event's JSON object (decoded on first use)."""
        if self._payload is None:
            self._payload = json.loads(str(self._text))
        return self._payload

    @property
    def data(self) -> payloads.EventPayload | None:
        """The typed event (`bar.payloads`); None for a type this version does not know."""
        if self._data is False:
            self._data = payloads.decode(self.type, self.payload)
        return cast(payloads.EventPayload | None, self._data)

    def to_message(self) -> dict[str, Any]:
        """The WebSocket/CLI form of the spec: `{"type": "event", "id", "channel", "event"}`."""
        return {
            "type": "event",
            "id": self.id,
            "channel": self.channel,
            "event": {"type": self.type, **self.payload},
        }

    def message_text(self) -> str:
        """`to_message()` as compact JSON text, spliced around the stored payload's text
        when there is one (no decoding, no encoding of the payload)."""
        text = self._text
        if text is None or not text.startswith("{"):
            return json.dumps(self.to_message(), ensure_ascii=False, separators=(",", ":"))
        head = json.dumps({"type": "event", "id": self.id, "channel": self.channel,
                           "event": {"type": self.type}}, ensure_ascii=False,
                          separators=(",", ":"))
        # head ends with `}}`: the payload's members go inside "event", after its type (a
        # member named "type" in the payload would win, as it does in `to_message`).
        rest = text[1:].lstrip()
        return head[:-2] + ("}}" if rest.startswith("}") else "," + rest + "}")


def _check_writing() -> None:
    # Only a writer holding the write lock may take an event id: ids are then taken in
    # commit order, and a tail reading `id > last` skips none (see `bar.postgres`).
    if not writing():
        raise RuntimeError("events are written inside bar.db.write(), with the change they announce")


def publish(channel: str, event: payloads.EventPayload, *, now: datetime) -> int:
    """Append one event. Call inside the transaction of the change it announces."""
    _check_writing()
    return Event.insert(
        channel=channel, type=event.type, payload=event.to_payload(), created_at=now
    ).execute()


def _inserting(rows: int) -> Prepared:
    """The INSERT of `rows` events (built once per number of rows)."""
    return Prepared(lambda: Event.insert_many([
        {Event.channel: slot(f"channel{i}"), Event.type: slot(f"type{i}"),
         Event.payload: slot(f"payload{i}"), Event.created_at: slot("created_at")}
        for i in range(rows)
    ]))


_INSERTS: dict[int, Prepared] = {}


def publish_many(batch: list[tuple[str, payloads.EventPayload]], *, now: datetime) -> None:
    """Append several events (channel, event) in one statement, in this order."""
    if not batch:
        return
    _check_writing()
    # Prepared: it runs inside every order's write lock, where peewee's building of a
    # multi-row insert cost more than SQLite's writing it.
    insert = _INSERTS.get(len(batch))
    if insert is None:
        insert = _INSERTS[len(batch)] = _inserting(len(batch))
    to_json = Event.payload.db_value
    texts: dict[int, str] = {}  # one event on several channels is serialised once
    values: dict[str, Any] = {"created_at": Event.created_at.db_value(now)}
    for i, (channel, event) in enumerate(batch):
        text = texts.get(id(event))
        if text is None:
            text = texts[id(event)] = to_json(event.to_payload())
        values[f"channel{i}"], values[f"type{i}"], values[f"payload{i}"] = (
            channel, event.type, text)
    insert.execute(**values)


def _to_event(row: Event) -> BarEvent:
    return BarEvent(row.id, row.channel, row.type, row.payload, row.created_at)


def _reading(channels: int | None, types: int | None) -> Prepared:
    """Events after `after`, of `channels` channels and `types` types (None: any)."""
    def build() -> Any:
        query = (Event.select(Event.id, Event.channel, Event.type, Event.payload, Event.created_at)
                 .where(Event.id > slot("after")))
        if channels is not None:
            query = query.where(Event.channel.in_([slot(f"channel{i}") for i in range(channels)]))
        if types is not None:
            query = query.where(Event.type.in_([slot(f"type{i}") for i in range(types)]))
        return query.order_by(Event.id).limit(slot("limit"))

    return Prepared(build)


_READS: dict[tuple[int | None, int | None], Prepared] = {}


def read_since(
    last_id: int, channels: Iterable[str] | None = None, *, limit: int = 1000,
    types: Iterable[str] | None = None,
) -> list[BarEvent]:
    """Events after `last_id`, oldest first, optionally only from `channels` and of `types`."""
    # Prepared, rows read raw, payloads decoded only when read: every tail (the web
    # process, each kiosk) runs this for every change.
    values: dict[str, Any] = {"after": last_id, "limit": limit}
    shape: list[int | None] = []
    for name, wanted in (("channel", channels), ("type", types)):
        if wanted is None:
            shape.append(None)
            continue
        listed = list(wanted)
        shape.append(len(listed))
        values.update((f"{name}{i}", value) for i, value in enumerate(listed))
    key = (shape[0], shape[1])
    reading = _READS.get(key)
    if reading is None:
        reading = _READS[key] = _reading(*key)
    rows = reading.execute(**values)
    iso = datetime.fromisoformat
    return [BarEvent(i, channel, kind, None, iso(created), text=payload)
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
        State.insert(key="events_pruned_through", value=highest).on_conflict(
            conflict_target=[State.key], update={State.value: highest}).execute()
        return deleted


class EventTail:
    """Reads new events as they are committed, by any process, in id order.

    It asks the engine's watch first (`bar.db.Engine.watch`): on SQLite `PRAGMA
    data_version` and the connection's own change count, on PostgreSQL the process's
    `LISTEN` connection; while nothing was committed, a poll costs no query. Reading
    `id > last` is enough on both: ids become visible in the order they were given (one
    writer at a time; see `bar.postgres` for PostgreSQL's sequences). Use one tail per
    thread.
    """

    def __init__(self, after: int | None = None, *, batch: int = 1000) -> None:
        self._watch = engine().watch()
        self._watch.changed()  # from here on, a commit is seen
        self.last_id = last_event_id() if after is None else after
        self._batch = batch
        self._fresh = True

    def poll(self) -> list[BarEvent]:
        """New events since the last poll (empty if nothing was committed)."""
        if not self._watch.changed() and not self._fresh:
            return []
        self._fresh = False
        found: list[BarEvent] = []
        while True:
            events = read_since(self.last_id, limit=self._batch)
            found.extend(events)
            if events:
                self.last_id = events[-1].id
            if len(events) < self._batch:
                return found

    def wait(self, timeout: float) -> None:
        """Until something may have been committed (then `poll`), or `timeout` seconds."""
        self._watch.wait(timeout)
