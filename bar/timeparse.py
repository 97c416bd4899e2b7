"""Durations and times of day as people type them (in bar.toml, the CLI and the API).

    parse_duration     "90s", "15m", "4h", "2d"         bar.toml; the first try of the three below
    format_duration    timedelta -> "4h"                 the inverse, for messages
    parse_time_of_day  "23:30"                           bar.toml's last_call and close_at
    parse_expiry       "2d" from now | ISO date/time      `bar codes create --expires`, the admin API
    parse_when         "10m" from now | next "23:30"      `bar announce --at`
    parse_since        "3h" before now | ISO time         `bar stats --since`

The bar.toml parsers raise `ValueError` (the settings loader names the key); the three
that read a command's argument raise `InvalidInput` naming that argument. Each of those
three reads a duration first and a moment otherwise, and they differ in what a moment
without a zone means: UTC for an expiry, the host's wall clock for the other two.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from bar.errors import InvalidInput

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_TIME_OF_DAY = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")

_T = TypeVar("_T")


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "15m", "4h" or "2d" into a timedelta; raises `ValueError`."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"expected a duration like 90s, 15m, 4h or 2d, got {text!r}")
    try:
        return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    except OverflowError:  # timedelta stops at 999,999,999 days
        raise ValueError(f"duration too long: {text!r}") from None


def format_duration(delta: timedelta) -> str:
    """The largest whole unit: `4h`, `90m`, `45s`."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_time_of_day(text: str) -> time:
    """A wall-clock time "HH:MM" (no seconds); raises `ValueError`."""
    match = _TIME_OF_DAY.match(text)
    if not match:
        raise ValueError(f"expected a time like 23:30, got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def local_at(day: date, at: time) -> datetime:
    """`at` o'clock on `day`, local time: the zone's offset on that day, so a night the
    clocks change still closes at the time on the wall."""
    return datetime.combine(day, at).astimezone()


def parse_expiry(text: str, *, now: datetime) -> datetime:
    """`"1d"`-style durations from now, or an ISO 8601 date/time (UTC if no zone)."""
    try:
        delta = _duration(text)
        if delta is not None:
            return now + delta
        when = _moment(datetime.fromisoformat, text, (
            f"expires: expected a duration like 12h or 2d, or a date like 2026-12-31T23:00, "
            f"got {text!r}"
        ))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if when <= now:
            raise InvalidInput("expires: that time has already passed")
        when.astimezone(UTC)  # it is stored in UTC: 9999-12-31T23:00-05:00 is not a year
        return when
    except OverflowError:
        raise InvalidInput("expires: that is too far in the future") from None


def parse_when(text: str, *, now: datetime, day_starts_at: int) -> datetime:
    """`--at`: a local time of day ("23:30", the next one to come) or a delay ("10m")."""
    text = text.strip()
    delta = _duration(text)
    if delta is not None:
        return now + delta
    at = _moment(time.fromisoformat, text,
                 f"--at: expected a time like 23:30 or a delay like 10m, got {text!r}")
    today = now.astimezone().date()
    moment = local_at(today, at)
    return moment if moment > now else local_at(today + timedelta(days=1), at)


def parse_since(text: str, *, now: datetime) -> datetime:
    """`3h`, `90m`, `2d` back from `now`, or an ISO time (local time if it has no zone)."""
    delta = _duration(text)
    if delta is not None:
        return now - delta
    when = _moment(datetime.fromisoformat, text.strip(), (
        f"since: expected a duration like 3h or 90m, or a time like 2026-11-20T22:00, "
        f"got {text!r}"
    ))
    return when.astimezone()  # a naive time is the host's wall clock


def _duration(text: str) -> timedelta | None:
    """The duration `text` spells, or None: then it names a moment."""
    try:
        return parse_duration(text)
    except ValueError:
        return None


def _moment(parse: Callable[[str], _T], text: str, refusal: str) -> _T:
    """`parse(text)`, or `InvalidInput(refusal)` naming the argument and what it takes."""
    try:
        return parse(text)
    except ValueError:
        raise InvalidInput(refusal) from None
