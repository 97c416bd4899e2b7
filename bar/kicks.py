"""Kicks: whom the host keeps out for the night, by name and by phone.

`bar guests kick` signs a guest out (`bar.guests.kick`) and writes a `Kick`. Until the
business day ends (`bar.day_starts_at`) or the host lifts it (`bar guests unkick`),
registering is refused (`Kicked`, a 403 `kicked`) for:

- the same name, as `bar.names.name_key` reads it (case and width aside), whoever
  types it: a name is what the barista calls out;
- the same phone: the random id the guest page keeps in localStorage and sends on
  register (`X-Device-Id`). That is all a server can honestly know of a device; the
  user agent is shared by every phone of a model and identifies nobody.

A person who clears the browser's storage and picks another name gets back in: this
is a bar, not a border. The host can also revoke the invite code (`bar codes revoke`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import cast

from peewee import Expression, ModelSelect

from bar import events, names
from bar.db import write
from bar.errors import InvalidInput, Kicked, NotFound
from bar.models import Guest, Kick
from bar.orders import business_day
from bar.payloads import GuestLetBack
from bar.timeparse import local_at

KICKED_MESSAGE = (
    "The host has asked you not to order tonight. If that's a mistake, please ask at the bar."
)
# What the guest page makes (32 hex digits); any similar random token is fine.
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def clean_device_id(value: object) -> str | None:
    """A phone's device id as sent, or None when it sent none; raises `InvalidInput`."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DEVICE_ID.fullmatch(value):
        raise InvalidInput("the device id must be 16 to 64 letters, digits, '-' or '_'")
    return value


def night_ends(now: datetime, *, day_starts_at: int) -> datetime:
    """When the business day of `now` ends: `day_starts_at` o'clock the next morning."""
    day = date.fromisoformat(business_day(now, day_starts_at))
    return local_at(day + timedelta(days=1), time(day_starts_at))


def night_starts(now: datetime, *, day_starts_at: int) -> datetime:
    """When the business day of `now` began: `day_starts_at` o'clock (local time)."""
    return local_at(date.fromisoformat(business_day(now, day_starts_at)), time(day_starts_at))


def _active(now: datetime) -> ModelSelect[Kick]:
    return Kick.select().where(Kick.lifted_at.is_null(), Kick.until > now)


def record(guest: Guest, *, day_starts_at: int, now: datetime) -> Kick:
    """Keep `guest`'s name and phone out until the night ends. Call inside `write()`."""
    return Kick.create(
        guest=guest, username=guest.username, name_key=names.name_key(guest.username),
        device_id=guest.device_id, created_at=now,
        until=night_ends(now, day_starts_at=day_starts_at),
    )


def kicked_until(user_key: str, *, now: datetime) -> datetime | None:
    """Until when this guest is kept out, or None if they are not."""
    kick = _active(now).where(Kick.guest == user_key).order_by(Kick.until.desc()).first()
    return kick.until if kick is not None else None


def kicked_guests(*, now: datetime) -> dict[str, datetime]:
    """Every guest kept out at `now`: user key -> until when."""
    found: dict[str, datetime] = {}
    rows = cast(list[tuple[str, datetime]], list(_active(now).select(Kick.guest, Kick.until).tuples()))
    for user_key, until in rows:
        found[user_key] = max(until, found.get(user_key, until))
    return found


def check_allowed(name: str, device_id: str | None, *, now: datetime) -> None:
    """Raise `Kicked` if this name (after `clean_name`) or this phone is kept out.

    The guest hears the same polite line either way: which of the two matched is for
    the host to know, not for someone trying names.
    """
    matches = Kick.name_key == names.name_key(name)
    if device_id is not None:
        matches |= Kick.device_id == device_id
    if _active(now).where(matches).exists():
        raise Kicked(KICKED_MESSAGE)


def lift(name_or_key: str, *, now: datetime) -> GuestLetBack:
    """Let them back in: the kicks on this name (every guest kicked with it), or on
    this user key. Raises `NotFound` when nobody by that name or key is kept out."""
    text = " ".join(name_or_key.split())

    def kicks_where(*where: Expression) -> list[tuple[int, str, str]]:
        query = _active(now).select(Kick.id, Kick.guest, Kick.username).where(*where)
        return cast(list[tuple[int, str, str]], list(query.order_by(Kick.id).tuples()))

    with write():
        found = kicks_where(Kick.guest == text) or kicks_where(Kick.name_key == names.name_key(text))
        if not found:
            raise NotFound(f"nobody called {text!r} is kicked tonight: `bar guests list` shows who is")
        Kick.update(lifted_at=now).where(Kick.id.in_([id_ for id_, _, _ in found])).execute()
        let_back = GuestLetBack(found[0][2], tuple(dict.fromkeys(key for _, key, _ in found)))
        events.publish(events.ADMIN, let_back, now=now)
        return let_back
