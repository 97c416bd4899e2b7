"""Invite codes and guest registration.

A registration consumes one use of its code with one conditional UPDATE inside the
same write transaction that creates the guest, so a code is never used more than
`max_uses` times however many phones register at once, and a registration that fails
half way gives its use back (the transaction rolls back).

Codes are short (`bar.joincodes`: 8 symbols, `K7QM-4XPA`); the UUID codes of older
versions still work. `check_code` says whether a code would register a guest now,
without using it: the join page asks before it asks for a name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bar import joincodes, kicks, names, scan, stations
from bar.config import Settings
from bar.db import write
from bar.errors import CodeMissing, CodeRefused, InvalidInput, NoInvite, NotFound
from bar.models import Guest, RegistrationCode
from bar.text import clean_text
from bar.tokens import Keys, issue_access, new_refresh_token


def clean_username(name: object) -> str:
    """A guest's name as stored and shown (the rule is `bar.names.clean_name`)."""
    return names.clean_name(name)


def create_code(
    *, max_uses: int, expires_at: datetime, notes: str = "", created_by: str = "cli",
    now: datetime,
) -> RegistrationCode:
    if isinstance(max_uses, bool) or not isinstance(max_uses, int) or not 1 <= max_uses <= 100_000:
        raise InvalidInput("max_uses must be a whole number from 1 to 100000")
    if expires_at <= now:
        raise InvalidInput("expires_at must be in the future")
    notes = clean_text(notes or "", field="notes", max_len=200)
    with write():
        code = joincodes.new_code()
        while RegistrationCode.select().where(RegistrationCode.code == code).exists():
            code = joincodes.new_code()  # 1 in 10**12 per live code: never, but not twice
        return RegistrationCode.create(
            code=code, created_at=now, created_by=created_by,
            expires_at=expires_at, max_uses=max_uses, notes=notes,
        )


def list_codes() -> list[RegistrationCode]:
    """Every invite code, the newest first (made in the same microsecond: by code, as
    neither engine keeps the order of insertion portably)."""
    return list(RegistrationCode.select().order_by(RegistrationCode.created_at.desc(),
                                                   RegistrationCode.code))


def find_code(code: str) -> RegistrationCode:
    """An invite code by its text, as typed (any case, dashes); raises `NotFound`."""
    row = RegistrationCode.get_or_none(RegistrationCode.code == joincodes.normalize(code))
    if row is None:
        raise NotFound(f"no such code: {code}")
    return row


def revoke_code(code: str) -> RegistrationCode:
    with write():
        row = find_code(code)
        row.revoked = True
        row.save()
        return row


def active_invite(*, now: datetime) -> RegistrationCode | None:
    """The newest invite that still registers guests, or None: it never makes one."""
    return (
        RegistrationCode.select()
        .where(
            RegistrationCode.revoked == False,  # noqa: E712
            RegistrationCode.expires_at > now,
            RegistrationCode.use_count < RegistrationCode.max_uses,
        )
        .order_by(RegistrationCode.created_at.desc())
        .first()
    )



def new_invite(
    settings: Settings, *, now: datetime, created_by: str, max_uses: int | None = None,
    expires_at: datetime | None = None, notes: str = "",
) -> RegistrationCode:
    """An invite code with the host's limits: those given, else bar.toml's `[invites]`."""
    return create_code(
        max_uses=settings.invite_max_uses if max_uses is None else max_uses,
        expires_at=expires_at or now + settings.invite_valid_for,
        notes=notes, created_by=created_by, now=now,
    )


# What a host reads when the invite on the QR code no longer registers anyone.
SPENT_MESSAGES = {
    "used up": "the invite code is used up",
    "expired": "the invite code has expired",
    "revoked": "the invite code was revoked",
}


def current_invite(settings: Settings, *, now: datetime, created_by: str) -> RegistrationCode:
    """The newest invite that still registers guests: what the kiosk's QR panel, the TV
    and `bar up` show.

    A bar that has no invite at all gets its first one (bar.toml's `[invites]` limits),
    so the host need not make a code before the first guest arrives. Once the host's
    invites are all used up, expired or revoked, no new one appears by itself: that
    raises `NoInvite` (with what became of the newest), and the next code, with its
    limits, is the host's to make.
    """
    row = active_invite(now=now)
    if row is not None:
        return row
    codes = list_codes()
    if not codes:
        with write():  # two processes starting at once make one first code, not two
            if not RegistrationCode.select().exists():
                return new_invite(settings, now=now, created_by=created_by,
                                  notes=f"made by {created_by}")
        codes = list_codes()
    for row in codes:
        if code_status(row, now) == "active":
            return row
    status = code_status(codes[0], now)
    raise NoInvite(SPENT_MESSAGES[status], status=status)


@dataclass(frozen=True)
class JoinCode:
    """The code the room scans to join: the invite, or in pop-up mode the scan code."""

    code: str
    popup: bool
    expires_at: datetime  # pop-up: when the code rotates
    drinks_remaining: int | None = None  # pop-up only
    uses_left: int | None = None  # invite only
    max_uses: int | None = None  # invite only

    @classmethod
    def of_invite(cls, row: RegistrationCode) -> JoinCode:
        return cls(row.code, False, row.expires_at, uses_left=row.max_uses - row.use_count,
                   max_uses=row.max_uses)


