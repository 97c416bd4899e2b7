"""What the fuzz tests share: the server under test, the strategies, the checks.

The fixtures here (`settings` with the rate limits off, `target`) are imported by the
fuzz test modules. See tests/webapp/test_fuzz.py for what is asserted, and why.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bar import orders, tokens
from bar.db import db
from bar.models import TABLES
from tests.conftest import make_settings


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test (on top of the loaded profile: `ci` derandomizes)."""
    # The server and its fixtures live across a test's examples: that is the point here.
    return settings(
        max_examples=examples, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


DRINKS = ["negroni", "espresso", "flat-white", "margarita", "nope"]
STATUSES = [*orders.STATUSES, "PENDING", "done", ""]


@pytest.fixture(name="settings")
def fuzz_settings(tmp_path):
    base = make_settings(tmp_path / "data", max_queue=100_000, max_open_orders_per_guest=100_000)
    return dataclasses.replace(base, registrations_per_minute=0, logins_per_minute=0,
                               logins_per_minute_total=0, orders_per_minute=0,
                               wrong_codes_per_minute_total=0)


@dataclasses.dataclass
class Target:
    base: str
    session: requests.Session
    guest: str  # access tokens
    admin: str
    refresh: str
    code: str
    order_id: str


@pytest.fixture(name="target")
def target_fixture(live_server, make, clock) -> Iterator[Target]:
    signup = make.registration("Fuzzy")
    order = make.order(signup.guest)
    admin = tokens.issue_access(
        make.keys, user_key="admin:1", username="sam", role="admin",
        issuer=make.settings.issuer, ttl=make.settings.access_ttl, now=clock(),
    )
    with requests.Session() as session:
        yield Target(live_server, session, signup.access_token, admin, signup.refresh_token,
                     make.code(max_uses=100_000), order.id)


def checksum() -> dict[str, str]:
    """A digest of every row of every table."""
    digests = {}
    for model in TABLES:
        rows = model.select().order_by(model._meta.primary_key).tuples()
        digests[model._meta.table_name] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    db.close()
    return digests


SERVER_LOGGERS = ("bar", "webapp", "werkzeug", "flask", "simple_websocket")


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No error logged on the server's side (websocket-client logs a close as an error)."""
    logged = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.split(".")[0] in SERVER_LOGGERS]
    caplog.clear()  # each example answers for its own requests only
    assert logged == [], logged


# -- strategies -------------------------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8"), max_size=60),  # any code point: RTL, ZWJ, emoji
    st.sampled_from(["", " ", "\x00", "\u202e", "<script>", "[bold]x", "NaN", "0", "-1",
                     "../../etc", "%00", "x" * 300, "é" * 5000]),
)
# JSON numbers have no size limit; SQLite's integers stop at 2**63.
ints = st.one_of(st.integers(), st.integers(2**63 - 2, 2**80), st.integers(-(2**80), -(2**63) + 2))
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(), odd_text)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(odd_text, inner, max_size=5),
    max_leaves=15,
)
# Durations ("90s", "4h", …) of any size, and times anywhere in datetime's range with
# any UTC offset: the edges are where arithmetic overflows.
durations = st.builds(lambda n, unit: f"{n}{unit}",
                      st.integers(0, 10**15) | st.sampled_from([10**9, 10**12, 10**15]),
                      st.sampled_from(["s", "m", "h", "d", ""]))
offsets = st.none() | st.timedeltas(min_value=timedelta(hours=-23, minutes=-59),
                                    max_value=timedelta(hours=23, minutes=59)).map(timezone)
times = st.builds(lambda when, tz: when.replace(tzinfo=tz).isoformat(),
                  st.datetimes() | st.sampled_from([datetime.min, datetime.max]), offsets)

PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "username": st.sampled_from(["Ana", "sam", "  Bo  ", "a"]) | odd_text,
    "password": st.sampled_from(["correct horse battery", "guess"]) | odd_text,
    "is_open": st.booleans(), "is_active": st.booleans(),
    "drink_id": st.sampled_from(DRINKS),
    "modifiers": st.one_of(
        st.just({}), st.just({"shots": "double"}), st.just({"milk": "oat"}),
        st.dictionaries(st.sampled_from(["milk", "shots", "ice"]), json_values, max_size=2),
    ),
    "note": odd_text,
    "status": st.sampled_from(STATUSES),
    "expires_at": st.one_of(durations, times, st.sampled_from(["-1d", "1e9d", "tomorrow"])),
    "max_uses": st.one_of(st.integers(-5, 100_005), ints, st.just(True)),
    "ids": st.lists(ints, max_size=5) | st.lists(st.one_of(ints, odd_text), max_size=5),
    "since": ints,
}


@st.composite
def bodies(draw: Any, *keys: str) -> Any:
    """Mostly the route's own keys with plausible values, some spoilt (junk or missing)
    so each check is reached; sometimes any JSON at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    body = {}
    for key in keys:
        spoil = draw(st.integers(0, 9))
        if spoil >= 3:
            body[key] = draw(PLAUSIBLE.get(key, odd_text))
        elif spoil >= 1:
            body[key] = draw(json_values)
    if draw(st.integers(0, 4)) == 0:
        body.update(draw(st.dictionaries(odd_text, json_values, max_size=2)))
    return body


raw_bodies = st.one_of(
    st.binary(max_size=200), st.just(b"{" * 5000), st.just(b"x" * 20_000),  # over 16 KiB
    st.just(b'{"drink_id": "espresso"'), st.just(b"\xff\xfe{}"), st.just(b"NaN"),
    st.just(b'{"a": Infinity}'), st.just(b"[" * 2000 + b"]" * 2000),
)
# Latin-1 without control characters, not starting with a space: what HTTP can carry.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    exclude_categories=["Cc"]), max_size=80).map(str.lstrip)
content_types = st.sampled_from([
    "application/json", "text/plain", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/json; charset=utf-16", "", "*/*",
])


@st.composite
def requests_for(draw: Any, target: Target, body: st.SearchStrategy[Any],
                 auth: str = "any") -> dict[str, Any]:
    """Keyword arguments for `requests.request`: a body, its content type and headers.

    `auth` is the role the route wants ("guest", "admin"), which then gets half the
    examples so they reach past the token check; "none" for routes without a token.
    """
    headers: dict[str, str] = {}
    others = st.sampled_from(["guest", "admin", "junk", "forged", "refresh", "none"])
    token = draw(st.sampled_from(["none", "junk"]) if auth == "none"
                 else others if auth == "any" else st.just(auth) | others)
    value = {
        "guest": target.guest, "admin": target.admin, "refresh": target.refresh,
        "forged": target.guest[:-6] + "AAAAAA", "none": None,
        "junk": draw(header_text),
    }[token]
    if value is not None:
        schemes = ["Bearer ", "bearer ", "Basic ", "", "Bearer  "]
        scheme = draw(st.just("Bearer ") | st.sampled_from(schemes))
        headers["Authorization"] = scheme + value
    if draw(st.booleans()):
        headers["Idempotency-Key"] = draw(header_text)
    # Mostly JSON, so most examples reach past the content-type check (415 otherwise).
    if draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            headers["Content-Type"] = draw(content_types)
    else:
        headers["Content-Type"] = "application/json"
    if draw(st.integers(0, 4)) == 0:
        data = draw(raw_bodies)
    else:
        data = json.dumps(draw(body), ensure_ascii=draw(st.booleans())).encode()
    return {"headers": headers, "data": data}


def check(response: requests.Response, before: dict[str, str]) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text
    assert response.headers["Content-Type"] == "application/json", response.text[:200]
    body = response.json()
    if response.status_code >= 400:
        assert list(body) == ["error"], body
        assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
        assert checksum() == before, f"a {response.status_code} changed the database"


def send(target: Target, method: str, path: str, kwargs: dict[str, Any]) -> None:
    before = checksum()
    response = target.session.request(method, target.base + path, timeout=10, **kwargs)
    check(response, before)


