"""Odd JSON and wrong content types: a clear 400/415 (REST) or error message (`/ws`), never a 500.

- a lone surrogate (`"\\ud800"`) is valid JSON syntax but not text: it cannot be stored;
- JSON nested thousands deep makes Python's parser raise RecursionError;
- a JSON body sent as `text/plain` is what a page on another site can post without
  asking (no CORS preflight), so it is refused before anything counts it.
"""

from __future__ import annotations

import json
import logging

import pytest

from bar import admins
from tests.webapp.conftest import ADMIN_PASSWORD, WsClient

LONE_SURROGATE = '"Ana\\ud800"'  # as the JSON text spells it
DEEP = "[" * 5000 + "]" * 5000


def post_raw(client, path, raw, *, content_type="application/json", headers=None):
    return client.post(path, data=raw, content_type=content_type, headers=headers or {})


# -- item 4: lone surrogates and deep nesting -------------------------------------------


def test_a_lone_surrogate_in_a_name_is_400(client, make, unchanged):
    code = make.code()
    response = post_raw(client, "/api/register", f'{{"username": {LONE_SURROGATE}}}',
                        headers={"X-Registration-Code": code})
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input"
    assert "surrogate" in response.json["error"]["message"]


def test_a_lone_surrogate_in_a_note_is_400(client, api):
    guest = api.register()
    response = post_raw(client, "/api/orders", f'{{"drink_id": "negroni", "note": {LONE_SURROGATE}}}',
                        headers=guest.auth)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input"
    # Nothing was ordered, and a good note still works.
    assert client.get("/api/orders", headers=guest.auth).json["orders"] == []
    assert api.order(guest, note="no ice \U0001f600")["note"] == "no ice \U0001f600"


def test_a_lone_surrogate_as_a_key_is_400(client, make, unchanged):
    response = post_raw(client, "/api/register", '{"username": "Ana", "\\udfff": 1}',
                        headers={"X-Registration-Code": make.code()})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("raw", [DEEP, '{"username": ' + DEEP + "}", '{"a":' * 2000 + "1" + "}" * 2000],
                         ids=["arrays", "in a field", "objects"])
def test_deeply_nested_json_is_400(client, make, raw, unchanged, caplog):
    with caplog.at_level(logging.ERROR):
        response = post_raw(client, "/api/register", raw, headers={"X-Registration-Code": make.code()})
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] in ("invalid_json", "invalid_input")
    assert "nested" in response.json["error"]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_modest_nesting_is_still_fine(client, api):
    guest = api.register()
    # Ten levels deep in an ignored field: not ours to refuse.
    raw = json.dumps({"drink_id": "negroni", "extra": json.loads("[" * 10 + "]" * 10)})
    assert post_raw(client, "/api/orders", raw, headers=guest.auth).status_code == 201


def test_ws_odd_json_is_an_error_message_and_the_socket_stays(live_server, caplog):
    client = WsClient(live_server)
    try:
        with caplog.at_level(logging.ERROR):
            deep = "[" * 2000 + "]" * 2000  # under the 4 KiB message limit
            client.ws.send(deep)
            reply = client.recv()
            assert reply["type"] == "error" and reply["code"] == "invalid_message", reply
            client.ws.send('{"type": "subscribe", "channels": ["display\\ud800"]}')
            reply = client.recv()
            assert reply["type"] == "error" and reply["code"] == "invalid_message", reply
            client.ws.send('{"type": "ping", "\\ud800": 1}')
            assert client.recv()["code"] == "invalid_message"
            client.send({"type": "ping"})
            assert client.recv() == {"type": "pong"}
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        client.close()


# -- item 8: JSON bodies must say they are JSON -----------------------------------------


@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", None, "application/json; charset=latin-1",
])
def test_a_json_body_of_another_type_is_415(client, make, content_type, unchanged):
    headers = {"X-Registration-Code": make.code()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post("/api/register", data='{"username": "Ana"}', headers=headers)
    assert response.status_code == 415, response.json
    assert response.is_json
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json["error"]["message"]


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8",
])
def test_json_with_or_without_a_charset_is_accepted(client, make, content_type):
    response = client.post("/api/register", data='{"username": "Ana"}',
                           headers={"X-Registration-Code": make.code(), "Content-Type": content_type})
    assert response.status_code == 201, response.json


def test_an_empty_body_needs_no_content_type(client, api):
    guest = api.register()
    order = api.order(guest)
    response = client.post(f"/api/orders/{order['order_id']}/cancel", headers=guest.auth)
    assert response.status_code == 200, response.json


def test_a_cross_site_text_plain_login_burns_no_attempt(client, make, settings):
    """What a page on another site can send without a preflight: it must not count."""
    admins.create_admin("sam", ADMIN_PASSWORD, now=make.clock())
    body = json.dumps({"username": "sam", "password": "a guess"})
    for _ in range(settings.logins_per_minute + 3):
        refused = client.post("/api/admin/login", data=body, content_type="text/plain")
        assert refused.status_code == 415
    right = client.post("/api/admin/login", json={"username": "sam", "password": ADMIN_PASSWORD})
    assert right.status_code == 200, right.json
