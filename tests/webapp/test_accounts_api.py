"""Accounts over the real server: a kicked guest is out at once, on HTTP and on the socket."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from bar import events
from tests.webapp.conftest import Closed


def test_kicked_guest_is_refused_and_their_socket_closes(api, ws_client, live_server, make):
    ana, bob = api.register("Ana"), api.register("Bob")
    ana_ws, bob_ws = ws_client(), ws_client()
    ana_ws.auth(ana.access_token)
    ana_ws.subscribe(ana.channel)
    bob_ws.auth(bob.access_token)
    bob_ws.subscribe(bob.channel)

    make.kick("Ana")  # what `bar guests kick Ana` does, from another thread

    told = ana_ws.recv()
    assert (told["channel"], told["event"]["type"]) == (ana.channel, events.GUEST_SIGNED_OUT)
    assert ana_ws.closed() == 1008
    assert bob_ws.nothing_within(0.3)  # everyone else carries on

    # Her access token is still signed and unexpired, and still refused.
    orders = requests.get(f"{live_server}/api/orders", headers=ana.auth, timeout=5)
    assert orders.status_code == 401 and orders.json()["error"]["code"] == "signed_out"
    refreshed = requests.post(f"{live_server}/api/auth/refresh",
                              json={"refresh_token": ana.refresh_token}, timeout=5)
    assert refreshed.status_code == 401 and refreshed.json()["error"]["code"] == "refresh_invalid"
    again = ws_client()
    assert again.auth(ana.access_token)["code"] == "signed_out"
    assert again.closed() == 1008
    assert requests.get(f"{live_server}/api/orders", headers=bob.auth, timeout=5).status_code == 200


def test_a_kick_between_auth_and_subscribe_still_closes_the_socket(api, ws_client, make):
    ana = api.register("Ana")
    ws = ws_client()
    ws.auth(ana.access_token)
    make.kick(ana.user_key)
    ws.send({"type": "subscribe", "channels": [ana.channel]})
    with pytest.raises(Closed) as closed:
        for _ in range(5):  # `subscribed` and the event may come first, if the kick was slow
            ws.recv()
    assert closed.value.code == 1008


def test_refresh_after_the_inactivity_timeout_is_refused(api, client, clock, settings):
    ana = api.register("Ana")
    clock.advance(settings.inactivity_timeout + timedelta(seconds=1))
    response = client.post("/api/auth/refresh", json={"refresh_token": ana.refresh_token})
    assert response.status_code == 401
    assert response.json["error"] == {
        "code": "refresh_invalid", "message": "signed out after a long time without use: join again"}
