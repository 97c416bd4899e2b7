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


def is_open() -> bool:
    row = State.select(State.value).where(State.key == OPEN_KEY).first()
    return True if row is None else bool(row.value)


def set_open(open_: bool, *, now: datetime) -> bool:
    """Open or close the bar; returns whether anything changed."""
    with write():
        if is_open() == open_:
            return False
        State.insert(key=OPEN_KEY, value=open_).on_conflict(
            conflict_target=[State.key], update={State.value: open_}).execute()
        full = _full_at() is not None
        events.publish(events.CONFIG, ShopStatusChanged(open_, queue_full=full), now=now)
        return True


def _counted() -> Any:
    # COUNT over the status index; peewee's .count() would wrap the query in a subquery.
    return Order.select(fn.COUNT(Order.id)).where(Order.status.in_(QUEUE_STATUSES))


def queue_length_query() -> Any:
    """The queue's length as an expression (for a query that reads it with others)."""
    kept = Counter.select(Counter.value).where(Counter.key == QUEUE_KEY)
    return fn.COALESCE(kept, _counted())


_LENGTH = Prepared(lambda: Select(columns=[queue_length_query()]))
_MOVED = Prepared(lambda: Counter.update(value=Counter.value + slot("by"))
                  .where(Counter.key == QUEUE_KEY))


def queue_length() -> int:
    """Orders waiting for or under a barista: what `max_queue` counts."""
    return int(_LENGTH.execute().fetchone()[0])


def queue_full(max_queue: int) -> bool:
    """Is the queue at `max_queue`, so that new orders are refused?"""
    return queue_length() >= max_queue


def _full_at() -> int | None:
    row = State.select(State.value).where(State.key == QUEUE_FULL_KEY).first()
    return int(row.value) if row is not None and row.value is not None else None


def _announce_queue(full_at: int | None, *, now: datetime) -> None:
    State.insert(key=QUEUE_FULL_KEY, value=full_at).on_conflict(
        conflict_target=[State.key], update={State.value: full_at}).execute()
    events.publish(
        events.CONFIG, ShopStatusChanged(is_open(), queue_full=full_at is not None), now=now
    )


def queue_filled(max_queue: int, *, now: datetime) -> None:
    """An order just took the queue to `max_queue`: say so, once.

    Call inside the write transaction that placed the order.
    """
    if _full_at() is None:
        _announce_queue(max_queue, now=now)


def queue_left(*, now: datetime) -> None:
    """An order just left the queue (made, cancelled, expired): say so if that made room.

    Call inside the write transaction that moved the order.
    """
    full_at = _full_at()
    if full_at is not None and queue_length() < full_at:
        _announce_queue(None, now=now)


def sync_queue_full(max_queue: int, *, now: datetime) -> bool:
    """Put the remembered flip right if it disagrees with the queue (after `max_queue`
    changed); returns whether anything changed. Idempotent: every process may run it."""
    if queue_full(max_queue) == (_full_at() is not None):
        return False  # the usual case: a read, no write lock
    with write():
        full = queue_full(max_queue)
        if full == (_full_at() is not None):
            return False
        _announce_queue(max_queue if full else None, now=now)
        return True


def queue_moved(by: int) -> None:
    """`by` orders went into the queue (or out of it, if negative): call in the
    transaction of that change."""
    if by:
        _MOVED.execute(by=by)


def recount_queue() -> int:
    """Count the queue from the orders and keep that count (written only if it differs);
    call in a write transaction."""
    length = int(_counted().scalar())
    kept = Counter.select(Counter.value).where(Counter.key == QUEUE_KEY).scalar()
    if kept != length:
        (Counter.insert(key=QUEUE_KEY, value=length)
         .on_conflict(conflict_target=[Counter.key], update={Counter.value: length}).execute())
    return length
