"""Registration, refresh, logout, admin sign-in, and every way a token can be wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bar import registration, tokens
from bar.models import Guest, RefreshToken, RegistrationCode
from tests.webapp.conftest import ADMIN_PASSWORD, table_counts

# -- registration -----------------------------------------------------------------------


def test_register_creates_a_guest_and_tokens(client, make, keys, clock):
    code = make.code(max_uses=3)
    response = client.post(
        "/api/register", json={"username": "  Ana Lopez "},
        headers={"X-Registration-Code": code, "User-Agent": "PhoneBrowser/1.0"},
    )
    assert response.status_code == 201
    body = response.json
    assert body["user"]["username"] == "Ana Lopez"
    assert body["expires_in"] == 4 * 3600
    claims = tokens.verify_access(keys, body["access_token"], issuer="bar", now=clock())
    assert (claims.user_key, claims.role) == (body["user"]["user_key"], "guest")
    guest = Guest.get(Guest.user_key == body["user"]["user_key"])
    assert guest.username == "Ana Lopez"
    assert RegistrationCode.get(RegistrationCode.code == code).use_count == 1
    assert RefreshToken.get(RefreshToken.guest == guest).device_info == "PhoneBrowser/1.0"


def test_register_without_a_code_is_401(client, unchanged):
    response = client.post("/api/register", json={"username": "Ana"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "code_missing"


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda make: "not-a-real-code", "code_invalid"),
        (lambda make: make.code(expires=timedelta(minutes=1)), "code_expired"),
        (lambda make: registration.revoke_code(make.code()).code, "code_revoked"),
        (lambda make: make.code(max_uses=1), "code_used_up"),
    ],
    ids=["invalid", "expired", "revoked", "used-up"],
)
def test_register_with_a_refused_code_is_403(client, make, clock, api, setup, error):
    code = setup(make)
    if error == "code_used_up":
        api.register("First", code=code)
    if error == "code_expired":
        clock.advance(minutes=2)
    before = Guest.select().count()
    response = client.post(
        "/api/register", json={"username": "Ana"}, headers={"X-Registration-Code": code}
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == error
    assert Guest.select().count() == before


@pytest.mark.parametrize(
    "name", ["A", " b ", "x" * 51, "Ana\x00", "Ana\nBob", "Ana\u202eevil", 42, None, ""],
    ids=["too-short", "short-after-trim", "too-long", "nul", "newline", "bidi", "number",
         "null", "empty"],
)
def test_register_with_a_bad_name_is_400_and_uses_no_code(client, make, name):
    code = make.code(max_uses=5)
    response = client.post(
        "/api/register", json={"username": name}, headers={"X-Registration-Code": code}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert Guest.select().count() == 0
    assert RegistrationCode.get(RegistrationCode.code == code).use_count == 0


def test_markup_in_a_name_is_kept_as_text(api):
    guest = api.register("<script>alert(1)</script>")
    assert guest.username == "<script>alert(1)</script>"


# -- refresh and logout -----------------------------------------------------------------


def test_refresh_rotates_the_token(client, api):
    guest = api.register()
    response = client.post("/api/auth/refresh", json={"refresh_token": guest.refresh_token})
    assert response.status_code == 200
    assert set(response.json) == {"access_token", "refresh_token", "expires_in"}
    assert response.json["refresh_token"] != guest.refresh_token
    orders = client.get("/api/orders", headers={
        "Authorization": f"Bearer {response.json['access_token']}"})
    assert orders.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(client, api):
    guest = api.register()
    first = client.post("/api/auth/refresh", json={"refresh_token": guest.refresh_token})
    reuse = client.post("/api/auth/refresh", json={"refresh_token": guest.refresh_token})
    assert reuse.status_code == 401
    assert reuse.json["error"]["code"] == "refresh_invalid"
    again = client.post("/api/auth/refresh", json={"refresh_token": first.json["refresh_token"]})
    assert again.status_code == 401


@pytest.mark.parametrize("body", [{}, {"refresh_token": None}, {"refresh_token": 5}])
def test_refresh_without_a_token_is_400(client, body, unchanged):
    response = client.post("/api/auth/refresh", json=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_refresh_with_an_unknown_token_is_401(client, unchanged):
    response = client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "refresh_invalid"


def test_expired_refresh_token_is_401(client, api, clock):
    guest = api.register()
    clock.advance(days=2, seconds=1)
    response = client.post("/api/auth/refresh", json={"refresh_token": guest.refresh_token})
    assert response.status_code == 401


def test_logout_revokes_the_refresh_token(client, api):
    guest = api.register()
    response = client.post("/api/auth/logout", json={"refresh_token": guest.refresh_token})
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    refresh = client.post("/api/auth/refresh", json={"refresh_token": guest.refresh_token})
    assert refresh.status_code == 401


def test_logout_with_an_unknown_token_is_401(client, unchanged):
    response = client.post("/api/auth/logout", json={"refresh_token": "made-up"})
    assert response.status_code == 401


# -- admin sign-in ----------------------------------------------------------------------


def test_admin_login_gives_an_admin_token(client, api, keys, clock):
    headers = api.admin_login("sam")
    claims = tokens.verify_access(keys, headers["Authorization"][7:], issuer="bar", now=clock())
    assert (claims.role, claims.username) == ("admin", "sam")


@pytest.mark.parametrize(
    ("body", "status"),
    [({"username": "sam", "password": "wrong password"}, 401),
     ({"username": "nobody", "password": ADMIN_PASSWORD}, 401),
     ({"username": "sam"}, 400),
     ({"username": ["sam"], "password": ADMIN_PASSWORD}, 400)],
)
def test_admin_login_refused(client, api, body, status):
    api.admin_login("sam")
    response = client.post("/api/admin/login", json=body)
    assert response.status_code == status
    assert "access_token" not in response.json


# -- bad tokens -------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(clock, guest, **extra):
    now = int(clock().timestamp())
    return {"token_type": "access", "user_key": guest.user_key, "username": guest.username,
            "role": "guest", "iat": now, "exp": now + 3600, "iss": "bar", **extra}


def _forged(kind: str, clock, guest, keys) -> str:
    if kind == "other-key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(_claims(clock, guest), other, algorithm="RS256")
    if kind == "alg-none":
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{_b64(json.dumps(_claims(clock, guest)).encode())}."
    if kind == "hs256-public-key":
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        signing_input = f"{header}.{_b64(json.dumps(_claims(clock, guest)).encode())}"
        signature = hmac.new(keys.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"
    if kind == "not-access":
        return jwt.encode(_claims(clock, guest, token_type="refresh"), keys.private_pem,
                          algorithm="RS256")
    if kind == "tampered":
        token = tokens.issue_access(keys, user_key=guest.user_key, username=guest.username,
                                    role="guest", issuer="bar", ttl=timedelta(hours=1),
                                    now=clock())
        head, _, sig = token.split(".")
        payload = _b64(json.dumps(_claims(clock, guest, role="admin")).encode())
        return f"{head}.{payload}.{sig}"
    if kind == "refresh-token":
        return guest.refresh_token
    return "garbage"


@pytest.mark.parametrize(
    "kind", ["other-key", "alg-none", "hs256-public-key", "not-access", "tampered",
             "refresh-token", "garbage"],
)
def test_bad_token_is_401_token_invalid_and_touches_nothing(client, api, clock, keys, kind):
    guest = api.register()
    forged = _forged(kind, clock, guest, keys)
    before = table_counts()
    response = client.post("/api/orders", json={"drink_id": "negroni"},
                           headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_invalid"
    assert table_counts() == before


def test_expired_token_is_401_token_expired(client, api, clock):
    guest = api.register()
    clock.advance(hours=4)
    before = table_counts()
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=guest.auth)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"
    assert table_counts() == before


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "token_missing"), ({"Authorization": "Basic abc"}, "token_invalid"),
     ({"Authorization": "Bearer"}, "token_invalid")],
)
def test_missing_or_malformed_authorization_is_401(client, headers, code):
    response = client.get("/api/orders", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/admin/orders"), ("post", "/api/admin/shop"),
     ("get", "/api/admin/drinks"), ("post", "/api/admin/registration-codes"),
     ("get", "/api/admin/scan-code"), ("post", "/api/admin/drinks/negroni/stock")],
)
def test_guest_token_on_admin_routes_is_403(client, api, method, path):
    guest = api.register()
    before = table_counts()
    response = getattr(client, method)(path, json={"is_open": False}, headers=guest.auth)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert table_counts() == before


def test_admin_token_on_guest_routes_is_403(client, api, unchanged):
    admin = api.admin()
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=admin)
    assert response.status_code == 403
