"""The shop: open or closed, and how full the queue is."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from bar import events
from bar.db import write
from bar.models import Order, State
from bar.payloads import ShopStatusChanged
from bar.status import QUEUE_STATUSES

OPEN_KEY = "shop_open"  # the `state` row: JSON true or false; no row is open


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
        events.publish(events.CONFIG, ShopStatusChanged(open_), now=now)
        return True


def queue_length() -> int:
    """Orders waiting for or under a barista: what `max_queue` counts."""
    # COUNT over the status index; peewee's .count() would wrap the query in a subquery.
    return Order.select(fn.COUNT(Order.id)).where(Order.status.in_(QUEUE_STATUSES)).scalar()
