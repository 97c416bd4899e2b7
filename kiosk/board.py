"""The kiosk's in-memory picture of the open orders, kept current from events.

It is loaded once from the database, then updated from the `admin` channel's event
payloads, which carry the whole order: applying an event costs a dict lookup and a
sorted insert into one column, never a query. The database stays the source of
truth; `r` (refresh) reloads from it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bar.models import Order
from bar.orders import OPEN_STATUSES, PENDING, order_dict
from bar.shop import QUEUE_STATUSES


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """What a card shows of one order (built from an `order_dict` payload)."""

    id: str
    number: int
    username: str
    drink_id: str
    drink_name: str
    modifiers: tuple[tuple[str, str], ...]
    note: str
    status: str
    barista: str | None
    created_at: datetime
    updated_at: datetime  # while preparing: when it was claimed (wait estimates use it)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OpenOrder:
        return cls(
            id=str(payload["order_id"]),
            number=int(payload["number"]),
            username=str(payload["username"]),
            drink_id=str(payload["drink_id"]),
            drink_name=str(payload["drink_name"]),
            modifiers=tuple((str(k), str(v)) for k, v in (payload.get("modifiers") or {}).items()),
            note=str(payload.get("note") or ""),
            status=str(payload["status"]),
            barista=payload.get("barista"),
            created_at=datetime.fromisoformat(payload["created_at"]),
            updated_at=datetime.fromisoformat(payload["updated_at"]),
        )

    @classmethod
    def from_order(cls, order: Order) -> OpenOrder:
        return cls.from_payload(order_dict(order))

    @property
    def sort_key(self) -> tuple[datetime, int]:
        """Oldest first; the number breaks ties between orders of the same instant."""
        return (self.created_at, self.number)

    @property
    def batch_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Orders a barista can make together: same drink, same modifiers."""
        return (self.drink_id, self.modifiers)


def _sort_key(order: OpenOrder) -> tuple[datetime, int]:
    return order.sort_key


@dataclass(frozen=True, slots=True)
class Batch:
    count: int
    drink_name: str
    modifiers: tuple[tuple[str, str], ...]


class Board:
    """Open orders by id, and one oldest-first list per status column."""

    def __init__(self) -> None:
        self._orders: dict[str, OpenOrder] = {}
        self._columns: dict[str, list[OpenOrder]] = {s: [] for s in OPEN_STATUSES}

    def load(self, orders: Iterable[OpenOrder]) -> None:
        """Replace everything (at start and on refresh)."""
        self._orders = {o.id: o for o in orders if o.status in OPEN_STATUSES}
        self._columns = {s: [] for s in OPEN_STATUSES}
        for order in self._orders.values():
            self._columns[order.status].append(order)
        for column in self._columns.values():
            column.sort(key=_sort_key)

    def apply(self, payload: Mapping[str, Any]) -> set[str]:
        """Upsert one order from an event payload; returns the columns that changed."""
        new = OpenOrder.from_payload(payload)
        old = self._orders.get(new.id)
        if old == new:
            return set()  # the echo of a change already applied
        changed: set[str] = set()
        if old is not None:
            self._remove(old)
            changed.add(old.status)
        if new.status in OPEN_STATUSES:
            self._orders[new.id] = new
            bisect.insort(self._columns[new.status], new, key=_sort_key)
            changed.add(new.status)
        return changed

    def _remove(self, order: OpenOrder) -> None:
        del self._orders[order.id]
        column = self._columns[order.status]
        index = bisect.bisect_left(column, order.sort_key, key=_sort_key)
        while column[index].id != order.id:  # orders created in the same instant
            index += 1
        del column[index]

    def get(self, order_id: str) -> OpenOrder | None:
        return self._orders.get(order_id)

    def column(self, status: str) -> Sequence[OpenOrder]:
        """The column's orders, oldest first (a live view: do not keep it)."""
        return self._columns[status]

    def __len__(self) -> int:
        return len(self._orders)

    @property
    def queue_length(self) -> int:
        """Pending and preparing: what `max_queue` counts."""
        return sum(len(self._columns[status]) for status in QUEUE_STATUSES)

    def batches(self, *, min_count: int = 2) -> list[Batch]:
        """Identical pending drinks, biggest batch first (ties: oldest first)."""
        counts: dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]] = {}
        for order in self._columns[PENDING]:
            entry = counts.setdefault(order.batch_key, [0, order])
            entry[0] += 1
        batches = [
            Batch(count, first.drink_name, first.modifiers)
            for count, first in counts.values()
            if count >= min_count
        ]
        batches.sort(key=lambda b: -b.count)  # stable: equal counts keep queue order
        return batches
