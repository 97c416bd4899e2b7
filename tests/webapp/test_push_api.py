"""`/api/push`: the push key and whether this page can use it, and a guest's browser
subscriptions, kept per session (the refresh token names it)."""

from __future__ import annotations

from bar.models import PushSubscription
from tests.pushservice import b64

P256DH = b64(b"\x04" + bytes(range(64)))
AUTH = b64(bytes(16))


def subscription(name: str) -> dict[str, object]:
    return {"endpoint": f"https://push.example/send/{name}", "keys": {"p256dh": P256DH, "auth": AUTH}}


def test_the_push_key_is_offered_only_on_a_secure_origin(client):
    plain = client.get("/api/push").json
    assert plain["available"] is False and "HTTPS" in plain["reason"]
    assert plain["public_key"]  # made by `bar init`
    secure = client.get("/api/push", base_url="https://bar.lan").json
    assert secure == {"available": True, "public_key": plain["public_key"], "reason": ""}


def test_a_guest_subscribes_a_browser_for_this_session_only(client, api):
    ana, ben = api.register("Ana"), api.register("Ben")
    path = "/api/push/subscriptions"
    body = {"subscription": subscription("a"), "refresh_token": ana.refresh_token}
    assert client.post(path, json=body).status_code == 401  # no token
    bad = client.post(path, json={**body, "subscription": {"endpoint": "http://10.0.0.1/x"}},
                      headers=ana.auth)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_input"
    others = client.post(path, json={**body, "refresh_token": ben.refresh_token}, headers=ana.auth)
    assert others.status_code == 401  # Ben's session is not Ana's
    assert client.post(path, json=body, headers=ana.auth).status_code == 201
    assert [s.endpoint for s in PushSubscription.select()] == ["https://push.example/send/a"]

    gone = client.delete(path, json={"endpoint": "https://push.example/send/a"}, headers=ben.auth)
    assert gone.json == {"deleted": False}  # not Ben's to delete
    assert client.post(path, json=body, headers=ana.auth).status_code == 201
    logout = client.post("/api/auth/logout", json={"refresh_token": ana.refresh_token})
    assert logout.status_code == 200
    assert PushSubscription.select().count() == 0  # signed out: the browser's pushes end


def test_a_subscription_keeps_the_language_of_the_page_that_made_it(client, api):
    ana = api.register("Ana")
    path = "/api/push/subscriptions"
    for name, headers in (("pt", {"X-Bar-Language": "pt-BR"}), ("de", {"Accept-Language": "de-AT"}),
                          ("xx", {"X-Bar-Language": "ja"})):
        body = {"subscription": subscription(name), "refresh_token": ana.refresh_token}
        assert client.post(path, json=body, headers={**ana.auth, **headers}).status_code == 201
    kept = {s.endpoint.rsplit("/", 1)[1]: s.language for s in PushSubscription.select()}
    assert kept == {"pt": "pt", "de": "de", "xx": "en"}
