"""Admins: baristas who use a web view sign in with a name and password."""

from __future__ import annotations

import functools
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from bar.config import Settings
from bar.db import write
from bar.errors import AlreadyExists, InvalidInput, LoginFailed
from bar.models import Admin
from bar.text import clean_text
from bar.tokens import Keys, issue_access


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong
    password and timing does not tell which names exist. Made on first use: hashing
    takes ~0.1 s, which every `bar` command would pay at import."""
    return generate_password_hash("not a password")


def create_admin(username: str, password: str, *, now: datetime) -> Admin:
    name = clean_text(username, field="admin name", min_len=2, max_len=50)
    if len(password) < 8:
        raise InvalidInput("password must be at least 8 characters")
    with write():
        if Admin.get_or_none(Admin.username == name):
            raise AlreadyExists(f"admin {name!r} already exists")
        return Admin.create(
            username=name, password_hash=generate_password_hash(password), created_at=now
        )


def login(settings: Settings, keys: Keys, username: object, password: object, *, now: datetime) -> str:
    """An admin access token for the right name and password."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("username and password are required")
    admin = Admin.get_or_none(Admin.username == username.strip())
    if not check_password_hash(admin.password_hash if admin else _dummy_hash(), password) or not admin:
        raise LoginFailed("wrong name or password")
    return issue_access(
        keys, user_key=f"admin:{admin.id}", username=admin.username, role="admin",
        issuer=settings.issuer, ttl=settings.access_ttl, now=now,
    )
