"""Pop-up mode: the rotating scan code on the display, good for N drinks per window.

Windows are aligned to multiples of `rotate_every` since the epoch, so every process
agrees on which window is current without talking to the others; the first process
to need a window creates its random code (INSERT OR IGNORE on the window's start).

At a bar of stations (`bar.stations`) each station has its own windows (its own code
on its own board, its own `rotate_every`, `drinks_per_window` and `scan_grace` from
`[stations.rules]`), kept in `StationScanWindow`; a drink is taken from the window of
its station only. Any station's current code lets a stranger join.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bar.config import Rules
from bar.db import write
from bar.errors import ScanCodeInvalid, WindowSpent
from bar.models import ScanWindow, StationScanWindow

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CurrentScanCode:
    code: str
    drinks_remaining: int
    rotates_at: datetime


def _window_start(rules: Rules, now: datetime) -> datetime:
    windows = (now - _EPOCH) // rules.rotate_every
    return _EPOCH + windows * rules.rotate_every


def _windows(station: str | None) -> tuple[Any, list[Any], dict[str, str]]:
    """The table of `station`'s windows, the condition that picks its rows, and what a
    new row of it needs besides the window."""
    if station is None:
        return ScanWindow, [], {}
    return StationScanWindow, [StationScanWindow.station == station], {"station": station}


def current(rules: Rules, *, now: datetime, station: str | None = None) -> CurrentScanCode:
    """The window open at `now` (at `station`), created if this is its first use."""
    starts_at = _window_start(rules, now)
    table, here, extra = _windows(station)
    window = table.get_or_none(*here, table.starts_at == starts_at)
    if window is None:
        with write():
            table.insert(
                code=secrets.token_urlsafe(9), starts_at=starts_at,
                ends_at=starts_at + rules.rotate_every, drinks_allowed=rules.drinks_per_window,
                **extra,
            ).on_conflict_ignore().execute()
            window = table.get(*here, table.starts_at == starts_at)
    return CurrentScanCode(
        window.code, max(0, window.drinks_allowed - window.drinks_used), window.ends_at
    )


def is_acceptable(code: str, rules: Rules, *, now: datetime) -> bool:
    """Is `code` the current window's code (any station's), or the previous one within
    its grace?"""
    return any(
        table.select()
        .where(table.code == code, table.starts_at <= now, table.ends_at > now - rules.scan_grace)
        .exists()
        for table in (ScanWindow, StationScanWindow)
    )


def was_issued(code: str) -> bool:
    """Was `code` ever a window's code (now stale, or not yet current)?"""
    return any(table.select().where(table.code == code).exists()
               for table in (ScanWindow, StationScanWindow))


def use_drink(code: str | None, rules: Rules, *, now: datetime, station: str | None = None) -> None:
    """Take one drink from the window of `code` (one of `station`'s). Call inside the
    order's write transaction."""
    if not code:
        raise ScanCodeInvalid(
            "scan the QR code at the bar to order", code="scan_code_missing"
        )
    table, here, _ = _windows(station)
    taken = (
        table.update(drinks_used=table.drinks_used + 1)
        .where(
            *here,
            table.code == code,
            table.starts_at <= now,
            table.ends_at > now - rules.scan_grace,
            table.drinks_used < table.drinks_allowed,
        )
        .execute()
    )
    if taken:
        return
    window = table.get_or_none(*here, table.code == code)
    if window is None:
        if station is not None and was_issued(code):
            raise ScanCodeInvalid(
                "that QR code is another station's: scan the code where this drink is made",
                code="scan_code_stale")
        raise ScanCodeInvalid("that QR code is not ours: scan the code at the bar")
    if window.ends_at <= now - rules.scan_grace or window.starts_at > now:
        raise ScanCodeInvalid(
            "that QR code has expired: scan the current code at the bar",
            code="scan_code_stale",
        )
    raise WindowSpent("this QR code's drinks are all taken: wait for the next code")
