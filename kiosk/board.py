"""The kiosk's in-memory picture of the open orders, kept current from events.

It is loaded once from the database, then updated from the `admin` channel's events,
which carry the whole order (`bar.payloads.OrderInfo`): applying one costs a dict
lookup and a sorted insert into one column, never a query, and keeps the pending
batches counted as it goes, so nothing walks a whole column per event. The database
stays the source of truth; `r` (refresh) reloads from it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bar.payloads import OrderInfo
from bar.status import OPEN_STATUSES, PENDING, QUEUE_STATUSES


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """What a card shows of one order."""

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
    place: str = ""  # its station's name, on a kiosk that shows several stations
    station: str | None = None  # its station's id (wait estimates run each station's line)

    @classmethod
    def of(cls, info: OrderInfo, place: str = "") -> OpenOrder:
        """From the whole order (the `admin` channel's view, or the core's own)."""
        return cls(
            id=info.order_id,
            number=info.number,
            username=info.username or "",
            drink_id=info.drink_id,
            drink_name=info.drink_name,
            modifiers=tuple(info.modifiers.items()),
            note=info.note,
            status=info.status,
            barista=info.barista,
            created_at=info.created_at,
            updated_at=info.updated_at,
            place=place,
            station=info.station,
        )

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


@dataclass(frozen=True)
class BoardChange:
    """What one update did, for the screens that show the board (`KioskApp.changes`)."""

    statuses: frozenset[str] = frozenset()  # the columns whose orders changed
    orders: bool = False  # order events arrived (an echo changes no column)
    placed: bool = False  # a new order: one drink fewer left in a pop-up window
    refused: bool = False  # orders were turned away (the stats count them)
    reloaded: bool = False  # everything was read again from the database


BatchKey = tuple[str, tuple[tuple[str, str], ...]]


class Board:
    """Open orders by id, and one oldest-first list per status column."""

    def __init__(self, places: Mapping[str, str] | None = None) -> None:
        """`places`: station id -> name, for cards that say where they are made (a kiosk
        showing several stations)."""
        self._places = dict(places or {})
        self._orders: dict[str, OpenOrder] = {}
        self._columns: dict[str, list[OpenOrder]] = {s: [] for s in OPEN_STATUSES}
        # The latest change applied to each order, on the board or gone from it.
        self._seen: dict[str, datetime] = {}
        # Pending orders by batch key, oldest first: a batch's size and its oldest order.
        self._batches: dict[BatchKey, list[OpenOrder]] = {}

    def load(self, orders: Iterable[OrderInfo]) -> None:
        """Replace everything (at start and on refresh)."""
        cards = (self._card(info) for info in orders)
        self._orders = {o.id: o for o in cards if o.status in OPEN_STATUSES}
        self._seen = {o.id: o.updated_at for o in self._orders.values()}
        self._columns = {s: [] for s in OPEN_STATUSES}
        for order in self._orders.values():
            self._columns[order.status].append(order)
        for column in self._columns.values():
            column.sort(key=_sort_key)
        self._batches = {}
        for order in self._columns[PENDING]:
            self._batches.setdefault(order.batch_key, []).append(order)

    def apply(self, info: OrderInfo) -> set[str]:
        """Upsert one order from an event (in the log's order); returns the columns that
        changed: none for the echo of a change already applied."""
        new = self._card(info)
        old = self._orders.get(new.id)
        self._seen[new.id] = new.updated_at
        if old == new:
            return set()  # the echo of a change already applied
        changed: set[str] = set()
        if old is not None:
            self._remove(old)
            changed.add(old.status)
        if new.status in OPEN_STATUSES:
            self._orders[new.id] = new
            bisect.insort(self._columns[new.status], new, key=_sort_key)
            if new.status == PENDING:
                bisect.insort(self._batches.setdefault(new.batch_key, []), new, key=_sort_key)
            changed.add(new.status)
        return changed

    def _card(self, info: OrderInfo) -> OpenOrder:
        return OpenOrder.of(info, self._places.get(info.station or "", ""))

    def preview(self, info: OrderInfo) -> set[str]:
        """Apply a change this kiosk just made, ahead of its event.

        Unless events already brought a later change of that order: the barista's
        move and the tail's news reach the app as two messages, in either order.
        """
        seen = self._seen.get(info.order_id)
        if seen is not None and seen > info.updated_at:
            return set()
        return self.apply(info)

    def _remove(self, order: OpenOrder) -> None:
        del self._orders[order.id]
        _remove_sorted(self._columns[order.status], order)
        if order.status == PENDING:
            batch = self._batches[order.batch_key]
            _remove_sorted(batch, order)
            if not batch:
                del self._batches[order.batch_key]

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
        """Identical pending drinks, biggest batch first (ties: oldest first).

        Counted as orders come and go: this costs one entry per kind of drink.
        """
        big = [orders for orders in self._batches.values() if len(orders) >= min_count]
        big.sort(key=lambda orders: (-len(orders), orders[0].sort_key))
        return [Batch(len(orders), orders[0].drink_name, orders[0].modifiers) for orders in big]


def _remove_sorted(orders: list[OpenOrder], order: OpenOrder) -> None:
    """Take `order` out of an oldest-first list, found by bisection."""
    index = bisect.bisect_left(orders, order.sort_key, key=_sort_key)
    while orders[index].id != order.id:  # orders created in the same instant
        index += 1
    del orders[index]
