"""Wait estimates: roughly when a queued order will be ready, in words a guest reads.

The model: the baristas working tonight make the queue oldest first, each taking one
order when free, and a drink takes its rolling prep time. An order being prepared is
done its prep time after it was claimed; a pending order waits for the first barista
to be free, then takes its own prep time. Both pending and preparing orders get an
estimate; ready ones have none (they are waiting for the guest, not the bar).

A drink's prep time is the mean of its last `SAMPLES` makes within `WINDOW`. One make
counts the time its barista really spent on it: from when they could start it (the
later of the order arriving and their previous drink being ready) to ready. Not
claimed → ready: a barista who claims four margaritas at once and makes them in six
minutes spent 1½ minutes per drink, not six. A mean rather than a median for the same
batch: its makes are (6m, 5s, 5s, 5s), whose median would be 5 seconds; each make is
capped at `barista_timeout` so a break in the middle of a rush does not dominate it.
A drink not made `MIN_SAMPLES` times lately takes the mean over all drinks, and with
too few of those (the start of the night) `default_prep_time`.

The estimate changes with the clock and the queue, so it is computed when asked and
never stored in events. `wait_label` is the one rule that turns it into text: the
guest page and the kiosk both show that text.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from peewee import fn

from bar.config import Settings
from bar.db import db
from bar.models import Order
from bar.orders import PENDING, PREPARING, business_day

WINDOW = timedelta(hours=3)  # makes older than this say little about tonight's pace
SAMPLES = 10  # per drink: enough to smooth a batch, few enough to follow the pace
MIN_SAMPLES = 3  # fewer makes than this: one slow drink would set the estimate
ACTIVE = timedelta(minutes=20)  # a barista who made a drink this recently is working


def _half_up(value: float) -> int:
    return int(value + 0.5)


def wait_label(seconds: float) -> str:
    """The estimate as a guest reads it: "under a minute", "about 6 min", "about 25 min".

    Whole minutes up to ten, then fives: "about 23 min" would promise a precision the
    estimate does not have.
    """
    minutes = seconds / 60
    if minutes < 1:
        return "under a minute"
    if minutes < 9.5:
        return f"about {_half_up(minutes)} min"
    if minutes < 57.5:
        return f"about {5 * _half_up(minutes / 5)} min"
    return "about an hour" if minutes < 75 else "over an hour"


class Estimate(NamedTuple):  # a tuple: the kiosk builds hundreds of them per event
    position: int | None  # 1 = next in line; None while a barista is making it
    seconds: int  # from now until ready
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "seconds": self.seconds, "label": self.label}


class Made(NamedTuple):
    """One drink made lately (a row of `prep_times`' query)."""

    drink_id: str
    barista: str | None
    created_at: datetime
    ready_at: datetime
    previous_ready_at: datetime | None  # the same barista's drink before this one


@dataclass(frozen=True)
class PrepTimes:
    """Seconds per drink tonight, the fallback for other drinks, who is working."""

    per_drink: Mapping[str, float] = field(default_factory=dict)
    other: float = 180.0
    baristas: frozenset[str] = frozenset()  # active lately ("" for an unnamed one)

    def seconds_for(self, drink_id: str) -> float:
        return self.per_drink.get(drink_id, self.other)


def summarize(
    made: Iterable[Made], *, default: timedelta, cap: timedelta, now: datetime
) -> PrepTimes:
    """Prep times from recent makes, newest first (see the module docstring)."""
    per_drink: dict[str, list[float]] = {}
    every: list[float] = []
    baristas: set[str] = set()
    limit = cap.total_seconds()
    for row in made:
        start = max(row.created_at, row.previous_ready_at or row.created_at)
        seconds = min(max(0.0, (row.ready_at - start).total_seconds()), limit)
        every.append(seconds)
        samples = per_drink.setdefault(row.drink_id, [])
        if len(samples) < SAMPLES:
            samples.append(seconds)
        if row.ready_at >= now - ACTIVE:
            baristas.add(row.barista or "")
    return PrepTimes(
        per_drink={d: sum(s) / len(s) for d, s in per_drink.items() if len(s) >= MIN_SAMPLES},
        other=sum(every) / len(every) if len(every) >= MIN_SAMPLES else default.total_seconds(),
        baristas=frozenset(baristas),
    )


def prep_times(settings: Settings, *, now: datetime) -> PrepTimes:
    """Tonight's prep times, from one query over the drinks made within `WINDOW`."""
    since = now - WINDOW
    ready_at = Order.ready_at
    previous = fn.LAG(ready_at).over(
        partition_by=[fn.COALESCE(Order.barista, "")], order_by=[ready_at]
    ).alias("previous_ready_at")
    query = (
        Order.select(Order.drink, Order.barista, Order.created_at, ready_at, previous)
        # `day` first: it leads the (day, number) index, so old nights are never read.
        .where(Order.day >= business_day(since, settings.day_starts_at), ready_at >= since)
        .order_by(ready_at.desc())
    )
    # The raw cursor: peewee's row conversion costs more than the query on a busy night
    # (~1.5 of 2.5 ms for 160 drinks); the text is our own ISO format.
    iso = datetime.fromisoformat
    made = (
        Made(drink, barista, iso(created), iso(ready), iso(before) if before else None)
        for drink, barista, created, ready, before in db.execute(query)
    )
    rules = settings.rules
    return summarize(made, default=rules.default_prep_time, cap=rules.barista_timeout, now=now)


class Queued(Protocol):
    """What an estimate needs of an order (a `QueuedOrder` or the kiosk's card)."""

    @property
    def id(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def drink_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def barista(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...  # for a preparing order: when it was claimed


class QueuedOrder(NamedTuple):
    id: str
    number: int
    drink_id: str
    status: str
    barista: str | None
    created_at: datetime
    updated_at: datetime


def _estimate(position: int | None, seconds: float) -> Estimate:
    seconds = max(0.0, seconds)
    return Estimate(position, round(seconds), wait_label(seconds))


def estimate(
    queue: Iterable[Queued], prep: PrepTimes, *, now: datetime, only: Collection[str] | None = None
) -> dict[str, Estimate]:
    """Estimates for the pending and preparing orders of `queue`, by order id.

    Every order ahead counts, but only those in `only` (default: all) get an Estimate:
    a guest asks about their own one or two.
    """
    pending: list[Queued] = []
    preparing: list[Queued] = []
    for order in queue:
        if order.status == PENDING:
            pending.append(order)
        elif order.status == PREPARING:
            preparing.append(order)
    result: dict[str, Estimate] = {}
    # Seconds from now until each barista's hands are free; a barista makes what they
    # claimed one after the other.
    free: dict[str, float] = {}
    for order in sorted(preparing, key=lambda o: (o.updated_at, o.created_at, o.number)):
        who = order.barista or ""
        claimed = (order.updated_at - now).total_seconds()
        done = max(claimed, free.get(who, claimed)) + prep.seconds_for(order.drink_id)
        free[who] = done
        if only is None or order.id in only:
            result[order.id] = _estimate(None, done)
    working = max(1, len(prep.baristas | free.keys()))
    hands = [max(0.0, t) for t in free.values()] + [0.0] * (working - len(free))
    heapq.heapify(hands)
    pending.sort(key=lambda o: (o.created_at, o.number))
    for position, order in enumerate(pending, start=1):
        done = heapq.heappop(hands) + prep.seconds_for(order.drink_id)
        heapq.heappush(hands, done)
        if only is None or order.id in only:
            result[order.id] = _estimate(position, done)
    return result


def current(
    settings: Settings, *, now: datetime, only: Collection[str] | None = None
) -> dict[str, Estimate]:
    """Estimates for the queued orders now (those in `only`, if given): two queries, the
    queue and the prep times."""
    query = Order.select(
        Order.id, Order.number, Order.drink, Order.status, Order.barista,
        Order.created_at, Order.updated_at,
    ).where(Order.status.in_((PENDING, PREPARING)))
    # The raw cursor, as in `prep_times`: at a long queue peewee's row conversion cost
    # more than the estimate itself (6 of 10 ms for 500 orders).
    iso = datetime.fromisoformat
    queue = [
        QueuedOrder(order_id, number, drink, status, barista, iso(created), iso(updated))
        for order_id, number, drink, status, barista, created, updated in db.execute(query)
    ]
    if not queue:
        return {}
    return estimate(queue, prep_times(settings, now=now), now=now, only=only)
