"""Web app fixtures: the app on a fresh data dir, its test client, a real server thread.

`api` is the small actions helper (like flaskr's `AuthActions`): register a guest,
sign in an admin, order — each through the HTTP API, asserting it worked.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import websocket
from flask import Flask
from flask.testing import FlaskClient

from bar import admins, tokens
from bar.clock import FrozenClock
from bar.config import Settings
from bar.db import db
from bar.models import Event, Guest, Notification, Order, RefreshToken, RegistrationCode
from bar.tokens import Keys
from tests.conftest import engine_fixture
from webapp import create_app
from webapp.server import run_in_thread

# The API and WebSocket tests run on both engines (see `tests.conftest.engine_fixture`).
engine = engine_fixture()

ADMIN_PASSWORD = "correct horse battery"
# Every wait for the server is bounded, and generous: on a busy machine a message can
# take seconds to come; one that never comes fails the test all the same.
WAIT_S = 15.0


@pytest.fixture
def app(settings: Settings, keys: Keys, clock: FrozenClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock)
    app.testing = True
    yield app
    app.extensions["bar"].hub.stop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class ApiGuest:
    user_key: str
    username: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def channel(self) -> str:
        return f"orders/{self.user_key}"


class ApiActions:
    """Common steps through the HTTP API, each asserting that it worked."""

    def __init__(self, client: FlaskClient, make: Any) -> None:
        self.client = client
        self.make = make

    def register(self, name: str = "Ana", code: str | None = None) -> ApiGuest:
        code = code or self.make.code()
        response = self.client.post(
            "/api/register", json={"username": name, "same_name_ok": True},
            headers={"X-Registration-Code": code},
        )
        assert response.status_code == 201, response.json
        body = response.json
        return ApiGuest(body["user"]["user_key"], body["user"]["username"],
                      body["access_token"], body["refresh_token"])

    def admin_login(self, name: str = "sam") -> dict[str, str]:
        """Create admin `name` and sign in over the API: returns the Authorization header."""
        admins.create_admin(name, ADMIN_PASSWORD, now=self.make.clock())
        response = self.client.post(
            "/api/admin/login", json={"username": name, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    def admin(self, name: str = "sam") -> dict[str, str]:
        """An admin's Authorization header, minted directly (password hashing is slow)."""
        settings = self.make.settings
        token = tokens.issue_access(
            self.make.keys, user_key="admin:1", username=name, role="admin",
            issuer=settings.issuer, ttl=settings.access_ttl, now=self.make.clock(),
        )
        return {"Authorization": f"Bearer {token}"}

    def order(self, guest: ApiGuest, drink_id: str = "negroni", **body: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/orders", json={"drink_id": drink_id, **body}, headers=guest.auth
        )
        assert response.status_code == 201, response.json
        order: dict[str, Any] = response.json["order"]
        return order


@pytest.fixture
def api(client: FlaskClient, make: Any) -> ApiActions:
    return ApiActions(client, make)


def table_counts() -> dict[str, Any]:
    """Rows per table (and code uses): compared before and after a refused request."""
    return {
        "guests": Guest.select().count(),
        "orders": Order.select().count(),
        "refresh_tokens": RefreshToken.select().count(),
        "revoked": RefreshToken.select().where(RefreshToken.is_revoked == True).count(),  # noqa: E712
        "events": Event.select().count(),
        "notifications": Notification.select().count(),
        "code_uses": sum(c.use_count for c in RegistrationCode.select()),
        "statuses": sorted((o.id, o.status) for o in Order.select()),
    }


@pytest.fixture
def unchanged() -> Iterator[None]:
    """Asserts, at the end of the test, that no table changed during it."""
    before = table_counts()
    yield
    assert table_counts() == before


# -- a real server on a loopback port ---------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by werkzeug in a thread; yields its base URL."""
    server, base_url = run_in_thread(app)
    yield base_url
    app.extensions["bar"].hub.stop()
    server.shutdown()
    server.server_close()
    db.close()


class Closed(Exception):
    """The server closed the socket; `code` is its close code."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed by the server: {code} {reason}")
        self.code, self.reason = code, reason


class WsClient:
    """A real WebSocket client (websocket-client) speaking JSON, with bounded waits."""

    def __init__(self, base_url: str, timeout: float = WAIT_S, source: str | None = None,
                 ca: Path | None = None) -> None:
        """Connect to `base_url`'s /ws; from the loopback address `source` if given (as
        a phone of its own: the server's caps are per client address). An `https://`
        base is `wss://`, trusting the CA certificate `ca`."""
        url = urlsplit(base_url)
        sock = None
        if source is not None:
            sock = socket.create_connection((url.hostname, url.port), timeout=timeout,
                                            source_address=(source, 0))
        sslopt = {"ca_certs": str(ca)} if ca is not None else None
        self.ws = websocket.create_connection(
            base_url.replace("https://", "wss://").replace("http://", "ws://") + "/ws",
            timeout=timeout, socket=sock, sslopt=sslopt,
        )

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def recv(self, timeout: float = WAIT_S) -> dict[str, Any]:
        """The next JSON message; raises `Closed` if the server closes instead."""
        self.ws.settimeout(timeout)
        while True:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                raise Closed(code, data[2:].decode(errors="replace"))
            if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                message: dict[str, Any] = json.loads(data)
                return message

    def closed(self, timeout: float = WAIT_S) -> int | None:
        """Wait for the server to close the socket; returns the close code.

        Then closes this side too, as a browser does (servers wait for it).
        """
        try:
            message = self.recv(timeout)
        except Closed as closed:
            return closed.code
        except websocket.WebSocketConnectionClosedException:
            return None
        finally:
            self.ws.shutdown()
        raise AssertionError(f"expected the socket to close, got {message}")

    def recv_until(self, predicate: Any, timeout: float = WAIT_S) -> list[dict[str, Any]]:
        """Messages up to and including the first one `predicate` accepts."""
        seen = []
        while True:
            message = self.recv(timeout)
            seen.append(message)
            if predicate(message):
                return seen

    def nothing_within(self, seconds: float) -> bool:
        """True if no message arrives within `seconds`."""
        try:
            self.recv(seconds)
        except websocket.WebSocketTimeoutException:
            return True
        return False

    def auth(self, token: str) -> dict[str, Any]:
        self.send({"type": "auth", "token": token})
        return self.recv()

    def subscribe(self, *channels: str, since: int | None = None) -> list[dict[str, Any]]:
        """Subscribe; returns the messages up to and including `subscribed`."""
        message: dict[str, Any] = {"type": "subscribe", "channels": list(channels)}
        if since is not None:
            message["since"] = since
        self.send(message)
        return self.recv_until(lambda m: m["type"] == "subscribed")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def ws_client(live_server: str) -> Iterator[Any]:
    """A factory of connected clients, all closed at the end."""
    clients: list[WsClient] = []

    def connect() -> WsClient:
        clients.append(WsClient(live_server))
        return clients[-1]

    yield connect
    for c in clients:
        c.close()


def wait_for(predicate: Any, timeout: float = WAIT_S, interval: float = 0.01) -> Any:
    """Poll `predicate` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
