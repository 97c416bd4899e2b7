"""A long night in one go: many orders written straight to the table, for listing tests.

Placing 1,000+ orders through `place_order` would cost a commit each and trip the bar's
own rules (queue, per-guest limit); a listing only needs the rows. Orders come in
groups that share one `created_at`, so ties are on every page boundary.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from bar import orders, shop
from bar.db import write
from bar.models import Guest, Order


def insert_orders(
    guests: list[Guest], count: int, *, start: datetime, statuses: tuple[str, ...] = orders.STATUSES,
    same_time: int = 7,
) -> list[str]:
    """`count` orders of Negroni, cycling through `guests` and `statuses`; returns their ids.

    Every `same_time` orders in a row share one `created_at` (a second apart otherwise).
    Numbers continue after the highest one already on `start`'s day.
    """
    day = start.date().isoformat()
    first = (Order.select(Order.number).where(Order.day == day).order_by(Order.number.desc())
             .scalar() or 0) + 1
    rows = []
    who, status = itertools.cycle(guests), itertools.cycle(statuses)
    for i in range(count):
        at = start + timedelta(seconds=i // same_time)
        rows.append({
            "id": str(uuid.uuid4()), "number": first + i, "day": day, "drink": "negroni",
            "guest": next(who).user_key, "modifiers": {}, "note": "", "status": next(status),
            "created_at": at, "updated_at": at,
        })
    with write():
        for i in range(0, len(rows), 200):  # SQLite caps the variables in one statement
            Order.insert_many(rows[i:i + 200]).execute()
        shop.recount_queue()  # written around the core, which keeps the queue's length
    return [row["id"] for row in rows]
