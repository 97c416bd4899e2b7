"""A full room against the real `bar serve` (gunicorn's gevent worker), loopback only.

More open pages than the old thread-per-socket server had threads, requests that never
finish sending, the caps on sockets per address, and a quick SIGTERM with many sockets
open. Each phone connects from its own 127.x.y.z address, as phones on a party's Wi-Fi
do. Bounded: a few hundred sockets, waits of seconds.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import websocket

from bar import events, registration
from bar.clock import utcnow
from bar.tokens import Keys
from tests.webapp.conftest import WsClient
from tests.webapp.test_server import Served, core_on, start_server  # noqa: F401 - a fixture

OLD_THREADS = 128  # the sample bar.toml's server.threads before the event loop


def from_address(address: str, port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def phone(served: Served, index: int) -> WsClient:
    """A WebSocket from 127.0.<index // 4>.<…>: four pages per address, like a few tabs."""
    return WsClient(served.base_url, timeout=10,
                    source=f"127.0.{1 + index // 4 // 250}.{1 + index // 4 % 250}")


def half_sent(served: Served, index: int) -> socket.socket:
    """A request that stops after its first bytes (a flaky phone, or on purpose)."""
    sock = from_address(f"127.1.{index // 250}.{1 + index % 250}", served.port)
    sock.sendall(b"GET /api/menu HTTP/1.1\r\nHost: x\r\n")
    return sock


@pytest.fixture
def closing() -> Iterator[list[object]]:
    things: list[object] = []
    yield things
    for thing in things:
        try:
            thing.close()  # type: ignore[attr-defined]
        except Exception:
            pass


def guest_token(served: Served) -> str:
    with core_on(served.data_dir) as settings:
        now = utcnow()
        code = registration.create_code(max_uses=1, expires_at=now + timedelta(days=1), now=now)
        joined = registration.register(settings, Keys.load(), code=code.code,
                                       username="Newcomer", now=now)
        return joined.access_token


def test_the_bar_keeps_answering_with_a_full_and_hostile_room(start_server, closing):  # noqa: F811
    served = start_server()
    newcomer = guest_token(served)
    pages = []
    for i in range(OLD_THREADS + 172):
        pages.append(phone(served, i))
        pages[-1].subscribe(events.DISPLAY)
    closing.extend(pages)
    hanging = [half_sent(served, i) for i in range(150)]
    closing.extend(hanging)

    # Past the old thread count, with requests hanging: a newcomer is served.
    base = served.base_url
    assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    assert requests.get(f"{base}/api/menu", timeout=5).json()["bar"]["is_open"]
    placed = requests.post(f"{base}/api/orders", json={"drink_id": "negroni"}, timeout=5,
                           headers={"Authorization": f"Bearer {newcomer}"})
    assert placed.status_code == 201, placed.text

    # Every open page gets the new order on the board.
    number = placed.json()["order"]["number"]
    for page in pages:
        message = page.recv(timeout=10)
        assert (message["event"]["type"], message["event"]["number"]) == ("NEW_ORDER", number)

    # The half-sent requests are dropped once their header deadline (5 s) passes: the
    # wait for that is generous, a busy machine sweeps late; a hanging one never would.
    time.sleep(6)
    for sock in hanging:
        sock.settimeout(20)
        assert sock.recv(1024) == b""  # closed by the server, no answer


def test_a_body_that_trickles_in_is_dropped(start_server, closing):  # noqa: F811
    served = start_server()
    sock = from_address("127.2.0.1", served.port)
    closing.append(sock)
    sock.sendall(b"POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{")
    started = time.monotonic()
    sock.settimeout(30)
    assert sock.recv(1024) == b""
    # Not before the 5 s body deadline; after it, however busy the machine, but not never.
    assert 4 < time.monotonic() - started < 25


def test_sockets_per_address_are_capped_with_a_clear_503(start_server, closing):  # noqa: F811
    served = start_server()
    token = guest_token(served)

    def page(address: str = "127.3.0.1") -> WsClient:
        client = WsClient(served.base_url, timeout=10, source=address)
        closing.append(client)
        return client

    def refused() -> websocket.WebSocketBadStatusException:
        with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
            page()
        return refusal.value

    # Pages not signed in: a TV needs one or two; the ninth from one address is refused.
    anonymous = [page() for _ in range(8)]
    refusal = refused()
    assert refusal.status_code == 503 and int(refusal.resp_headers["retry-after"]) > 0
    assert json.loads(refusal.resp_body)["error"]["code"] == "too_many_sockets"

    # Signed in, they count towards the cap of 32 per address.
    for client in anonymous:
        assert client.auth(token)["type"] == "auth_ok"
    for _ in range(32 - 8):
        assert page().auth(token)["type"] == "auth_ok"
    assert refused().status_code == 503
    # Another address is not affected; a page that closes makes room.
    assert page("127.3.0.2").subscribe(events.DISPLAY)[-1]["type"] == "subscribed"
    anonymous[0].close()
    deadline = time.monotonic() + 20  # the server notices the close on its next read
    while True:
        try:
            assert page().auth(token)["type"] == "auth_ok"
            break
        except websocket.WebSocketBadStatusException:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_sigterm_with_many_sockets_open_closes_them_all_with_1001_quickly(start_server, closing):  # noqa: F811
    served = start_server()
    pages = []
    for i in range(300):  # each says hello at once, as a page does (5 s deadline)
        pages.append(phone(served, i))
        closing.append(pages[-1])
        pages[-1].subscribe(events.CONFIG)
    served.signal(signal.SIGTERM)
    # Quickly means without waiting out the grace period: every page gets the server's
    # own 1001 (a worker killed at the end of it would send none), not a stopwatch.
    codes = {page.closed(timeout=30) for page in pages}
    out, err, _ = served.wait()
    assert codes == {1001}
    assert served.process.returncode == 0, err
    assert "Traceback" not in err


def test_silent_sockets_are_closed_after_the_first_message_deadline(start_server, closing):  # noqa: F811
    """A socket that upgrades and then neither speaks nor reads (nor answers our close)."""
    served = start_server()
    silent = []
    for i in range(12):
        sock = from_address(f"127.4.0.{1 + i // 4}", served.port)
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        silent.append(sock)
    closing.extend(silent)
    time.sleep(8)  # past the 5 s deadline and the 1 s wait for a reply that never comes
    for sock in silent:
        sock.settimeout(10)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        assert received.startswith(b"HTTP/1.1 101")
        assert b'"code":"timeout"' in received
        assert b"\x88" in received  # a close frame, then the server hung up
    served.signal(signal.SIGTERM)
    out, err, _ = served.wait()
    assert "Traceback" not in err and "rror" not in err, err
