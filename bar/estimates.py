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

At a bar of stations (`bar.stations`) each station is a line of its own: a coffee waits
for the coffees ahead of it, made by the baristas who made coffees lately, never for the
cocktails. Its position is its place in its station's line. Without stations every
order is of the one line, as before.

The estimate changes with the clock and the queue, so it is computed when asked and
never stored in events. `wait_label` is the one rule that turns it into text: the
guest page and the kiosk both show that text.

A web process answers every guest's new order with its estimate, so it keeps the last
computation (`QueueEstimates`) rather than walking the whole queue each time: a new
order at the end of the line extends it in O(log baristas); any other change, or a
second on the clock, computes it afresh, reading the prep times again only when a drink
was made since (at most once a second; else every ten seconds).
"""

from __future__ import annotations

import heapq
import json
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from bar.config import Settings
from bar.db import Prepared, UtcDateTimeField, db, slot, sql
from bar.events import ADMIN
from bar.language import DEFAULT_LANGUAGE, N_, Translate, english
from bar.models import Event
from bar.orders import PENDING, PREPARING, READY, business_day
from bar.payloads import NEW_ORDER, ORDER_STATUS_CHANGED

WINDOW = timedelta(hours=3)  # makes older than this say little about tonight's pace
SAMPLES = 10  # per drink: enough to smooth a batch, few enough to follow the pace
MIN_SAMPLES = 3  # fewer makes than this: one slow drink would set the estimate
ACTIVE = timedelta(minutes=20)  # a barista who made a drink this recently is working


def _half_up(value: float) -> int:
    return int(value + 0.5)


# The words of an estimate (English; marked for the server's catalogs, `bar.language`).
UNDER_A_MINUTE = N_("under a minute")
ABOUT_MINUTES = N_("about {minutes} min")
ABOUT_AN_HOUR = N_("about an hour")
OVER_AN_HOUR = N_("over an hour")


def wait_label(seconds: float, language: str = DEFAULT_LANGUAGE,
               translate: Translate = english) -> str:
    """The estimate as a guest reads it: "under a minute", "about 6 min", "about 25 min".

    Whole minutes up to ten, then fives: "about 23 min" would promise a precision the
    estimate does not have. In `language` with the server's `translate`.
    """
    minutes = seconds / 60
    if minutes < 1:
        words, whole = UNDER_A_MINUTE, 0
    elif minutes < 9.5:
        words, whole = ABOUT_MINUTES, _half_up(minutes)
    elif minutes < 57.5:
        words, whole = ABOUT_MINUTES, 5 * _half_up(minutes / 5)
    else:
        words, whole = (ABOUT_AN_HOUR if minutes < 75 else OVER_AN_HOUR), 0
    return translate(language, words).format(minutes=whole)


class Estimate(NamedTuple):  # a tuple: the kiosk builds hundreds of them per event
    position: int | None  # 1 = next in line; None while a barista is making it
    seconds: int  # from now until ready
    label: str

    def to_dict(self, language: str = DEFAULT_LANGUAGE,
                translate: Translate = english) -> dict[str, Any]:
        """The API's shape; `label` in `language` (the guest's)."""
        label = self.label if language == DEFAULT_LANGUAGE else wait_label(
            self.seconds, language, translate)
        return {"position": self.position, "seconds": self.seconds, "label": label}


class Made(NamedTuple):
    """One drink made lately (a row of `prep_times`' query)."""

    drink_id: str
    barista: str | None
    created_at: datetime
    ready_at: datetime
    previous_ready_at: datetime | None  # the same barista's drink before this one
    station: str | None = None  # where it was made (None: a bar without stations)


@dataclass(frozen=True)
class PrepTimes:
    """Seconds per drink tonight, the fallback for other drinks, who is working."""

    per_drink: Mapping[str, float] = field(default_factory=dict)
    other: float = 180.0
    baristas: frozenset[str] = frozenset()  # active lately ("" for an unnamed one)
    # The same, per station: who made a drink there lately.
    station_baristas: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def seconds_for(self, drink_id: str) -> float:
        return self.per_drink.get(drink_id, self.other)

    def baristas_at(self, station: str | None) -> frozenset[str]:
        """Who works that station's line (None: the whole bar's one line)."""
        return self.baristas if station is None else self.station_baristas.get(station, frozenset())


def summarize(
    made: Iterable[Made], *, default: timedelta, cap: timedelta, now: datetime
) -> PrepTimes:
    """Prep times from recent makes, newest first (see the module docstring)."""
    per_drink: dict[str, list[float]] = {}
    every: list[float] = []
    baristas: set[str] = set()
    station_baristas: dict[str, set[str]] = {}
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
            if row.station is not None:
                station_baristas.setdefault(row.station, set()).add(row.barista or "")
    return PrepTimes(
        per_drink={d: sum(s) / len(s) for d, s in per_drink.items() if len(s) >= MIN_SAMPLES},
        other=sum(every) / len(every) if len(every) >= MIN_SAMPLES else default.total_seconds(),
        baristas=frozenset(baristas),
        station_baristas={s: frozenset(b) for s, b in station_baristas.items()},
    )


# The drinks made within the window, newest first, each with when its barista's drink
# before it was ready. `day` first: it leads the (day, number) index, so old nights
# are never read.
_MADE = """
SELECT drink_id, barista, created_at, ready_at,
       LAG(ready_at) OVER (PARTITION BY COALESCE(barista, '') ORDER BY ready_at), station
FROM orders WHERE day >= ? AND ready_at >= ? ORDER BY ready_at DESC
"""


def prep_times(settings: Settings, *, now: datetime) -> PrepTimes:
    """Tonight's prep times, from one query over the drinks made within `WINDOW`."""
    since = now - WINDOW
    # Hand-written, and read from the raw cursor: peewee's building of the query and
    # converting of its rows cost more than SQLite's running it (the text is our own
    # ISO format).
    iso = datetime.fromisoformat
    rows = db.execute_sql(sql(_MADE), (business_day(since, settings.day_starts_at), _iso(since)))
    made = (
        Made(drink, barista, iso(created), iso(ready), iso(before) if before else None, station)
        for drink, barista, created, ready, before, station in rows
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
    @property
    def station(self) -> str | None: ...  # whose line it is in (None: the bar's one line)


class QueuedOrder(NamedTuple):
    id: str
    number: int
    drink_id: str
    status: str
    barista: str | None
    created_at: datetime
    updated_at: datetime
    station: str | None = None


def _estimate(position: int | None, seconds: float) -> Estimate:
    seconds = max(0.0, seconds)
    return Estimate(position, round(seconds), wait_label(seconds))


def _in_line(order: Queued) -> tuple[datetime, int]:
    """Where a pending order stands: oldest first, by number among orders of one instant."""
    return order.created_at, order.number


class _Line:
    """One station's line (the bar's one line without stations) as the model runs it."""

    __slots__ = ("hands", "pending", "last")

    def __init__(self, hands: list[float]) -> None:
        # Seconds from the schedule's start until each barista's hands are free (a heap).
        self.hands = hands
        heapq.heapify(hands)
        self.pending = 0
        self.last: tuple[datetime, int] | None = None  # `_in_line` of the last pending order


class Schedule:
    """The model's run through a queue from `start`: when each order will be ready.

    `of` runs through a whole queue; `add` puts one more pending order at the end of
    its line in O(log baristas), as if it had been in the queue from the start. Each
    station's line is run on its own (one line at a bar without stations).
    """

    def __init__(self, prep: PrepTimes, start: datetime) -> None:
        self.prep = prep
        self.start = start
        self.lines: dict[str | None, _Line] = {}
        # Order id -> (place in its line, None while being made; seconds from `start`).
        self.done: dict[str, tuple[int | None, float]] = {}

    @classmethod
    def of(cls, queue: Iterable[Queued], prep: PrepTimes, *, now: datetime) -> Schedule:
        schedule = cls(prep, now)
        pending: list[Queued] = []
        preparing: list[Queued] = []
        for order in queue:
            if order.status == PENDING:
                pending.append(order)
            elif order.status == PREPARING:
                preparing.append(order)
        # A barista makes what they claimed one after the other.
        free: dict[str | None, dict[str, float]] = {}
        for order in sorted(preparing, key=lambda o: (o.updated_at, o.created_at, o.number)):
            who = order.barista or ""
            at = free.setdefault(order.station, {})
            claimed = (order.updated_at - now).total_seconds()
            done = max(claimed, at.get(who, claimed)) + prep.seconds_for(order.drink_id)
            at[who] = done
            schedule.done[order.id] = (None, done)
        for station, at in free.items():
            working = max(1, len(prep.baristas_at(station) | at.keys()))
            schedule.lines[station] = _Line(
                [max(0.0, t) for t in at.values()] + [0.0] * (working - len(at)))
        for order in sorted(pending, key=_in_line):
            schedule.add(order)
        return schedule

    def _line(self, station: str | None) -> _Line:
        line = self.lines.get(station)
        if line is None:  # nobody is making anything there: every barista's hands are free
            line = self.lines[station] = _Line([0.0] * max(1, len(self.prep.baristas_at(station))))
        return line

    def follows(self, order: Queued) -> bool:
        """Does pending `order` stand behind every pending order of its line so far (so
        `add` is exact)?"""
        line = self.lines.get(order.station)
        return line is None or line.last is None or _in_line(order) >= line.last

    def add(self, order: Queued) -> None:
        """A pending order at the end of its line: the first barista free makes it."""
        line = self._line(order.station)
        done = heapq.heappop(line.hands) + self.prep.seconds_for(order.drink_id)
        heapq.heappush(line.hands, done)
        line.pending += 1
        self.done[order.id] = (line.pending, done)
        line.last = _in_line(order)

    def estimate(self, order_id: str) -> Estimate | None:
        found = self.done.get(order_id)
        return None if found is None else _estimate(*found)


def estimate(
    queue: Iterable[Queued], prep: PrepTimes, *, now: datetime, only: Collection[str] | None = None
) -> dict[str, Estimate]:
    """Estimates for the pending and preparing orders of `queue`, by order id.

    Every order ahead counts, but only those in `only` (default: all) get an Estimate:
    a guest asks about their own one or two.
    """
    schedule = Schedule.of(queue, prep, now=now)
    return {
        order_id: _estimate(*found) for order_id, found in schedule.done.items()
        if only is None or order_id in only
    }


_ISO_FIELD = UtcDateTimeField()


def _iso(when: datetime) -> str:
    """A time in the stored form (sorts and compares as text)."""
    return str(_ISO_FIELD.db_value(when))


_QUEUE = f"""
SELECT id, number, drink_id, status, barista, created_at, updated_at, station FROM orders
WHERE status IN ('{PENDING}', '{PREPARING}')
"""


def _queue() -> list[QueuedOrder]:
    """The orders waiting for or under a barista, from the raw cursor: at a long queue
    peewee's row conversion cost more than the estimate itself (6 of 10 ms for 500)."""
    iso = datetime.fromisoformat
    return [
        QueuedOrder(order_id, number, drink, status, barista, iso(created), iso(updated), station)
        for order_id, number, drink, status, barista, created, updated, station
        in db.execute_sql(_QUEUE)
    ]


def current(
    settings: Settings, *, now: datetime, only: Collection[str] | None = None
) -> dict[str, Estimate]:
    """Estimates for the queued orders now (those in `only`, if given): two queries, the
    queue and the prep times."""
    queue = _queue()
    if not queue:
        return {}
    return estimate(queue, prep_times(settings, now=now), now=now, only=only)


REFRESH = timedelta(seconds=1)  # how long a computation is extended before it is redone
# How long prep times are reused when no drink was made meanwhile: the windows they look
# back over (`ACTIVE`, `WINDOW`) are minutes and hours long.
PREP_REFRESH = timedelta(seconds=10)

# What changed since the last computation: the `admin` channel has every order's every
# change, with the whole order (index on channel, id: only the new rows are read).
_CHANGES = Prepared(lambda: Event.select(Event.id, Event.type, Event.payload)
                    .where(Event.channel == ADMIN, Event.id > slot("after")).order_by(Event.id))


class QueueEstimates:
    """Estimates as a web process gives them: the last `Schedule`, kept up to date.

    Each ask reads the events since the schedule was made. New orders at the end of the
    line are `add`ed to it; any other change (a barista's move, an order placed out of
    line), or `REFRESH` on the clock since it was made, makes it afresh, with the prep
    times of the last time unless a drink was made since they were read `REFRESH` ago
    or more, or they are `PREP_REFRESH` old: however fast drinks are made, their window
    query runs at most once a second. An estimate is so at most a second behind the
    model (its prep times, ten when no drink is made). Thread-safe.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._schedule: Schedule | None = None
        self._seen = 0  # the newest event id the schedule accounts for
        self._prep: PrepTimes | None = None
        self._prep_at: datetime | None = None
        self._prep_made = False  # a drink was made since the prep times were read

    def get(self, order_ids: Iterable[str], *, now: datetime) -> dict[str, Estimate]:
        """The estimates of those of `order_ids` that are queued now."""
        with self._lock:
            schedule = self._up_to_date(now)
            found = {order_id: schedule.estimate(order_id) for order_id in order_ids}
        return {order_id: e for order_id, e in found.items() if e is not None}

    def _up_to_date(self, now: datetime) -> Schedule:
        schedule = self._schedule
        if schedule is None:
            # The newest event id before the queue is read: what is committed after it
            # is among the changes read next time (a new order read already is skipped).
            self._seen = db.execute_sql("SELECT MAX(id) FROM event").fetchone()[0] or 0
        else:
            changes = _CHANGES.execute(after=self._seen).fetchall()
            if changes:
                self._seen = changes[-1][0]
            if timedelta(0) <= now - schedule.start < REFRESH and _extend(schedule, changes):
                return schedule
            if any(_made(kind, payload) for _, kind, payload in changes):
                self._prep_made = True
        self._schedule = Schedule.of(_queue(), self._prep_times(now), now=now)
        return self._schedule

    def _prep_times(self, now: datetime) -> PrepTimes:
        """The prep times read last, or read again (see the class doc for when)."""
        age = None if self._prep_at is None else now - self._prep_at
        if (self._prep is None or age is None or not timedelta(0) <= age < PREP_REFRESH
                or (self._prep_made and age >= REFRESH)):
            self._prep, self._prep_at = prep_times(self.settings, now=now), now
            self._prep_made = False
        return self._prep


def _extend(schedule: Schedule, changes: Iterable[tuple[int, str, str]]) -> bool:
    """Add the new orders at the end of the line to `schedule`: False if anything else
    changed (the schedule is then to be made afresh)."""
    for _, kind, payload in changes:
        if kind != NEW_ORDER:
            return False
        order = _queued(json.loads(payload))
        if order.id in schedule.done:  # read with the queue already
            continue
        if order.status != PENDING or not schedule.follows(order):
            return False
        schedule.add(order)
    return True


def _made(kind: str, payload: str) -> bool:
    """Is this change a drink made (an order now ready)? Only that moves prep times."""
    return kind == ORDER_STATUS_CHANGED and json.loads(payload).get("status") == READY


def _queued(payload: Mapping[str, Any]) -> QueuedOrder:
    """The queue's view of an order, from a `NEW_ORDER` on the `admin` channel."""
    return QueuedOrder(
        str(payload["order_id"]), int(payload["number"]), str(payload["drink_id"]),
        str(payload["status"]), payload.get("barista"),
        datetime.fromisoformat(payload["created_at"]), datetime.fromisoformat(payload["updated_at"]),
        payload.get("station"),
    )
