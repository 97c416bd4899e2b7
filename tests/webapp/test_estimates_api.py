"""Wait estimates in the guest's order dicts, over HTTP to a real server."""

from __future__ import annotations

import requests

from bar.models import Event


def _estimate(base: str, guest, order_id: str) -> dict | None:
    response = requests.get(f"{base}/api/orders/{order_id}", headers=guest.auth, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["order"]["estimate"]


def test_orders_carry_an_estimate_that_follows_the_queue(live_server, api, clock):
    base = live_server
    ana, ben = api.register("Ana"), api.register("Ben")
    placed = [
        requests.post(f"{base}/api/orders", json={"drink_id": "negroni"}, headers=g.auth, timeout=5)
        for g in (ana, ben)
    ]
    assert [r.status_code for r in placed] == [201, 201]
    first, second = (r.json()["order"] for r in placed)
    # The start of the night: the default prep time (3 min) per order ahead and own.
    assert first["estimate"] == {"position": 1, "seconds": 180, "label": "about 3 min"}
    assert second["estimate"] == {"position": 2, "seconds": 360, "label": "about 6 min"}

    listed = requests.get(f"{base}/api/orders", headers=ben.auth, timeout=5).json()["orders"]
    assert [(o["order_id"], o["estimate"]["label"]) for o in listed] == [
        (second["order_id"], "about 6 min")
    ]
    # In the language of the guest's page.
    for language, label in (("pt-BR", "cerca de 6 min"), ("de", "etwa 6 Min.")):
        listed = requests.get(f"{base}/api/orders", timeout=5,
                              headers={**ben.auth, "X-Bar-Language": language}).json()["orders"]
        assert [o["estimate"]["label"] for o in listed] == [label]

    # A barista claims Ana's order; a minute later Ben is next, behind 2 minutes of work.
    admin = api.admin("Sam")
    moved = requests.post(f"{base}/api/admin/orders/{first['order_id']}/status",
                          json={"status": "preparing"}, headers=admin, timeout=5)
    assert moved.status_code == 200
    clock.advance(minutes=1)
    assert _estimate(base, ana, first["order_id"]) == {
        "position": None, "seconds": 120, "label": "about 2 min"}
    assert _estimate(base, ben, second["order_id"]) == {
        "position": 1, "seconds": 300, "label": "about 5 min"}

    requests.post(f"{base}/api/admin/orders/{first['order_id']}/status",
                  json={"status": "ready"}, headers=admin, timeout=5).raise_for_status()
    assert _estimate(base, ana, first["order_id"]) is None  # ready: nothing to wait for
    assert _estimate(base, ben, second["order_id"]) == {
        "position": 1, "seconds": 180, "label": "about 3 min"}

    # The estimate changes with time and queue: it is never stored in an event.
    assert Event.select().count() > 0
    assert not [e.id for e in Event.select() if "estimate" in e.payload]


def test_a_guest_reads_only_their_own_order(live_server, api):
    ana, ben = api.register("Ana"), api.register("Ben")
    order = api.order(ana)
    response = requests.get(f"{live_server}/api/orders/{order['order_id']}", headers=ben.auth,
                            timeout=5)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    missing = requests.get(f"{live_server}/api/orders/nope", headers=ana.auth, timeout=5)
    assert missing.status_code == 404
    anonymous = requests.get(f"{live_server}/api/orders/{order['order_id']}", timeout=5)
    assert anonymous.status_code == 401


def test_cancelled_orders_have_no_estimate(client, api):
    ana = api.register("Ana")
    order = api.order(ana)
    response = client.post(f"/api/orders/{order['order_id']}/cancel", json={}, headers=ana.auth)
    assert response.status_code == 200
    assert response.json["order"]["status"] == "cancelled"
    assert response.json["order"]["estimate"] is None
