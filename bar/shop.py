"""The shop: open or closed, and how full the queue is.

Both are on the public `config` channel as `SHOP_STATUS_CHANGED` (`is_open`,
`queue_full`), so a guest's menu can say "the queue is full" before they pick a drink,
and take it back the moment there is room. The queue's fullness is announced when it
flips, not with every order: the order that fills the queue (`bar.orders.place_order`)
and the move that makes room (`bar.orders` `_apply`) publish it in their own
transaction. A `state` row remembers the flip (the `max_queue` it was full at), so
each flip is announced once whichever process makes it; `sync_queue_full` puts that
row right when it disagrees with the queue (`max_queue` changed in bar.toml), from the
housekeeping every process runs.

The queue's length is what `max_queue` limits, checked for every order inside the
write lock. Counting the queue's rows each time grows with the queue (a stress run with
no limit reaches thousands), so it is kept as a count (`Counter`): every change that
moves an order into or out of the queue (placing it, `bar.orders`' moves) adds to it
in its own transaction, and each process recounts it from the orders when it opens
the database (`recount_queue`, from `bar.datadir`). `queue_length` reads the count,
or counts the rows if there is none.

With stations (`bar.stations`) each station has its own queue, count, switch and
flip: each is the bar's key with "/<station id>" added (`station` None: the bar as a
whole, and the one queue of a bar without stations: its keys are unchanged). A
station's `SHOP_STATUS_CHANGED` carries `"station"`; its `is_open` is the station's
own switch (the bar's stays the bar's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import Select, fn

from bar import events
from bar.db import Prepared, slot, write
from bar.models import Counter, Order, State
from bar.payloads import ShopStatusChanged
from bar.status import QUEUE_STATUSES

OPEN_KEY = "shop_open"  # the `state` row: JSON true or false; no row is open
# The `state` row: the `max_queue` the queue was full at when it last filled; no row
# (or null) while it has room.
QUEUE_FULL_KEY = "queue_full"
QUEUE_KEY = "queue"  # the `counter` row: orders pending or preparing


def station_key(key: str, station: str | None) -> str:
    """The `state` or `counter` key `key` of `station` (None: the bar's own)."""
    return key if station is None else f"{key}/{station}"


def is_open(station: str | None = None) -> bool:
    """Is the bar (or `station`'s own switch) open?"""
    key = station_key(OPEN_KEY, station)
    row = State.select(State.value).where(State.key == key).first()
    return True if row is None else bool(row.value)


def set_open(open_: bool, *, now: datetime, station: str | None = None) -> bool:
    """Open or close the bar (or one station); returns whether anything changed."""
    with write():
        if is_open(station) == open_:
            return False
        State.insert(key=station_key(OPEN_KEY, station), value=open_).on_conflict(
            conflict_target=[State.key], update={State.value: open_}).execute()
        full = _full_at(station) is not None
        events.publish(events.CONFIG, ShopStatusChanged(open_, queue_full=full, station=station),
                       now=now)
        return True


def _counted(station: Any) -> Any:
    # COUNT over the status index; peewee's .count() would wrap the query in a subquery.
    # Read only where no count is kept yet (before the first recount): "" is no station.
    return Order.select(fn.COUNT(Order.id)).where(
        Order.status.in_(QUEUE_STATUSES) & (fn.COALESCE(Order.station, "") == station))


def kept_length_query(key: Any = QUEUE_KEY) -> Any:
    """The queue's kept count as an expression: NULL while none is kept (`key` as in
    `queue_length_query`)."""
    return Counter.select(Counter.value).where(Counter.key == key)


def queue_length_query(key: Any = QUEUE_KEY, station: Any = "") -> Any:
    """The queue's length as an expression (for a query that reads it with others):
    `key` the counter's (`station_key(QUEUE_KEY, ...)`), `station` its id or ""."""
    return fn.COALESCE(kept_length_query(key), _counted(station))


_LENGTH = Prepared(lambda: Select(columns=[queue_length_query(slot("key"), slot("station"))]))
_MOVED = Prepared(lambda: Counter.update(value=Counter.value + slot("by"))
                  .where(Counter.key == slot("key")))


def queue_length(station: str | None = None) -> int:
    """Orders waiting for or under a barista (at `station`): what `max_queue` counts."""
    key = station_key(QUEUE_KEY, station)
    return int(_LENGTH.execute(key=key, station=station or "").fetchone()[0])


def queue_full(max_queue: int, station: str | None = None) -> bool:
    """Is the queue at `max_queue`, so that new orders are refused?"""
    return queue_length(station) >= max_queue


def _full_at(station: str | None = None) -> int | None:
    key = station_key(QUEUE_FULL_KEY, station)
    row = State.select(State.value).where(State.key == key).first()
    return int(row.value) if row is not None and row.value is not None else None


def _announce_queue(full_at: int | None, *, now: datetime, station: str | None = None) -> None:
    State.insert(key=station_key(QUEUE_FULL_KEY, station), value=full_at).on_conflict(
        conflict_target=[State.key], update={State.value: full_at}).execute()
    events.publish(events.CONFIG, ShopStatusChanged(
        is_open(station), queue_full=full_at is not None, station=station), now=now)


def queue_filled(max_queue: int, *, now: datetime, station: str | None = None) -> None:
    """An order just took the queue to `max_queue`: say so, once.

    Call inside the write transaction that placed the order.
    """
    if _full_at(station) is None:
        _announce_queue(max_queue, now=now, station=station)


def queue_left(*, now: datetime, station: str | None = None) -> None:
    """An order just left the queue (made, cancelled, expired): say so if that made room.

    Call inside the write transaction that moved the order.
    """
    full_at = _full_at(station)
    if full_at is not None and queue_length(station) < full_at:
        _announce_queue(None, now=now, station=station)


def sync_queue_full(max_queue: int, *, now: datetime, station: str | None = None) -> bool:
    """Put the remembered flip right if it disagrees with the queue (after `max_queue`
    changed); returns whether anything changed. Idempotent: every process may run it."""
    if queue_full(max_queue, station) == (_full_at(station) is not None):
        return False  # the usual case: a read, no write lock
    with write():
        full = queue_full(max_queue, station)
        if full == (_full_at(station) is not None):
            return False
        _announce_queue(max_queue if full else None, now=now, station=station)
        return True


def queue_moved(by: int, station: str | None = None, *, kept: bool = False) -> None:
    """`by` orders went into the queue (or out of it, if negative) at `station`: call in
    the transaction of that change. `kept`: this transaction read the station's kept
    count already (`kept_length_query`), so it is there (a count is never deleted): its
    update is sent without waiting to learn whether it found the row."""
    if not by:
        return
    moved = _MOVED.execute(by=by, key=station_key(QUEUE_KEY, station))
    if not kept and moved.rowcount == 0:
        # No count kept for this station yet (its first order since the last recount):
        # keep one now, or every order would count its queue's rows.
        _keep_count(station)


def _keep_count(station: str | None) -> int:
    """Count `station`'s queue from the orders and keep that count."""
    at = Order.station.is_null() if station is None else Order.station == station
    length = int(Order.select(fn.COUNT(Order.id))
                 .where(Order.status.in_(QUEUE_STATUSES) & at).scalar())
    key = station_key(QUEUE_KEY, station)
    (Counter.insert(key=key, value=length)
     .on_conflict(conflict_target=[Counter.key], update={Counter.value: length}).execute())
    return length


def recount_queue() -> int:
    """Count each station's queue from the orders and keep those counts (written only
    where they differ); call in a write transaction. Returns the whole queue's length."""
    counted: dict[str | None, int] = dict(
        Order.select(Order.station, fn.COUNT(Order.id))  # type: ignore[arg-type]
        .where(Order.status.in_(QUEUE_STATUSES)).group_by(Order.station).tuples()
    )
    wanted = {station_key(QUEUE_KEY, station): n for station, n in counted.items()}
    wanted.setdefault(QUEUE_KEY, 0)
    kept: dict[str, int] = dict(
        Counter.select(Counter.key, Counter.value)  # type: ignore[arg-type]
        .where((Counter.key == QUEUE_KEY) | Counter.key.startswith(QUEUE_KEY + "/")).tuples()
    )
    for key in kept.keys() - wanted.keys():
        wanted[key] = 0  # a station whose queue emptied
    for key, length in wanted.items():
        if kept.get(key) != length:
            (Counter.insert(key=key, value=length)
             .on_conflict(conflict_target=[Counter.key], update={Counter.value: length})
             .execute())
    return sum(counted.values())
