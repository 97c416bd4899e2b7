"""Admins: baristas who use a web view sign in with a name and password.

A password check is scrypt (Werkzeug's default): about 0.1-0.5 s of CPU and 32 MiB
each, on purpose. `PasswordChecks` lets only a few run at once (the rest wait their
turn, briefly), so a burst of sign-ins cannot take the server's memory and CPU; its
`run` hook lets the web app move the hashing off its event loop (`webapp.threads`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from bar.config import Settings
from bar.db import write
from bar.errors import AlreadyExists, InvalidInput, LoginFailed, RateLimited
from bar.models import Admin
from bar.text import clean_text
from bar.tokens import Keys, issue_access

MIN_PASSWORD_LENGTH = 12


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong
    password and timing does not tell which names exist. Made on first use: hashing
    takes ~0.1 s, which every `bar` command would pay at import."""
    return generate_password_hash("not a password")

Runner = Callable[[Callable[[], bool]], bool]


def _here(work: Callable[[], bool]) -> bool:
    return work()


class PasswordChecks:
    """At most `at_once` password checks at a time; a check waits up to `wait_s` for
    its turn, then is refused (`RateLimited`). `run` runs each hash (default: here)."""

    def __init__(self, at_once: int = 2, *, wait_s: float = 10.0, run: Runner = _here) -> None:
        # Under gevent this is the loop's semaphore: waiting for a turn blocks no one else.
        self._turns = threading.BoundedSemaphore(at_once)
        self.wait_s = wait_s
        self.run = run

    def check(self, password_hash: str, password: str) -> bool:
        """Does `password` match `password_hash`?"""
        if not self._turns.acquire(timeout=self.wait_s):
            raise RateLimited("The bar is busy checking sign-ins: try again in 2 s", retry_after=2)
        try:
            return self.run(lambda: check_password_hash(password_hash, password))
        finally:
            self._turns.release()


def create_admin(username: str, password: str, *, now: datetime) -> Admin:
    name = clean_text(username, field="admin name", min_len=2, max_len=50)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    with write():
        if Admin.get_or_none(Admin.username == name):
            raise AlreadyExists(f"admin {name!r} already exists")
        return Admin.create(
            username=name, password_hash=generate_password_hash(password), created_at=now
        )


def login(
    settings: Settings, keys: Keys, username: object, password: object, *, now: datetime,
    checks: PasswordChecks | None = None,
) -> str:
    """An admin access token for the right name and password.

    `checks` bounds the password checks running at once (the web app passes its own).
    """
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("username and password are required")
    admin = Admin.get_or_none(Admin.username == username.strip())
    check = (checks or PasswordChecks()).check
    if not check(admin.password_hash if admin else _dummy_hash(), password) or not admin:
        raise LoginFailed("wrong name or password")
    return issue_access(
        keys, user_key=f"admin:{admin.id}", username=admin.username, role="admin",
        issuer=settings.issuer, ttl=settings.access_ttl, now=now,
    )
