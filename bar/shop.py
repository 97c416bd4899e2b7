"""The shop: open or closed, and how full the queue is.

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
QUEUE_KEY = "queue"  # the `counter` row: orders pending or preparing


def is_open() -> bool:
    row = State.select(State.value).where(State.key == OPEN_KEY).first()
    return True if row is None else bool(row.value)


def set_open(open_: bool, *, now: datetime) -> bool:
    """Open or close the bar; returns whether anything changed."""
    with write():
        if is_open() == open_:
            return False
        State.insert(key=OPEN_KEY, value=open_).on_conflict_replace().execute()
        events.publish(events.CONFIG, ShopStatusChanged(open_), now=now)
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
