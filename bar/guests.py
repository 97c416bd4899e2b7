"""The guests who joined: who they are, and keeping one out for the night ("kick").

Kicking deactivates the guest, revokes every refresh token, publishes
`GUEST_SIGNED_OUT` (on `admin` and on the guest's own channel) and records a kick
(`bar.kicks`: their name and phone may not join again tonight) in one transaction:
each web process closes that guest's open sockets when the event reaches it, and
`is_active` refuses their still-valid access tokens from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from peewee import JOIN, Case, fn

from bar import events, kicks, push
from bar.db import Prepared, slot, write
from bar.errors import InvalidInput, NotFound
from bar.models import Guest, Kick, Order, RefreshToken
from bar.payloads import GuestLetBack, GuestSignedOut
from bar.status import OPEN_STATUSES


@dataclass(frozen=True)
class GuestRow:
    user_key: str
    username: str
    created_at: datetime
    last_login: datetime | None
    is_active: bool
    orders: int
    sessions: int  # refresh tokens still usable
    kicked_until: datetime | None = None  # kept out (`bar guests kick`) until then
    open_orders: int = 0  # pending, preparing or ready


_IS_ACTIVE = Prepared(lambda: Guest.select(Guest.is_active).where(Guest.user_key == slot("key")))


def is_active(user_key: str) -> bool:
    """Is this guest still allowed in? (Kicked guests keep a signed token for a while.)

    Read afresh on every request, so a kick holds from the next one on; prepared, as it
    runs before every guest request (peewee's query building cost ten times more).
    """
    row = _IS_ACTIVE.execute(key=user_key).fetchone()
    return bool(row and row[0])


def list_guests(*, now: datetime, since: datetime | None = None) -> list[GuestRow]:
    """Every guest, the first to join first. With `since`: those who joined or were
    last seen since then (tonight's), and whoever is kept out now."""
    order_counts = (
        Order.select(
            Order.guest.alias("user_key"), fn.COUNT(Order.id).alias("n"),
            fn.SUM(Case(None, [(Order.status.in_(OPEN_STATUSES), 1)], 0)).alias("open"),
        )
        .group_by(Order.guest).alias("oc")
    )
    session_counts = (
        RefreshToken.select(RefreshToken.guest.alias("user_key"), fn.COUNT(RefreshToken.id).alias("n"))
        .where(RefreshToken.is_revoked == False, RefreshToken.expires_at > now)  # noqa: E712
        .group_by(RefreshToken.guest).alias("sc")
    )
    query = (
        Guest.select(
            Guest.user_key, Guest.username, Guest.created_at, Guest.last_login, Guest.is_active,
            fn.COALESCE(order_counts.c.n, 0), fn.COALESCE(session_counts.c.n, 0),
            fn.COALESCE(order_counts.c.open, 0),
        )
        .join(order_counts, JOIN.LEFT_OUTER, on=(order_counts.c.user_key == Guest.user_key))
        .switch(Guest)
        .join(session_counts, JOIN.LEFT_OUTER, on=(session_counts.c.user_key == Guest.user_key))
        .order_by(Guest.created_at)
    )
    kicked = kicks.kicked_guests(now=now)
    if since is not None:
        query = query.where((Guest.created_at >= since) | (Guest.last_login >= since)
                            | Guest.user_key.in_(list(kicked)))
    rows = cast(list[tuple[str, str, datetime, datetime | None, bool, int, int, int]],
                list(query.tuples()))
    return [GuestRow(*row[:7], kicked_until=kicked.get(row[0]), open_orders=row[7]) for row in rows]


def find(name_or_key: str) -> Guest:
    """A guest by user key, or by name when exactly one guest (or one still signed in)
    has it: a guest kicked, let back and joined again is found, not their old self."""
    text = name_or_key.strip()
    guest = Guest.get_or_none(Guest.user_key == text)
    if guest is not None:
        return guest
    # casefold in Python: SQLite's LOWER() knows only ASCII ("Émile" would not match).
    named = [g for g in Guest.select() if g.username.casefold() == text.casefold()]
    if not named:
        raise NotFound(f"no guest called {text!r}: `bar guests list` shows them")
    if len(named) > 1:
        active = [g for g in named if g.is_active]
        if len(active) == 1:
            return active[0]
        keys = ", ".join(g.user_key for g in named)
        raise InvalidInput(f"{len(named)} guests are called {text!r}: kick one by key ({keys})")
    return named[0]


def kick(name_or_key: str, *, day_starts_at: int, now: datetime) -> Kick:
    """Sign a guest out everywhere and keep their name and phone out until the business
    day ends (`bar.kicks`). Their orders stay as they are. A guest already signed out
    (kicked and let back in) is kept out again."""
    with write():
        guest = find(name_or_key)
        if kicks.kicked_until(guest.user_key, now=now) is not None:
            raise InvalidInput(f"{guest.username} is already kicked for tonight")
        if guest.is_active:
            _sign_out(guest, now=now)
        return kicks.record(guest, day_starts_at=day_starts_at, now=now)


def _sign_out(guest: Guest, *, now: datetime) -> None:
    Guest.update(is_active=False).where(Guest.user_key == guest.user_key).execute()
    (RefreshToken.update(is_revoked=True, revoked_at=now)
     .where(RefreshToken.guest == guest.user_key, RefreshToken.is_revoked == False)  # noqa: E712
     .execute())
    push.forget_guest(guest.user_key)
    signed_out = GuestSignedOut(guest.user_key, guest.username)
    # The guest's copy first: their page reads why just before the hub, acting on
    # the admin copy, closes their sockets.
    events.publish_many([
        (events.guest_channel(guest.user_key), signed_out),
        (events.ADMIN, signed_out),
    ], now=now)
    guest.is_active = False


def unkick(name_or_key: str, *, now: datetime) -> GuestLetBack:
    """Let a kicked name (or guest, by key) join again tonight; see `bar.kicks.lift`."""
    return kicks.lift(name_or_key, now=now)
