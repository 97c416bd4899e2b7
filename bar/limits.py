"""Rate limits: registrations and admin logins per client IP (and logins in total),
orders per guest.

Each is a sliding window: at most `limit` attempts in any `WINDOW`. A refused attempt
is not counted, so `RateLimited.retry_after` is exact: trying again after that many
seconds works. A limit of 0 is no limit.

Why this small module and not flask-limiter:
- The order limit is a bar rule, so it belongs in the core. `check_orders` judges the
  guest's rows in `orders` created within the window, read inside `place_order`'s write
  transaction (BEGIN IMMEDIATE): the count and the insert are one step, so it holds
  across processes (web, CLI, a second worker) and two simultaneous orders cannot both
  take the last slot. flask-limiter would keep a second count in its own storage, per
  process or in Redis, outside that transaction.
- Every limit runs off the injectable clock (`now`, from `bar.clock`), so tests step
  past a window instead of sleeping; flask-limiter's storages read the wall clock.
- No dependency, and the 429 is a `BarError` like every other refusal.

Per-IP attempts (`RateLimiter`) are counted in the web process's memory and never
written to the database, so a refused or flooding client costs no write. `bar serve`
runs one gunicorn worker, so on SQLite (one server) one table sees every request.
Memory is bounded: keys with no attempt left in the window are dropped once per
window, and past `max_keys` the least recently seen key goes first (a flood of new
addresses can then reset an old one: the price of a bounded table).

On PostgreSQL several servers share the bar, and each would allow the limit again: a
guesser spreading sign-ins over three servers would get three times the guesses. So
there (`rate_limiter` picks) the attempts are counted in the database
(`SharedRateLimiter`; the engine's `shared_attempts`): the same sliding window, the
same `retry_after`, one round trip per attempt, for every limit the web app keeps (per
address, per guest, in total). Caps on what one process holds (sockets per address)
stay per process: they protect that process's memory and file descriptors.

A `RateLimiter` may also have a `total`: at most that many attempts from all keys
together, checked under the same lock as the key's own limit, so an attempt refused by
either counts toward neither. Admin sign-ins have one: each costs a scrypt hash, and
twenty addresses on the Wi-Fi would otherwise get twenty times the per-address guesses.
The price: a flood from many addresses also holds back a barista signing in for up to
a minute (one already signed in keeps working).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from datetime import UTC, datetime, timedelta

from bar.db import engine
from bar.engine import Attempts
from bar.errors import RateLimited

WINDOW = timedelta(minutes=1)
MAX_KEYS = 10_000


def _seconds_until(when: datetime, now: datetime, window: timedelta = WINDOW) -> int:
    """Whole seconds from `now` until `when`: at least 1 (a Retry-After of 0 invites a
    tight loop), at most the window (should the wall clock have stepped back)."""
    seconds = math.ceil((when - now).total_seconds())
    return min(max(1, seconds), math.ceil(window.total_seconds()))


class RateLimiter:
    """At most `limit` attempts per key (a client IP) in any `window`, and at most
    `total` from all keys together (0: no total); thread-safe."""

    def __init__(
        self, limit: int, *, total: int = 0, window: timedelta = WINDOW, what: str = "attempts",
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit = limit
        self.total = total
        self.window = window
        self.what = what
        self.max_keys = max_keys
        self._attempts: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._all: deque[datetime] = deque(maxlen=total or None)
        self._lock = threading.Lock()
        self._swept_at: datetime | None = None

    def __len__(self) -> int:
        return len(self._attempts)

    def hit(self, key: str, *, now: datetime) -> None:
        """Count one attempt by `key`, or raise `RateLimited` if it has had its `limit`."""
        if self.limit <= 0 and self.total <= 0:
            return
        with self._lock:
            attempts = self._key_attempts(key, now) if self.limit > 0 else None
            if attempts is not None:
                self._check(attempts, self.limit, now, f"Too many {self.what}")
            if self.total > 0:
                self._check(self._all, self.total, now, f"Too many {self.what} on this bar")
                self._all.append(now)
            if attempts is not None:
                attempts.append(now)

    def check(self, key: str, *, now: datetime) -> None:
        """Raise `RateLimited` if `key` has had its `limit` (or all keys their `total`),
        without counting an attempt (for failures counted only once they happen: `hit`
        then)."""
        if self.limit <= 0 and self.total <= 0:
            return
        with self._lock:
            if self.limit > 0:
                self._check(self._key_attempts(key, now), self.limit, now, f"Too many {self.what}")
            if self.total > 0:
                self._check(self._all, self.total, now, f"Too many {self.what} on this bar")

    def _key_attempts(self, key: str, now: datetime) -> deque[datetime]:
        self._sweep(now)
        attempts = self._attempts.get(key)
        if attempts is None:
            attempts = self._attempts[key] = deque(maxlen=self.limit)
            if len(self._attempts) > self.max_keys:
                self._attempts.popitem(last=False)
        self._attempts.move_to_end(key)
        return attempts

    def _check(self, attempts: deque[datetime], limit: int, now: datetime, message: str) -> None:
        # maxlen keeps the newest `limit`: the oldest of them says when one frees up.
        if len(attempts) == limit and attempts[0] > now - self.window:
            seconds = _seconds_until(attempts[0] + self.window, now, self.window)
            raise RateLimited(f"{message}: try again in {seconds} s", retry_after=seconds)

    def _sweep(self, now: datetime) -> None:
        """Drop the keys whose attempts have all left the window (once per window)."""
        if self._swept_at is not None and now - self._swept_at < self.window:
            return
        self._swept_at = now
        # Empty: a new key whose first attempt the total refused.
        idle = [key for key, seen in self._attempts.items()
                if not seen or seen[-1] <= now - self.window]
        for key in idle:
            del self._attempts[key]


class SharedRateLimiter(RateLimiter):
    """A `RateLimiter` whose attempts are counted in the database, for every process
    (`Attempts`): per key as `name:key`, the total as `name`."""

    def __init__(
        self, name: str, limit: int, *, attempts: Attempts, total: int = 0,
        window: timedelta = WINDOW, what: str = "attempts",
    ) -> None:
        super().__init__(limit, total=total, window=window, what=what)
        self.name = name
        self._shared = attempts

    def hit(self, key: str, *, now: datetime) -> None:
        self._ask(key, now, counting=True)

    def check(self, key: str, *, now: datetime) -> None:
        self._ask(key, now, counting=False)

    def _ask(self, key: str, now: datetime, *, counting: bool) -> None:
        keys, limits, messages = [], [], []
        if self.limit > 0:
            keys.append(f"{self.name}:{key}")
            limits.append(self.limit)
            messages.append(f"Too many {self.what}")
        if self.total > 0:
            keys.append(self.name)
            limits.append(self.total)
            messages.append(f"Too many {self.what} on this bar")
        if not keys:
            return
        refused = self._shared.count(keys, limits, at=now.timestamp(),
                                     span=self.window.total_seconds(), counting=counting)
        if refused is not None:
            which, free_at = refused
            seconds = _seconds_until(datetime.fromtimestamp(free_at, UTC), now, self.window)
            raise RateLimited(f"{messages[which]}: try again in {seconds} s", retry_after=seconds)


def rate_limiter(name: str, limit: int, *, total: int = 0, what: str = "attempts") -> RateLimiter:
    """A limiter for the engine in use: in this process's memory when it is the only
    server (SQLite), else counted in the database for every server (`name` tells its
    counts apart from other limiters')."""
    shared = engine().shared_attempts()
    if shared is None:
        return RateLimiter(limit, total=total, what=what)
    return SharedRateLimiter(name, limit, attempts=shared, total=total, what=what)


def check_orders(limit: int, nth_newest: datetime | None, *, now: datetime) -> None:
    """Refuse a new order if the guest placed `limit` orders within the window.

    `nth_newest` is when the guest's `limit`-th newest order within the window was
    placed (None: fewer than `limit`), read in the write transaction that creates the
    order (`bar.orders.place_order`).
    """
    if limit <= 0 or nth_newest is None:
        return
    # The limit-th newest order leaving the window is what frees a slot.
    seconds = _seconds_until(nth_newest + WINDOW, now)
    raise RateLimited(f"Too many orders: try again in {seconds} s", retry_after=seconds)
