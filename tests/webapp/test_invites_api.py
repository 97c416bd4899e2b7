"""`GET /api/invites/<code>`: would this code let a guest join? Limited as joining is:
wrong codes count per address and for the whole bar, and a check never tells a
guesser more, or faster, than `POST /api/register` does."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest

from bar.models import Guest, RegistrationCode
from tests.webapp.conftest import table_counts
from webapp import create_app

VALID = {"valid": True, "reason": None, "message": None}


def check(client: Any, code: str, address: str = "127.0.0.1") -> Any:
    return client.get(f"/api/invites/{code}", environ_base={"REMOTE_ADDR": address})


def register(client: Any, code: str, name: str = "Ana", address: str = "127.0.0.1") -> Any:
    return client.post("/api/register", json={"username": name, "same_name_ok": True},
                       headers={"X-Registration-Code": code},
                       environ_base={"REMOTE_ADDR": address})


def test_a_good_code_in_any_form_is_valid_and_nothing_is_used(client, make):
    code = make.code()
    before = table_counts()
    for typed in (code, code.lower(), f"{code[:4]}-{code[4:]}", f"{code[:4]} {code[4:]}"):
        response = check(client, typed)
        assert response.status_code == 200 and response.json == VALID
    assert table_counts() == before
    assert RegistrationCode.get_by_id(code).use_count == 0


@pytest.mark.parametrize("spoil,reason", [
    ({"expires_at": None}, "code_expired"),
    ({"use_count": 2}, "code_used_up"),
    ({"revoked": True}, "code_revoked"),
])
def test_expired_used_up_and_revoked_codes_say_why(client, make, clock, spoil, reason):
    code = make.code(max_uses=2)
    values = {k: (clock() if v is None else v) for k, v in spoil.items()}
    RegistrationCode.update(**values).where(RegistrationCode.code == code).execute()
    body = check(client, code).json
    assert body["valid"] is False and body["reason"] == reason and body["message"]
    # The same reason as joining with it.
    assert register(client, code).json["error"]["code"] == reason


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "not-a-real-code", "0f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9"])
def test_an_unknown_code_is_invalid(client, code):
    response = check(client, code)
    assert response.status_code == 200
    assert response.json == {"valid": False, "reason": "code_invalid",
                             "message": "this code is not valid"}


def test_an_old_long_code_still_works(client, clock):
    old = str(uuid.uuid4())
    RegistrationCode.create(code=old, created_at=clock(), expires_at=clock() + timedelta(days=1),
                            max_uses=5)
    assert check(client, old).json == VALID
    assert check(client, old.upper()).json == VALID
    assert register(client, old.upper()).status_code == 201
    assert RegistrationCode.get_by_id(old).use_count == 1


@pytest.mark.parametrize("code", ["x" * 65, "bad%07code", "%E2%80%AE"])
def test_a_code_that_is_no_code_is_a_clear_400(client, code):
    response = check(client, code)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_wrong_codes_are_limited_per_address_and_share_joinings_budget(client, make, clock):
    """10 wrong codes a minute from an address, checks and joins together; then every
    check is a 429, whether the code is right or not (a 429 tells a guesser nothing)."""
    good = make.code()
    for i in range(5):
        assert check(client, f"WRONG{i:03d}").json["valid"] is False
        assert register(client, f"WRONG{i:03d}").status_code == 403
    before = table_counts()
    for code in (good, "WRONG999"):
        response = check(client, code)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "60"
        assert response.json == {"error": {
            "code": "rate_limited", "message": "Too many attempts: try again in 60 s"}}
    assert register(client, good, "Eve").status_code == 429
    assert table_counts() == before
    assert check(client, good, address="127.0.0.2").json == VALID  # another phone
    clock.advance(seconds=60)
    assert check(client, good).json == VALID
    assert register(client, good, "Eve").status_code == 201


def test_right_codes_cost_nothing(client, make):
    good = make.code()
    for _ in range(30):
        assert check(client, good).json == VALID
    assert register(client, good).status_code == 201


@pytest.fixture
def small_bar(settings, keys, clock):
    app = create_app(dataclasses.replace(settings, wrong_codes_per_minute_total=5), clock=clock)
    yield app.test_client()
    app.extensions["bar"].hub.stop()


def test_wrong_codes_from_all_addresses_together_are_limited(small_bar, make, clock):
    good = make.code()
    for i in range(5):  # five phones, one wrong guess each
        assert check(small_bar, f"WRONG{i:03d}", address=f"127.0.1.{i}").json["valid"] is False
    for address in ("127.0.1.0", "127.0.2.1"):
        response = check(small_bar, good, address=address)
        assert response.status_code == 429
        assert response.json["error"]["message"] == "Too many attempts on this bar: try again in 60 s"
    assert register(small_bar, good, address="127.0.2.1").status_code == 429
    clock.advance(seconds=60)
    assert check(small_bar, good, address="127.0.2.1").json == VALID
    assert register(small_bar, good, address="127.0.2.1").status_code == 201
    assert Guest.select().count() == 1


def test_the_short_join_link_opens_the_guest_page(client, make):
    code = make.code()
    for path in (f"/j/{code}", f"/j/{code.lower()}", f"/join?code={code}"):
        response = client.get(path)
        assert response.status_code == 200 and b'src="/static/app.js"' in response.data
