"""Property-based fuzzing of the JSON API against a real server (`/ws`: test_fuzz_ws.py).

Hypothesis sends arbitrary JSON (wrong types, huge and odd unicode strings, nested junk),
raw bytes, wrong content types and junk headers to every API route, with valid, forged
and missing tokens. Whatever it sends:

- never a 500, never a traceback, and every error is `{"error": {"code", "message"}}`;
- a refused request (any 4xx) changes nothing: every table is checksummed before and
  after it;
- the server logs no error (a logged exception is a bug even if the answer looked fine).

The rate limits are off here (they have their own tests) so examples reach past them.
Bounded: `max_examples` per route family, no deadline; under CI=true the examples are
derandomized (the `ci` profile in tests/conftest.py), so CI runs the same ones each time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.webapp.fuzzing import (  # noqa: F401 - two fixtures
    DRINKS,
    bodies,
    checksum,
    fuzz,
    fuzz_settings,
    header_text,
    no_errors_logged,
    odd_text,
    requests_for,
    send,
    target_fixture,
)

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


# -- the guest API ----------------------------------------------------------------------

# (method, path, the body's keys, examples): more where there is more to reach.
GUEST_ROUTES = [
    ("GET", "/api/menu", (), 20), ("GET", "/api/display", (), 20), ("GET", "/api/orders", (), 30),
    ("POST", "/api/orders", ("drink_id", "modifiers", "note", "scan_code"), 120),
    ("GET", "/api/notifications", (), 30), ("POST", "/api/notifications/read", ("ids",), 80),
    ("POST", "/api/auth/refresh", ("refresh_token",), 40),
    ("POST", "/api/auth/logout", ("refresh_token",), 40),
]


@pytest.mark.parametrize("method,path,fields,examples", GUEST_ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in GUEST_ROUTES])
def test_guest_routes(target, caplog, method, path, fields, examples):
    @fuzz(examples)
    @given(data=st.data())
    def run(data: Any) -> None:
        role = "any" if path.startswith(("/api/menu", "/api/display", "/api/auth")) else "guest"
        send(target, method, path, data.draw(requests_for(target, bodies(*fields), role)))
        no_errors_logged(caplog)

    run()


def test_register(target, caplog):
    @fuzz(150)
    @given(data=st.data(), code=st.one_of(st.just("valid"), st.just("valid"), st.none(), header_text))
    def run(data: Any, code: str | None) -> None:
        kwargs = data.draw(requests_for(target, bodies("username"), auth="none"))
        if code is not None:
            kwargs["headers"]["X-Registration-Code"] = target.code if code == "valid" else code
        send(target, "POST", "/api/register", kwargs)
        no_errors_logged(caplog)

    run()


order_ids = st.one_of(st.just("mine"), odd_text.filter(bool), st.integers().map(str))


def test_cancel(target, caplog):
    @fuzz(100)
    @given(data=st.data(), order_id=order_ids)
    def run(data: Any, order_id: str) -> None:
        order_id = target.order_id if order_id == "mine" else order_id
        kwargs = data.draw(requests_for(target, bodies("reason"), "guest"))
        send(target, "POST", f"/api/orders/{quote(order_id, safe='')}/cancel", kwargs)
        no_errors_logged(caplog)

    run()


# -- the admin API ----------------------------------------------------------------------

ADMIN_ROUTES = [
    ("POST", "/api/admin/registration-codes", ("max_uses", "expires_at", "notes"), 150),
    ("GET", "/api/admin/orders", (), 50), ("POST", "/api/admin/shop", ("is_open",), 30),
    ("GET", "/api/admin/drinks", (), 20), ("GET", "/api/admin/scan-code", (), 20),
]


@pytest.mark.parametrize("method,path,fields,examples", ADMIN_ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in ADMIN_ROUTES])
def test_admin_routes(target, caplog, method, path, fields, examples):
    @fuzz(examples)
    @given(data=st.data(), query=st.one_of(st.just(""), odd_text.map(lambda s: "?status=" + quote(s))))
    def run(data: Any, query: str) -> None:
        send(target, method, path + query,
             data.draw(requests_for(target, bodies(*fields), "admin")))
        no_errors_logged(caplog)

    run()


def test_admin_moves_and_stock(target, caplog):
    @fuzz(120)
    @given(data=st.data(), which=st.sampled_from(["status", "stock"]), item=order_ids)
    def run(data: Any, which: str, item: str) -> None:
        if which == "status":
            item = target.order_id if item == "mine" else item
            path, keys = f"/api/admin/orders/{quote(item, safe='')}/status", ("status", "reason")
        else:
            item = data.draw(st.sampled_from(DRINKS)) if item == "mine" else item
            path, keys = f"/api/admin/drinks/{quote(item, safe='')}/stock", ("is_active",)
        send(target, "POST", path, data.draw(requests_for(target, bodies(*keys), "admin")))
        no_errors_logged(caplog)

    run()


def test_admin_login(target, caplog, make, clock):
    from bar import admins

    admins.create_admin("sam", "correct horse battery", now=clock())

    @fuzz(25)  # each attempt hashes a password, on purpose slowly
    @given(data=st.data())
    def run(data: Any) -> None:
        send(target, "POST", "/api/admin/login",
             data.draw(requests_for(target, bodies("username", "password"), auth="none")))
        no_errors_logged(caplog)

    run()


# -- what the fuzzing found, pinned ------------------------------------------------------


@pytest.mark.parametrize("ids", [[2**63], [-(2**63) - 1], [1, 2**80]])
def test_ids_beyond_sqlite_integers_are_refused(target, ids):
    before = checksum()
    response = target.session.post(f"{target.base}/api/notifications/read", json={"ids": ids},
                                   headers={"Authorization": f"Bearer {target.guest}"}, timeout=5)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_input")
    assert checksum() == before


@pytest.mark.parametrize("expires_at,message", [
    ("99999999999d", "expires: expected a duration like 12h or 2d"),  # past timedelta's range
    ("999999999d", "expires: that is too far in the future"),  # past datetime's range
    ("9999-12-31T23:59:59-14:00", "expires: that is too far in the future"),  # ditto in UTC
])
def test_expiry_past_the_calendar_is_refused(target, expires_at, message):
    before = checksum()
    response = target.session.post(
        f"{target.base}/api/admin/registration-codes", timeout=5,
        json={"max_uses": 1, "expires_at": expires_at},
        headers={"Authorization": f"Bearer {target.admin}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)
    assert checksum() == before
