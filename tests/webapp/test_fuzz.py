"""Property-based fuzzing of the JSON API and the WebSocket, against a real server.

Hypothesis sends arbitrary JSON (wrong types, huge and odd unicode strings, nested junk),
raw bytes, wrong content types and junk headers to every API route, with valid, forged
and missing tokens, and arbitrary messages to `/ws`. Whatever it sends:

- never a 500, never a traceback, and every error is `{"error": {"code", "message"}}`;
- a refused request (any 4xx) changes nothing: every table is checksummed before and
  after it;
- the server logs no error (a logged exception is a bug even if the answer looked fine).

The rate limits are off here (they have their own tests) so examples reach past them.
Bounded: `max_examples` per route family, no deadline; under CI=true the examples are
derandomized (the `ci` profile in tests/conftest.py), so CI runs the same ones each time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
import requests
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bar import events, orders, tokens
from bar.db import db
from bar.models import TABLES
from tests.conftest import make_settings
from tests.webapp.conftest import Closed, WsClient


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
                               orders_per_minute=0)


@dataclasses.dataclass
class Target:
    base: str
    session: requests.Session
    guest: str  # access tokens
    admin: str
    refresh: str
    code: str
    order_id: str


@pytest.fixture
def target(live_server, make, clock) -> Iterator[Target]:
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


pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


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
    if draw(st.booleans()):
        headers["Content-Type"] = draw(content_types)
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


# -- the WebSocket ----------------------------------------------------------------------

REPLIES = {"auth_ok", "notification", "error", "subscribed", "resync", "event", "pong"}


def ws_messages(target: Target) -> st.SearchStrategy[Any]:
    channels = st.lists(st.one_of(
        st.sampled_from([events.DISPLAY, events.ADMIN, events.CONFIG, "orders/x", ""]), odd_text,
        json_values), max_size=4)
    shaped = st.fixed_dictionaries(
        {"type": st.sampled_from(["auth", "subscribe", "ping", "AUTH", "", "event"])},
        optional={
            "token": st.sampled_from([target.guest, target.admin, target.refresh, "x"]) | json_values,
            "channels": channels | json_values,
            "since": PLAUSIBLE["since"] | json_values,
        },
    )
    return st.one_of(shaped, shaped, json_values)


def exchange(client: WsClient, frames: list[str | bytes], limit: int) -> list[Any]:
    """Send each frame and read everything it brings (a ping after it marks the end).

    Like a well-behaved client, send nothing more once the server has said it is
    closing: over TCP, data that reaches an already closed socket makes it reset the
    connection, and the reset can destroy the close frame before the client reads it.
    """
    replies: list[Any] = []
    closing = None  # the close code the server has announced
    try:
        for frame in frames:
            client.ws.send_binary(frame) if isinstance(frame, bytes) else client.ws.send(frame)
            if len(frame) > limit:
                closing = 1009
                replies.append(client.recv())
                raise AssertionError(f"a message over the limit was answered: {replies[-1]}")
            replies.append(client.recv())
            if replies[-1].get("code") in ("token_invalid", "token_expired"):
                closing = 1008
                replies.append(client.recv())
                raise AssertionError(f"the socket stayed open after a refused token: {replies}")
            client.send({"type": "ping"})
            replies.append(client.recv())
            while replies[-1].get("type") != "pong":
                replies.append(client.recv())
    except Closed as closed:
        assert closed.code == closing is not None, (closed.code, replies)
    except (OSError, websocket.WebSocketConnectionClosedException):
        # Cut off in the middle of a message far over the limit: the rest of it reached
        # a closed socket, whose reset can overtake the 1009 close frame.
        assert closing == 1009, replies
    return replies


def test_websocket_messages(target, caplog, settings):
    @fuzz(150)
    @given(frames=st.lists(st.one_of(
        ws_messages(target).map(lambda m: json.dumps(m)),
        st.text(max_size=100), st.binary(max_size=100),
        st.just("x" * 5000),  # over ws_max_message
    ), min_size=1, max_size=3))
    def run(frames: list[str | bytes]) -> None:
        before = checksum()
        client = WsClient(target.base)
        try:
            replies = exchange(client, frames, settings.ws_max_message)
        finally:
            client.close()
        for reply in replies:
            assert isinstance(reply, dict) and reply.get("type") in REPLIES, reply
            assert reply.get("code") != "internal_error", reply
        assert checksum() == before
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
