"""429 with Retry-After, over a real server on a loopback port, for each rate limit."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import requests

from bar import admins
from tests.webapp.conftest import ADMIN_PASSWORD, table_counts


def post(base_url: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None,
         source: str = "127.0.0.1") -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST from the loopback address `source` (any of 127.0.0.0/8 works on Linux)."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(source, 0))
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        conn.close()


def assert_limited(status: int, headers: dict[str, str], body: dict[str, Any], seconds: int,
                   what: str = "attempts") -> None:
    assert status == 429
    assert headers["Retry-After"] == str(seconds)
    assert headers["Content-Type"] == "application/json"
    assert body == {"error": {"code": "rate_limited",
                              "message": f"Too many {what}: try again in {seconds} s"}}


def test_registrations_per_address(live_server, make, clock):
    code = make.code()

    def register(name: str, **kw: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
        return post(live_server, "/api/register", {"username": name},
                    {"X-Registration-Code": code, **kw.pop("headers", {})}, **kw)

    for i in range(9):
        assert register(f"Guest {i}")[0] == 201
    assert register("x")[0] == 400  # a refused attempt is still an attempt
    before = table_counts()
    assert_limited(*register("Eve"), seconds=60)
    # X-Forwarded-For is the client's own say: it does not make a new address.
    assert_limited(*register("Eve", headers={"X-Forwarded-For": "10.1.2.3"}), seconds=60)
    assert table_counts() == before

    assert register("Bob", source="127.0.0.2")[0] == 201  # another phone is not held up
    clock.advance(seconds=59)
    assert_limited(*register("Eve"), seconds=1)
    clock.advance(seconds=1)
    assert register("Eve")[0] == 201


def test_admin_logins_per_address(live_server, make, clock):
    admins.create_admin("sam", ADMIN_PASSWORD, now=clock())
    for _ in range(5):
        assert post(live_server, "/api/admin/login",
                    {"username": "sam", "password": "guess"})[0] == 401
    # The sixth attempt is refused before the password is even checked.
    right = {"username": "sam", "password": ADMIN_PASSWORD}
    assert_limited(*post(live_server, "/api/admin/login", right), seconds=60)
    clock.advance(seconds=60)
    status, _, body = post(live_server, "/api/admin/login", right)
    assert status == 200 and body["access_token"]


def test_orders_per_guest_per_minute(live_server, api, clock):
    ana, bob = api.register("Ana"), api.register("Bob")
    # Order and cancel in a loop: the open-orders limit never bites, this one does.
    for _ in range(3):
        order = api.order(ana)
        cancel = requests.post(f"{live_server}/api/orders/{order['order_id']}/cancel",
                               json={}, headers=ana.auth, timeout=5)
        assert cancel.status_code == 200
        clock.advance(seconds=5)
    before = table_counts()
    response = requests.post(f"{live_server}/api/orders", json={"drink_id": "negroni"},
                             headers=ana.auth, timeout=5)
    assert_limited(response.status_code, dict(response.headers), response.json(), seconds=45,
                   what="orders")
    assert table_counts() == before

    assert api.order(bob)["status"] == "pending"
    clock.advance(seconds=45)
    assert api.order(ana)["status"] == "pending"
