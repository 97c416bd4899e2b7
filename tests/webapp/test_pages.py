"""Pages, the health check, security headers, and errors that are always JSON."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from webapp import create_app
from webapp.errors import CSP

# Pages and headers: the same on either engine.
ENGINES = ["sqlite"]


@pytest.mark.parametrize(
    ("path", "marker"),
    [("/", b"/static/app.js"), ("/join?code=abc", b"/static/app.js"),
     ("/display", b"/static/display.js"), ("/", b"/static/live.js"),
     ("/display", b"/static/live.js"), ("/barista", b"/static/barista.js"),
     ("/barista", b"/static/live.js")],
)
def test_pages_render_their_html(client, path, marker):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert marker in response.data


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "sockets": 0, "guest_sockets": 0}


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/menu", "/nope", "/static/app.js"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_csp_allows_no_inline_code():
    assert "'unsafe-inline'" not in CSP
    assert "script-src 'self';" in CSP
    assert "frame-ancestors 'none'" in CSP


def test_api_responses_are_not_cached(client):
    assert client.get("/api/display").headers["Cache-Control"] == "no-store"


def test_the_menu_is_kept_but_revalidated(client):
    """Public and the same for everyone: a phone keeps it and asks with its ETag."""
    first = client.get("/api/menu")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/api/menu", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_unknown_path_is_json_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/api/menu")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_plain_get_on_the_websocket_route_is_json(client):
    response = client.get("/ws")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_malformed_json_is_400_invalid_json(client, unchanged):
    response = client.post(
        "/api/register", data="{not json", content_type="application/json",
        headers={"X-Registration-Code": "x"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("body", ["[1, 2]", '"Ana"', "42", "null"])
def test_body_must_be_an_object(client, body, unchanged):
    response = client.post(
        "/api/register", data=body, content_type="application/json",
        headers={"X-Registration-Code": "x"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_oversized_body_is_json_413(client, make, unchanged):
    code = make.code()
    response = client.post(
        "/api/register", json={"username": "Ana", "pad": "x" * 20_000},
        headers={"X-Registration-Code": code},
    )
    assert response.status_code == 413
    assert response.is_json
    assert response.json["error"]["code"] == "request_entity_too_large"


def test_unexpected_error_is_json_500_without_a_traceback(app: Flask):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json == {
        "error": {"code": "internal_error", "message": "something went wrong on our side"}
    }
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert response.headers["X-Frame-Options"] == "DENY"


def test_qr_svg_draws_the_given_data(client):
    response = client.get("/qr.svg?data=http%3A%2F%2F192.168.1.20%3A8000%2Fjoin%3Fcode%3Dabc")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.data
    too_long = client.get("/qr.svg?data=" + "x" * 513)
    assert too_long.status_code == 400 and too_long.json["error"]["code"] == "invalid_input"
    assert client.get("/qr.svg").status_code == 400


def test_the_board_speaks_the_hosts_language_unless_the_address_says(settings, keys, clock):
    app = create_app(dataclasses.replace(settings, language="pt"), clock=clock)
    try:
        client = app.test_client()
        german_tv = {"Accept-Language": "de-DE,de;q=0.9"}  # a TV's own language is not the room's
        assert b'<html lang="pt" data-catalog="board"' in client.get("/display", headers=german_tv).data
        assert b'<html lang="de"' in client.get("/display?lang=de").data
        assert b'<html lang="pt"' in client.get("/display?lang=tlh").data  # not spoken here
    finally:
        app.extensions["bar"].hub.stop()


def test_the_tablet_is_served_in_its_own_language(client):
    page = client.get("/barista", headers={"Accept-Language": "fr-CH,fr;q=0.9,en;q=0.5"}).data
    assert b'<html lang="fr" data-catalog="tablet"' in page
    assert b'<html lang="es"' in client.get("/barista?lang=es").data
    assert b'<html lang="en"' in client.get("/barista").data
