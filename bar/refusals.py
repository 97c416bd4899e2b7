"""Turned-away demand: orders refused for a closed bar, a full queue, a spent scan
window or the per-guest limit.

A refusal changes nothing, but the host wants to know how many were turned away and
why. Each is kept as a row of `refusals` (what `bar stats` and the summary count, so
the figures survive the pruning of old events) and announced to the admins as an
`ORDER_REFUSED` event (`bar.payloads.OrderRefused`; never on a guest's channel), both
in one transaction.

What that costs. The refusal itself is decided inside the write lock (the rules read
the queue there, so a limit is exact), but a refused transaction that writes nothing
commits without an fsync (`bar.db`). Recording it must not turn every refused tap
into a write of its own: a phone retrying a full queue, or a script doing so on
purpose, would then buy an fsync per request. So:

- the record is written by the refused attempt's own transaction
  (`write_together(after_error=...)`): no second round for the write lock, and one
  fsync shared with every order of that group commit;
- repeats are held back: after a guest's refusal for a reason is written, further
  refusals of that guest for that reason within `WINDOW` are only counted, in this
  process's memory (`Refusals`), and written as one record with their `count` when the
  window is over (`flush`, from the housekeeping of the long-running process, about
  once a second) or with the next refusal after it. However fast a guest taps, that is
  at most one record per guest and reason per `WINDOW`; the memory is bounded by the
  guests refused within a window (past `MAX_KEYS`, a refusal is written at once).

The price: a crash loses the counts held back at that moment (at most a `WINDOW` of one
guest's repeats; the first refusal of each run is already on disk), and the admins
hear of repeats up to a `WINDOW` late. A caller without a `Refusals` (a script using
the core) writes every refusal at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bar import events
from bar.db import write_together
from bar.errors import QueueFull, ShopClosed, TooManyOpenOrders, WindowSpent
from bar.models import Guest, Refusal
from bar.payloads import OrderRefused

WINDOW = timedelta(seconds=10)
MAX_KEYS = 10_000

# The refusals counted, by their error code, and how the figures name them.
REASONS: dict[str, str] = {
    QueueFull.code: "queue full",
    ShopClosed.code: "closed",
    WindowSpent.code: "scan window spent",
    TooManyOpenOrders.code: "per-guest limit",
}
_COUNTED = (QueueFull, ShopClosed, WindowSpent, TooManyOpenOrders)

# (business day, user key, reason)
_Key = tuple[str, str, str]


def reason_of(error: Exception) -> str | None:
    """The reason an order was turned away, or None for an error that is no refusal
    (a bad drink, a wrong scan code, too many orders a minute)."""
    return error.code if isinstance(error, _COUNTED) else None


@dataclass(frozen=True)
class Run:
    """`count` refusals of one guest for one reason, to be written as one record."""

    day: str
    user_key: str
    reason: str
    count: int
    first_at: datetime
    last_at: datetime

    @property
    def key(self) -> _Key:
        return (self.day, self.user_key, self.reason)


@dataclass
class _Window:
    until: datetime  # refusals before this are held back
    held: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None

    def take(self, day: str, user_key: str, reason: str) -> Run | None:
        if not self.held or self.first_at is None or self.last_at is None:
            return None
        run = Run(day, user_key, reason, self.held, self.first_at, self.last_at)
        self.held, self.first_at, self.last_at = 0, None, None
        return run


class Refusals:
    """One process's refusals held back: per guest and reason, what is not written yet.

    Thread-safe. Times are the bar's clock (`now`), so tests step past a window.
    """

    def __init__(self, *, window: timedelta = WINDOW, max_keys: int = MAX_KEYS) -> None:
        self.window = window
        self.max_keys = max_keys
        self._windows: dict[_Key, _Window] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._windows)

    def note(self, day: str, user_key: str, reason: str, *, now: datetime) -> Run | None:
        """Count one refusal; returns what to write now (the first of a window, with the
        repeats held back before it), or None when it is held back."""
        key = (day, user_key, reason)
        with self._lock:
            window = self._windows.get(key)
            if window is None:
                if len(self._windows) < self.max_keys:
                    self._windows[key] = _Window(until=now + self.window)
                return Run(day, user_key, reason, 1, now, now)
            if now < window.until:
                window.held += 1
                window.first_at = window.first_at or now
                window.last_at = now
                return None
            held = window.take(day, user_key, reason)
            window.until = now + self.window
        if held is None:
            return Run(day, user_key, reason, 1, now, now)
        return Run(day, user_key, reason, held.count + 1, held.first_at, now)

    def take_due(self, *, now: datetime, everything: bool = False) -> list[Run]:
        """The repeats whose window is over (all of them, with `everything`): they are
        no longer held. A guest still tapping keeps a window; a quiet one is forgotten."""
        runs: list[Run] = []
        with self._lock:
            for key, window in list(self._windows.items()):
                if not everything and now < window.until:
                    continue
                run = window.take(*key)
                if run is None or everything:
                    del self._windows[key]
                else:
                    window.until = now + self.window
                if run is not None:
                    runs.append(run)
        return runs

    def give_back(self, runs: Iterable[Run], *, now: datetime) -> None:
        """Hold `runs` again (their write failed): the next flush tries once more."""
        with self._lock:
            for run in runs:
                window = self._windows.setdefault(run.key, _Window(until=now))
                window.until = min(window.until, now)
                window.held += run.count
                window.first_at = min(window.first_at or run.first_at, run.first_at)
                window.last_at = max(window.last_at or run.last_at, run.last_at)


def refused(
    refusals: Refusals | None, error: Exception, *, user_key: str, day: str, now: datetime
) -> None:
    """Count a refused order; write it now unless it is a repeat held back.

    Call inside the write transaction of the refused attempt (`write_together`'s
    `after_error`): the record shares its commit.
    """
    reason = reason_of(error)
    if reason is None:
        return
    run = (refusals.note(day, user_key, reason, now=now) if refusals is not None
           else Run(day, user_key, reason, 1, now, now))
    if run is not None:
        write([run], now=now)


def write(runs: list[Run], *, now: datetime) -> None:
    """The records and their `ORDER_REFUSED` events. Call inside a write transaction."""
    if not runs:
        return
    found: Any = (Guest.select(Guest.user_key, Guest.username)
                  .where(Guest.user_key.in_(sorted({r.user_key for r in runs}))).tuples())
    names: dict[str, str] = dict(found)
    known = [r for r in runs if r.user_key in names]  # a guest deleted meanwhile: dropped
    if not known:
        return
    Refusal.insert_many([
        {"day": r.day, "guest": r.user_key, "reason": r.reason, "count": r.count,
         "first_at": r.first_at, "last_at": r.last_at}
        for r in known
    ]).execute()
    events.publish_many([
        (events.ADMIN, OrderRefused(r.user_key, names[r.user_key], r.reason, r.count,
                                    r.first_at, r.last_at))
        for r in known
    ], now=now)


def flush(refusals: Refusals, *, now: datetime, everything: bool = False) -> int:
    """Write the repeats whose window is over (all held back, with `everything`: at
    shutdown), in one transaction shared with other writers; returns how many records."""
    runs = refusals.take_due(now=now, everything=everything)
    if not runs:
        return 0
    try:
        write_together(lambda: write(runs, now=now))
    except BaseException:
        refusals.give_back(runs, now=now)
        raise
    return len(runs)
