"""Pop-up mode: the rotating scan code on the display, good for N drinks per window.

Windows are aligned to multiples of `rotate_every` since the epoch, so every process
agrees on which window is current without talking to the others; the first process
to need a window creates its random code (INSERT OR IGNORE on the window's start).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from bar.config import Rules
from bar.db import write
from bar.errors import ScanCodeInvalid, WindowSpent
from bar.models import ScanWindow

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CurrentScanCode:
    code: str
    drinks_remaining: int
    rotates_at: datetime


def _window_start(rules: Rules, now: datetime) -> datetime:
    windows = (now - _EPOCH) // rules.rotate_every
    return _EPOCH + windows * rules.rotate_every


def current(rules: Rules, *, now: datetime) -> CurrentScanCode:
    """The window open at `now`, created if this is its first use."""
    starts_at = _window_start(rules, now)
    window = ScanWindow.get_or_none(ScanWindow.starts_at == starts_at)
    if window is None:
        with write():
            ScanWindow.insert(
                code=secrets.token_urlsafe(9), starts_at=starts_at,
                ends_at=starts_at + rules.rotate_every, drinks_allowed=rules.drinks_per_window,
            ).on_conflict_ignore().execute()
            window = ScanWindow.get(ScanWindow.starts_at == starts_at)
    return CurrentScanCode(
        window.code, max(0, window.drinks_allowed - window.drinks_used), window.ends_at
    )


def is_acceptable(code: str, rules: Rules, *, now: datetime) -> bool:
    """Is `code` the current window's code, or the previous one within its grace?"""
    return (
        ScanWindow.select()
        .where(
            ScanWindow.code == code,
            ScanWindow.starts_at <= now,
            ScanWindow.ends_at > now - rules.scan_grace,
        )
        .exists()
    )


def was_issued(code: str) -> bool:
    """Was `code` ever a window's code (now stale, or not yet current)?"""
    return ScanWindow.select().where(ScanWindow.code == code).exists()


def use_drink(code: str | None, rules: Rules, *, now: datetime) -> None:
    """Take one drink from the window of `code`. Call inside the order's write transaction."""
    if not code:
        raise ScanCodeInvalid(
            "scan the QR code at the bar to order", code="scan_code_missing"
        )
    taken = (
        ScanWindow.update(drinks_used=ScanWindow.drinks_used + 1)
        .where(
            ScanWindow.code == code,
            ScanWindow.starts_at <= now,
            ScanWindow.ends_at > now - rules.scan_grace,
            ScanWindow.drinks_used < ScanWindow.drinks_allowed,
        )
        .execute()
    )
    if taken:
        return
    window = ScanWindow.get_or_none(ScanWindow.code == code)
    if window is None:
        raise ScanCodeInvalid("that QR code is not ours: scan the code at the bar")
    if window.ends_at <= now - rules.scan_grace or window.starts_at > now:
        raise ScanCodeInvalid(
            "that QR code has expired: scan the current code at the bar",
            code="scan_code_stale",
        )
    raise WindowSpent("this QR code's drinks are all taken: wait for the next code")
