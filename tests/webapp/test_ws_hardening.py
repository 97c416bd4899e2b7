"""`/ws` against abuse: the Origin check, the message size limit, no compression."""

from __future__ import annotations

import base64
import dataclasses
import os
import struct

import pytest
import requests
import websocket

from tests.webapp.conftest import WsClient
from webapp import create_app
from webapp.server import run_in_thread
from webapp.ws import origin_allowed

# Socket hardening: the same on either engine.
ENGINES = ["sqlite"]


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/ws"


def upgrade_headers(**extra: str) -> dict[str, str]:
    return {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), **extra}


def works(ws: websocket.WebSocket) -> bool:
    ws.send('{"type": "ping"}')
    return ws.recv() == '{"type":"pong"}'


@pytest.mark.parametrize("origin,host,public_url,allowed", [
    (None, "192.168.1.20:8000", "", True),  # not a browser
    ("http://192.168.1.20:8000", "192.168.1.20:8000", "", True),
    ("HTTP://Bar.Local", "bar.local:80", "", True),  # default port either way
    ("https://bar.local", "bar.local:443", "", True),
    ("http://evil.example", "192.168.1.20:8000", "", False),
    ("http://192.168.1.20:8001", "192.168.1.20:8000", "", False),
    ("http://192.168.1.20", "192.168.1.20:8000", "", False),
    ("null", "192.168.1.20:8000", "", False),  # a sandboxed frame or a file
    ("chrome-extension://abc", "abc", "", False),
    ("http://[::1]:8000", "[::1]:8000", "", True),
    ("http://bar.party:8000", "127.0.0.1:8000", "http://bar.party:8000", True),
    ("https://bar.party:8000", "127.0.0.1:8000", "http://bar.party:8000", False),
])
def test_origin_rules(origin, host, public_url, allowed):
    assert origin_allowed(origin, host, public_url) is allowed


def test_a_page_from_another_site_is_refused_before_the_upgrade(live_server):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url(live_server), origin="http://evil.example", timeout=5)
    assert refused.value.status_code == 403

    # What the browser's network panel shows: a JSON reason, and no upgrade.
    response = requests.get(f"{live_server}/ws", timeout=5,
                            headers=upgrade_headers(Origin="http://evil.example"))
    assert response.status_code == 403
    assert response.json() == {"error": {
        "code": "origin_refused", "message": "this page's origin may not open a socket on the bar"}}
    assert "Sec-WebSocket-Accept" not in response.headers


def test_same_origin_and_clients_without_origin_are_let_in(live_server):
    same = websocket.create_connection(ws_url(live_server), origin=live_server, timeout=5)
    script = websocket.create_connection(ws_url(live_server), suppress_origin=True, timeout=5)
    try:
        assert works(same) and works(script)
    finally:
        same.close()
        script.close()


def test_the_public_url_origin_is_let_in(settings, keys, clock):
    app = create_app(dataclasses.replace(settings, public_url="http://bar.party:8000"), clock=clock)
    server, base_url = run_in_thread(app)
    try:
        ws = websocket.create_connection(ws_url(base_url), origin="http://bar.party:8000", timeout=5)
        assert works(ws)
        ws.close()
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(ws_url(base_url), origin="http://bar.parry:8000", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["bar"].hub.stop()


def test_a_message_over_the_limit_closes_the_socket_with_1009(live_server, settings):
    assert settings.ws_max_message == 4096
    client = WsClient(live_server)
    client.ws.send("x" * 4096)  # at the limit: an answer, and the socket stays
    assert client.recv()["code"] == "invalid_json"
    client.send({"type": "ping"})
    assert client.recv() == {"type": "pong"}
    client.ws.send("x" * 4097)
    assert client.closed() == 1009


def test_the_server_does_not_wait_for_a_huge_message_to_end(live_server):
    """A frame that announces 1 GiB is cut off once the limit is passed, not buffered."""
    ws = websocket.create_connection(ws_url(live_server), timeout=5)
    header = struct.pack("!BBQ", 0x81, 0x80 | 127, 1 << 30) + b"\0\0\0\0"  # FIN, text, masked
    ws.sock.sendall(header + b"x" * 5000)
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 1009


def test_compression_is_not_negotiated(live_server):
    # A few KiB of deflate could inflate to megabytes before the size check sees them.
    ws = websocket.create_connection(
        ws_url(live_server), timeout=5,
        header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
    try:
        assert "sec-websocket-extensions" not in ws.getheaders()
        assert works(ws)
    finally:
        ws.close()


def test_nothing_follows_the_close_frame(live_server):
    """Found by the fuzz pass: the test server wrote an HTTP 200 after the close frame."""
    ws = websocket.create_connection(ws_url(live_server), timeout=5)
    ws.send('{"type": "auth"}')
    assert ws.recv_data(control_frame=True)[0] == websocket.ABNF.OPCODE_TEXT  # token_invalid
    opcode, data = ws.recv_data(control_frame=True)
    assert (opcode, int.from_bytes(data[:2], "big")) == (websocket.ABNF.OPCODE_CLOSE, 1008)
    ws.sock.settimeout(5)
    assert ws.sock.recv(4096) == b""  # the server hangs up (it may: it closed), saying nothing
