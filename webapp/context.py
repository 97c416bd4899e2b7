"""What every request needs from the bar: settings, keys, the clock and the fan-out hub.

Kept in `app.extensions["bar"]` rather than module globals, so two apps (two tests)
never share state, and passed explicitly to whatever runs outside a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, request

from bar.admins import PasswordChecks
from bar.clock import Clock
from bar.config import Settings
from bar.estimates import QueueEstimates
from bar.limits import RateLimiter
from bar.refusals import Refusals
from bar.tokens import Keys

if TYPE_CHECKING:
    from webapp.fanout import Hub


@dataclass(frozen=True)
class BarContext:
    settings: Settings
    keys: Keys
    clock: Clock
    hub: Hub
    # Per client IP: in this process on SQLite, in the database on PostgreSQL
    # (every server counts together; see bar.limits).
    registrations: RateLimiter
    # Wrong invite codes, per client IP and from all together: joining and the invite
    # check share it, so neither guesses codes faster than the other (bar.joincodes).
    code_guesses: RateLimiter
    logins: RateLimiter  # also in total, from all addresses
    # Per guest: wrong or stale scan codes (pop-up), as many a minute as orders.
    scan_guesses: RateLimiter
    # scrypt costs 0.1-0.5 s of CPU and 32 MiB: only a few at once, off the event loop.
    password_checks: PasswordChecks
    # Wait estimates, kept between requests (a new order extends the last computation).
    estimates: QueueEstimates
    # A guest's repeated refusals, held back and written together (the hub flushes them).
    refusals: Refusals

    def now(self) -> datetime:
        return self.clock()


def bar_context() -> BarContext:
    """The context of the app handling the current request."""
    context: BarContext = current_app.extensions["bar"]
    return context


def client_ip() -> str:
    """The socket peer. `bar serve` faces the phones directly, with no proxy in front,
    so `X-Forwarded-For` is whatever a client wants it to be: never trusted."""
    return request.remote_addr or ""
