"""Short invite codes: made, read back as people type them, and shown grouped; the UUID
codes of older databases keep working; `check_code` answers without using a code."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from bar import joincodes, registration, scan
from bar.models import Guest, RegistrationCode
from bar.net import join_url
from tests.conftest import with_rules


def test_new_codes_are_eight_unambiguous_symbols():
    codes = {joincodes.new_code() for _ in range(2000)}
    assert len(codes) == 2000  # 40 bits: no repeat in a few thousand
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", code), code
    assert joincodes.BITS == 40 and len(joincodes.ALPHABET) == 32
    assert not set("ILOU") & set(joincodes.ALPHABET)
    # Every symbol turns up: the draw is over the whole alphabet.
    assert set("".join(codes)) == set(joincodes.ALPHABET)


@pytest.mark.parametrize("typed", [
    "K7QM4XPA", "k7qm4xpa", "K7QM-4XPA", "k7qm 4xpa", " K7-QM-4X-PA ", "K7QM\t4XPA",
    "k7qm\u20134xpa",  # an en dash: a phone's keyboard may make one of a hyphen
])
def test_a_code_is_read_back_however_it_was_typed(typed):
    assert joincodes.normalize(typed) == "K7QM4XPA"


def test_letters_people_misread_are_read_as_digits():
    assert joincodes.normalize("iloo-1100") == "11001100"
    assert joincodes.normalize("K7QU4XPA") == "K7QU4XPA"  # U is no symbol: unknown, as typed


def test_old_uuid_codes_are_kept_as_they_are():
    old = str(uuid.uuid4())
    assert joincodes.normalize(old) == old
    assert joincodes.normalize(f"  {old.upper()} ") == old
    assert joincodes.grouped(old) == old


def test_codes_are_shown_in_two_groups():
    assert joincodes.grouped("K7QM4XPA") == "K7QM-4XPA"
    assert joincodes.grouped("Ab_9-xYz12Q3") == "Ab_9-xYz12Q3"  # a pop-up scan code


def test_the_join_url_is_short(settings):
    url = join_url(settings, "K7QM4XPA")
    assert url.endswith("/j/K7QM4XPA") and len(url) <= len("http://192.168.100.200:8000/j/") + 8


def test_created_codes_register_in_any_case_and_grouping(make, clock, settings, keys):
    code = make.code(max_uses=3)
    assert re.fullmatch(r"[0-9A-Z]{8}", code)
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    guest = registration.register(settings, keys, code=typed, username="Ana", now=clock()).guest
    assert guest.username == "Ana"
    assert RegistrationCode.get_by_id(code).use_count == 1
    assert registration.revoke_code(f" {joincodes.grouped(code).lower()} ").revoked


def test_an_old_uuid_code_in_an_old_database_still_registers(clock, settings, keys):
    old = str(uuid.uuid4())
    RegistrationCode.create(code=old, created_at=clock(), expires_at=clock() + timedelta(days=1),
                            max_uses=5)
    for name, typed in (("Ana", old), ("Bob", old.upper())):
        registration.register(settings, keys, code=typed, username=name, now=clock())
    assert RegistrationCode.get_by_id(old).use_count == 2
    assert registration.check_code(settings, old, now=clock()).valid


@pytest.mark.parametrize("setup,reason", [
    (lambda now: None, None),
    (lambda now: RegistrationCode.update(revoked=True).execute(), "code_revoked"),
    (lambda now: RegistrationCode.update(expires_at=now).execute(), "code_expired"),
    (lambda now: RegistrationCode.update(use_count=2).execute(), "code_used_up"),
])
def test_check_code_says_what_register_would_and_uses_nothing(
    make, clock, settings, keys, setup, reason
):
    code = make.code(max_uses=2)
    setup(clock())
    checked = registration.check_code(settings, code.lower(), now=clock())
    assert checked.valid is (reason is None) and checked.reason == reason
    assert checked.to_dict()["valid"] is (reason is None)
    if reason:
        assert checked.message and reason.removeprefix("code_").replace("_", " ") in checked.message
    assert RegistrationCode.get_by_id(code).use_count == (2 if reason == "code_used_up" else 0)
    assert Guest.select().count() == 0


@pytest.mark.parametrize("code", [
    "ZZZZZZZZ", "not-a-real-code", "x" * 65, "0f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9"])
def test_check_code_of_an_unknown_code(clock, settings, keys, code):
    checked = registration.check_code(settings, code, now=clock())
    assert (checked.valid, checked.reason) == (False, "code_invalid")


def test_check_code_in_popup_mode(clock, settings, keys):
    popup = with_rules(settings, mode="popup")
    current = scan.current(popup.rules, now=clock())
    assert registration.check_code(popup, current.code, now=clock()).valid
    assert not registration.check_code(popup, current.code.swapcase(), now=clock()).valid
    # Once it has rotated and its grace is over, it has changed, not "never existed".
    later = clock() + popup.rules.rotate_every + popup.rules.scan_grace
    stale = registration.check_code(popup, current.code, now=later)
    assert (stale.valid, stale.reason) == (False, "code_expired")
    assert "scan the code on the bar's screen" in (stale.message or "")