def join_code(
    settings: Settings, *, now: datetime, created_by: str, station: str | None = None,
) -> JoinCode:
    """What the kiosk's QR panel and the TV board show: one rule for both. In pop-up
    mode, `station`'s scan code (a kiosk or board of one station; `bar.scan`).

    At a party, raises `NoInvite` when the host's invites have run out (`current_invite`).
    """
    if settings.rules.popup:
        current = scan.current(stations.rules_of(settings, station), now=now, station=station)
        return JoinCode(current.code, True, current.rotates_at,
                        drinks_remaining=current.drinks_remaining)
    return JoinCode.of_invite(current_invite(settings, now=now, created_by=created_by))


def code_status(row: RegistrationCode, now: datetime) -> str:
    if row.revoked:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    if row.use_count >= row.max_uses:
        return "used up"
    return "active"


@dataclass(frozen=True)
class Registration:
    guest: Guest
    access_token: str
    refresh_token: str


def register(
    settings: Settings, keys: Keys, *, code: str | None, username: object,
    device_info: str = "", device_id: str | None = None, now: datetime,
    refuse_same_name: bool = False,
) -> Registration:
    """Create a guest with an invite code (or, in pop-up mode, the current scan code).

    `device_id` is the phone's own random id (`bar.kicks`): a name or a phone the host
    kicked tonight raises `Kicked` and uses nothing. With `refuse_same_name`, a name
    that a guest still signed in already has (case aside) raises `NameTaken` and uses
    nothing: the join page then suggests an initial.
    """
    if not code or not code.strip():
        raise CodeMissing("a registration code is required: scan the bar's QR code")
    code = code.strip()
    name = clean_username(username)
    device_id = kicks.clean_device_id(device_id)
    with write():
        # The code first: a bad code is the first thing to hear, and nobody without
        # one learns whom the host kicked. A refusal rolls the use back.
        _consume_code(settings, code, now)
        kicks.check_allowed(name, device_id, now=now)
        if refuse_same_name:
            names.check_not_taken(name, seen_since=now - settings.inactivity_timeout)
        guest = Guest.create(
            user_key=str(uuid.uuid4()), username=name, created_at=now, last_login=now,
            metadata={"registered_with": "scan" if settings.rules.popup else "invite"},
            device_id=device_id,
        )
        refresh_token = new_refresh_token(
            guest, ttl=settings.refresh_ttl, device_info=device_info, now=now
        )
    access = issue_access(
        keys, user_key=guest.user_key, username=name, role="guest",
        issuer=settings.issuer, ttl=settings.access_ttl, now=now,
    )
    return Registration(guest, access, refresh_token)


def _consume_code(settings: Settings, code: str, now: datetime) -> None:
    used = (
        RegistrationCode.update(use_count=RegistrationCode.use_count + 1)
        .where(
            RegistrationCode.code == joincodes.normalize(code),
            RegistrationCode.revoked == False,  # noqa: E712
            RegistrationCode.expires_at > now,
            RegistrationCode.use_count < RegistrationCode.max_uses,
        )
        .execute()
    )
    if used:
        return
    refusal = _refusal(settings, code, now)
    if refusal is not None:
        raise refusal


# Longer than any code we make (a UUID is 36, a scan code 12): not worth a lookup.
MAX_CODE_LENGTH = 64

_REFUSALS = {
    "revoked": ("code_revoked", "this code has been revoked"),
    "expired": ("code_expired", "this code has expired"),
    "used up": ("code_used_up", "this code has been used up"),
}


def _refusal(settings: Settings, code: str, now: datetime) -> CodeRefused | None:
    """Why `code` registers nobody at `now`, or None if it registers a guest."""
    row = RegistrationCode.get_or_none(RegistrationCode.code == joincodes.normalize(code))
    if row is None:
        # Pop-up mode: the scan code on the display registers too, using no drink. It is
        # compared as it came (scan codes are case-sensitive, and never short codes).
        if settings.rules.popup:
            if scan.is_acceptable(code, settings.rules, now=now):
                return None
            if scan.was_issued(code):
                return CodeRefused(
                    "this QR code has changed: scan the code on the bar's screen",
                    code="code_expired",
                )
        return CodeRefused("this code is not valid", code="code_invalid")
    status = code_status(row, now)
    if status == "active":
        return None
    error_code, message = _REFUSALS.get(status, ("code_invalid", "this code is not valid"))
    return CodeRefused(message, code=error_code)


@dataclass(frozen=True)
class CodeCheck:
    """Whether a code would register a guest now; if not, the error `register` raises."""

    valid: bool
    reason: str | None = None  # code_invalid, code_expired, code_revoked, code_used_up
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "reason": self.reason, "message": self.message}


def check_code(settings: Settings, code: object, *, now: datetime) -> CodeCheck:
    """Would `code` register a guest at `now`? Uses nothing, writes nothing.

    The join page asks this when it opens, so a guest with a wrong or expired invite
    hears it before typing a name. The caller limits how often an address may ask
    (`webapp`'s `code_guesses`: the same budget as joining with a wrong code).
    """
    if not isinstance(code, str) or not code.strip():
        raise CodeMissing("a registration code is required: scan the bar's QR code")
    if len(code) > MAX_CODE_LENGTH:
        return CodeCheck(False, "code_invalid", "this code is not valid")
    refusal = _refusal(settings, code, now)
    if refusal is None:
        return CodeCheck(True)
    return CodeCheck(False, refusal.code, refusal.message)
