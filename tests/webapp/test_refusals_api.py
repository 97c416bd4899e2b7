"""Orders turned away, through the HTTP API and the admin WebSocket (`bar.refusals`)."""

from __future__ import annotations

import requests

from bar import events, orders, refusals, shop, stats
from bar.models import Refusal
from tests.webapp.test_ws import is_event


def test_a_guest_hammering_a_closed_bar_is_counted_without_a_write_per_tap(
    client, api, app, clock, settings
):
    guest = api.register("Ana")
    shop.set_open(False, now=clock())
    for _ in range(10):
        response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=guest.auth)
        assert response.status_code == 409
        assert response.json["error"]["code"] == "shop_closed"
        clock.advance(seconds=0.5)
    # The first refusal is written with its event; the other nine are held back.
    assert [(r.reason, r.count) for r in Refusal.select()] == [("shop_closed", 1)]
    assert len(events.read_since(0, types=[events.ORDER_REFUSED])) == 1

    clock.advance(refusals.WINDOW)
    assert app.extensions["bar"].hub.housekeeping.tick().refusals == 1
    assert [(r.reason, r.count) for r in Refusal.select()] == [("shop_closed", 1),
                                                               ("shop_closed", 9)]
    day = orders.business_day(clock(), settings.day_starts_at)
    assert stats.compute(day).refused == {"shop_closed": 10}


def test_admins_hear_of_refusals_live_and_guests_never_do(ws_client, api, clock, live_server):
    ana, bo = api.register("Ana"), api.register("Bo")
    admin = ws_client()
    admin.auth(api.admin()["Authorization"].removeprefix("Bearer "))
    admin.subscribe(events.ADMIN)
    watcher = ws_client()  # another guest, on every channel a guest may read
    watcher.auth(bo.access_token)
    watcher.subscribe(bo.channel, events.DISPLAY, events.CONFIG, events.ANNOUNCEMENTS)
    own = ws_client()  # the refused guest's own page
    own.auth(ana.access_token)
    own.subscribe(ana.channel, events.CONFIG)
    shop.set_open(False, now=clock())
    for ws in (watcher, own):
        assert ws.recv_until(is_event("SHOP_STATUS_CHANGED"))[-1]["channel"] == events.CONFIG

    def tap() -> None:
        response = requests.post(f"{live_server}/api/orders", json={"drink_id": "negroni"},
                                 headers=ana.auth, timeout=15)
        assert response.status_code == 409, response.text

    tap()
    seen = admin.recv_until(is_event("ORDER_REFUSED"))[-1]
    assert seen["channel"] == events.ADMIN
    assert {k: seen["event"][k] for k in ("type", "user_key", "username", "reason", "count")} == {
        "type": "ORDER_REFUSED", "user_key": ana.user_key, "username": "Ana",
        "reason": "shop_closed", "count": 1}

    # Three more taps are held back; past the window the hub's housekeeping writes them
    # as one event.
    for _ in range(3):
        tap()
    clock.advance(refusals.WINDOW)
    later = admin.recv_until(is_event("ORDER_REFUSED"))[-1]
    assert (later["event"]["user_key"], later["event"]["count"]) == (ana.user_key, 3)

    # The next thing either guest hears is the bar opening: no refusal came before it.
    shop.set_open(True, now=clock())
    for ws in (watcher, own):
        assert ws.recv()["event"]["type"] == "SHOP_STATUS_CHANGED"
    # Nor does a replay from the start show one.
    replay = ws_client()
    replay.auth(ana.access_token)
    replayed = replay.subscribe(ana.channel, events.CONFIG, events.DISPLAY, since=0)
    assert all(m.get("event", {}).get("type") != "ORDER_REFUSED" for m in replayed)
