"""Invite codes: consumed atomically, never beyond max_uses, never by a failed registration."""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bar import datadir, registration
from bar.clock import utcnow
from bar.errors import CodeMissing, CodeRefused, InvalidInput, NoInvite
from bar.models import Guest, RefreshToken, RegistrationCode
from bar.timeparse import parse_expiry
from tests.conftest import make_settings
from webapp.errors import status_for  # HTTP statuses live in the web app


def _use_count(code: str) -> int:
    return RegistrationCode.get_by_id(code).use_count


def test_register_creates_guest_and_uses_one(make, clock, settings, keys):
    code = make.code(max_uses=2)
    reg = registration.register(settings, keys, code=code, username="  Ana  ", now=clock())
    assert reg.guest.username == "Ana"
    assert _use_count(code) == 1
    assert RefreshToken.select().where(RefreshToken.guest == reg.guest).count() == 1


@pytest.mark.parametrize("name", ["A", " a ", "x" * 51, "Ana\x07", "bell\nname", "\u202eevil", 7, None])
def test_bad_names_are_refused_and_use_nothing(make, clock, settings, keys, name):
    code = make.code()
    with pytest.raises(InvalidInput):
        registration.register(settings, keys, code=code, username=name, now=clock())
    assert _use_count(code) == 0 and Guest.select().count() == 0


def test_two_guests_may_share_a_name(make):
    assert make.guest("Sam").user_key != make.guest("Sam").user_key


@pytest.mark.parametrize(
    "setup,error_code",
    [
        (lambda code, now: RegistrationCode.update(revoked=True).execute(), "code_revoked"),
        (lambda code, now: RegistrationCode.update(expires_at=now).execute(), "code_expired"),
        (lambda code, now: RegistrationCode.update(use_count=3).execute(), "code_used_up"),
    ],
)
def test_revoked_expired_used_up_codes_register_nobody(make, clock, settings, keys, setup, error_code):
    code = make.code(max_uses=3)
    setup(code, clock())
    with pytest.raises(CodeRefused) as refused:
        registration.register(settings, keys, code=code, username="Ana", now=clock())
    assert refused.value.code == error_code and status_for(refused.value) == 403
    assert Guest.select().count() == 0


def test_unknown_and_missing_codes(make, clock, settings, keys):
    with pytest.raises(CodeRefused) as refused:
        registration.register(settings, keys, code="nope", username="Ana", now=clock())
    assert refused.value.code == "code_invalid"
    with pytest.raises(CodeMissing):
        registration.register(settings, keys, code="  ", username="Ana", now=clock())


def test_revoke_code(make):
    code = make.code()
    assert registration.revoke_code(code).revoked
    assert registration.code_status(RegistrationCode.get_by_id(code), utcnow()) == "revoked"


def test_parse_expiry(clock):
    assert parse_expiry("2d", now=clock()) == clock() + timedelta(days=2)
    when = parse_expiry("2030-01-01T10:00", now=clock())
    assert when.year == 2030 and when.utcoffset() == timedelta(0)
    with pytest.raises(InvalidInput):
        parse_expiry("soon", now=clock())
    with pytest.raises(InvalidInput):
        parse_expiry("2001-01-01", now=clock())


def test_concurrent_registrations_in_threads_never_exceed_max_uses(make, clock, settings, keys):
    code = make.code(max_uses=5)
    outcomes: list[str] = []
    start = threading.Barrier(24)

    def attempt(i: int) -> None:
        start.wait()
        try:
            registration.register(settings, keys, code=code, username=f"Guest {i}", now=clock())
            outcomes.append("ok")
        except CodeRefused as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("ok") == 5
    assert outcomes.count("code_used_up") == 19
    assert _use_count(code) == 5 and Guest.select().count() == 5


def _register_in_process(data_dir: str, code: str, now: datetime, index: int, results) -> None:
    settings = make_settings(Path(data_dir))  # on the test's engine
    keys = datadir.open_bar(settings)
    outcome = []
    for attempt in range(4):
        try:
            registration.register(
                settings, keys, code=code, username=f"P{index}-{attempt}", now=now
            )
            outcome.append("ok")
        except CodeRefused as exc:
            outcome.append(exc.code)
    results.put(outcome)


def test_concurrent_registrations_across_processes_never_exceed_max_uses(make, clock, settings, keys):
    code = make.code(max_uses=5)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    procs = [
        context.Process(
            target=_register_in_process, args=(str(settings.data_dir), code, clock(), i, results)
        )
        for i in range(6)
    ]
    for p in procs:
        p.start()
    outcomes = [o for _ in procs for o in results.get(timeout=60)]
    for p in procs:
        p.join(timeout=30)
    assert len(outcomes) == 24
    assert outcomes.count("ok") == 5
    assert outcomes.count("code_used_up") == 19
    assert _use_count(code) == 5 and Guest.select().count() == 5
    assert all(p.exitcode == 0 for p in procs)


def test_data_dir_setting_is_path(settings):
    assert isinstance(settings.data_dir, Path)


def test_a_bar_without_invites_gets_its_first_with_the_configured_limits(settings, keys, clock):
    limited = dataclasses.replace(settings, invite_max_uses=7, invite_valid_for=timedelta(hours=3))
    first = registration.current_invite(limited, now=clock(), created_by="kiosk")
    assert (first.max_uses, first.expires_at, first.created_by) == (7, clock() + timedelta(hours=3), "kiosk")
    assert registration.current_invite(limited, now=clock(), created_by="display").code == first.code


@pytest.mark.parametrize("spend,status", [
    (lambda code, now: RegistrationCode.update(use_count=RegistrationCode.max_uses).execute(),
     "used up"),
    (lambda code, now: RegistrationCode.update(expires_at=now).execute(), "expired"),
    (lambda code, now: RegistrationCode.update(revoked=True).execute(), "revoked"),
])
def test_spent_invites_are_not_replaced_behind_the_hosts_back(make, clock, settings, spend, status):
    code = make.code(max_uses=2)
    spend(code, clock())
    with pytest.raises(NoInvite) as none:
        registration.current_invite(settings, now=clock(), created_by="kiosk")
    assert none.value.status == status and none.value.message == registration.SPENT_MESSAGES[status]
    with pytest.raises(NoInvite):
        registration.join_code(settings, now=clock(), created_by="display")
    assert RegistrationCode.select().count() == 1  # nothing made by itself
    made = registration.new_invite(settings, now=clock(), created_by="kiosk")
    assert made.max_uses == settings.invite_max_uses
    assert registration.current_invite(settings, now=clock(), created_by="kiosk").code == made.code
