"""The menu, and a guest's orders and notifications over the API."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests

from bar import events, menu, notifications, orders, scan, shop
from bar.models import Order
from tests.conftest import with_rules
from tests.webapp.conftest import table_counts
from webapp import create_app


def test_menu_lists_drinks_and_the_bar(client, clock):
    menu.set_in_stock("margarita", False, now=clock())
    response = client.get("/api/menu")
    assert response.status_code == 200
    body = response.json
    assert body["bar"] == {"name": "Friday Night Bar", "is_open": True, "queue_full": False,
                           "mode": "party", "currency": ""}
    drinks = {d["id"]: d for d in body["drinks"]}
    assert drinks["negroni"]["modifiers"] == {"ice": ["big cube", "crushed", "no ice"]}
    assert drinks["margarita"]["is_active"] is False
    assert drinks["negroni"]["is_active"] is True


def test_menu_says_when_the_bar_is_closed(client, clock):
    shop.set_open(False, now=clock())
    assert client.get("/api/menu").json["bar"]["is_open"] is False


# -- placing orders ---------------------------------------------------------------------


def test_place_an_order(client, api):
    guest = api.register("Ana Lopez")
    response = client.post(
        "/api/orders", json={"drink_id": "flat-white", "modifiers": {"milk": "oat"},
                             "note": "extra hot"},
        headers=guest.auth,
    )
    assert response.status_code == 201
    order = response.json["order"]
    assert order["number"] == 1
    assert order["status"] == "pending"
    assert order["drink_name"] == "Flat White"
    assert order["modifiers"]["milk"] == "oat"
    assert order["note"] == "extra hot"
    row = Order.get_by_id(order["order_id"])
    assert row.guest.user_key == guest.user_key


def test_same_idempotency_key_twice_makes_one_order(client, api):
    guest = api.register()
    headers = {**guest.auth, "Idempotency-Key": "tap-1"}
    first = client.post("/api/orders", json={"drink_id": "negroni"}, headers=headers)
    second = client.post("/api/orders", json={"drink_id": "negroni"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["order"]["order_id"] == second.json["order"]["order_id"]
    assert Order.select().count() == 1


def test_concurrent_retries_with_one_key_make_one_order(live_server, api):
    guest = api.register()
    headers = {**guest.auth, "Idempotency-Key": "double-tap"}
    results: list[requests.Response] = []

    def post() -> None:
        results.append(requests.post(f"{live_server}/api/orders", json={"drink_id": "negroni"},
                                     headers=headers, timeout=10))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(r.status_code for r in results) == [200] * 5 + [201]
    assert len({r.json()["order"]["order_id"] for r in results}) == 1
    assert Order.select().count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"drink_id": "mojito"}, 404, "not_found"),
        ({}, 400, "invalid_input"),
        ({"drink_id": 7}, 400, "invalid_input"),
        ({"drink_id": "negroni", "modifiers": {"ice": "lava"}}, 400, "invalid_input"),
        ({"drink_id": "negroni", "modifiers": {"sugar": "yes"}}, 400, "invalid_input"),
        ({"drink_id": "negroni", "modifiers": ["ice"]}, 400, "invalid_input"),
        ({"drink_id": "negroni", "note": "x" * 201}, 400, "invalid_input"),
        ({"drink_id": "negroni", "note": "bell\x07"}, 400, "invalid_input"),
        ({"drink_id": "negroni", "note": 5}, 400, "invalid_input"),
        ({"drink_id": "negroni", "scan_code": 5}, 400, "invalid_input"),
    ],
    ids=["unknown-drink", "no-drink", "drink-not-text", "bad-option", "bad-modifier",
         "modifiers-not-object", "note-too-long", "note-control-char", "note-not-text",
         "scan-code-not-text"],
)
def test_bad_orders_are_refused_and_write_nothing(client, api, body, status, code):
    guest = api.register()
    before = table_counts()
    response = client.post("/api/orders", json=body, headers=guest.auth)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert table_counts() == before


def test_out_of_stock_drink_is_404(client, api, clock):
    guest = api.register()
    menu.set_in_stock("negroni", False, now=clock())
    before = table_counts()
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=guest.auth)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "drink_unavailable"
    assert table_counts() == before


def test_closed_bar_is_409(client, api, clock):
    guest = api.register()
    shop.set_open(False, now=clock())
    before = table_counts()
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=guest.auth)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "shop_closed"
    # Nothing but the refusal's own record and its admin event (bar.refusals).
    assert table_counts() == {**before, "events": before["events"] + 1}
    assert events.read_last(1)[0].type == events.ORDER_REFUSED


def test_per_guest_limit_is_409(client, api):
    guest = api.register()
    api.order(guest)
    api.order(guest)
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=guest.auth)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "too_many_open_orders"
    assert Order.select().count() == 2


def test_full_queue_is_409(settings, keys, clock, make):
    app = create_app(with_rules(settings, max_queue=1), clock=clock)
    client = app.test_client()
    code = make.code()
    tokens = []
    for name in ("Ana", "Bob"):
        response = client.post("/api/register", json={"username": name},
                               headers={"X-Registration-Code": code})
        tokens.append({"Authorization": f"Bearer {response.json['access_token']}"})
    assert client.post("/api/orders", json={"drink_id": "negroni"},
                       headers=tokens[0]).status_code == 201
    # The menu says so before anyone picks a drink.
    assert client.get("/api/menu").json["bar"]["queue_full"] is True
    response = client.post("/api/orders", json={"drink_id": "negroni"}, headers=tokens[1])
    assert response.status_code == 409
    assert response.json["error"]["code"] == "queue_full"
    assert Order.select().count() == 1
    orders.advance(Order.get().id, barista="Joe", now=clock())
    orders.advance(Order.get().id, barista="Joe", now=clock())
    assert client.get("/api/menu").json["bar"]["queue_full"] is False
    app.extensions["bar"].hub.stop()


@pytest.fixture
def popup_client(settings, keys, clock):
    popup = with_rules(settings, mode="popup", drinks_per_window=1)
    app = create_app(popup, clock=clock)
    yield app.test_client(), popup
    app.extensions["bar"].hub.stop()


def test_popup_orders_need_a_current_scan_code(popup_client, clock):
    client, popup = popup_client
    code = scan.current(popup.rules, now=clock()).code
    # In pop-up mode the scan code registers too.
    registered = client.post("/api/register", json={"username": "Ana"},
                             headers={"X-Registration-Code": code})
    assert registered.status_code == 201
    auth = {"Authorization": f"Bearer {registered.json['access_token']}"}

    def order(**body):
        return client.post("/api/orders", json={"drink_id": "negroni", **body}, headers=auth)

    missing = order()
    assert (missing.status_code, missing.json["error"]["code"]) == (409, "scan_code_missing")
    wrong = order(scan_code="not-ours")
    assert (wrong.status_code, wrong.json["error"]["code"]) == (409, "scan_code_invalid")
    assert order(scan_code=code).status_code == 201
    spent = order(scan_code=code)
    assert (spent.status_code, spent.json["error"]["code"]) == (409, "window_spent")
    clock.advance(popup.rules.rotate_every + popup.rules.scan_grace + timedelta(seconds=1))
    stale = order(scan_code=code)
    assert (stale.status_code, stale.json["error"]["code"]) == (409, "scan_code_stale")
    assert Order.select().count() == 1


# -- listing and cancelling -------------------------------------------------------------


def test_guest_sees_only_own_orders_newest_first(client, api, clock):
    ana, bob = api.register("Ana"), api.register("Bob")
    first = api.order(ana)
    clock.advance(seconds=5)
    second = api.order(ana, "margarita")
    api.order(bob)
    response = client.get("/api/orders", headers=ana.auth)
    assert response.status_code == 200
    assert [o["order_id"] for o in response.json["orders"]] == [
        second["order_id"], first["order_id"]]


def test_guest_cancels_own_pending_order(client, api):
    guest = api.register()
    order = api.order(guest)
    response = client.post(f"/api/orders/{order['order_id']}/cancel", json={}, headers=guest.auth)
    assert response.status_code == 200
    assert response.json["order"]["status"] == "cancelled"
    assert Order.get_by_id(order["order_id"]).status == "cancelled"


def test_cancelling_another_guests_order_is_403(client, api):
    ana, bob = api.register("Ana"), api.register("Bob")
    order = api.order(ana)
    before = table_counts()
    response = client.post(f"/api/orders/{order['order_id']}/cancel", headers=bob.auth)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert table_counts() == before


def test_cancelling_a_claimed_order_is_409(client, api, clock):
    guest = api.register()
    order = api.order(guest)
    orders.move(order["order_id"], "preparing", actor="barista", barista="sam", now=clock())
    before = table_counts()
    response = client.post(f"/api/orders/{order['order_id']}/cancel", headers=guest.auth)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_transition"
    assert table_counts() == before


def test_cancelling_an_unknown_order_is_404(client, api):
    guest = api.register()
    response = client.post("/api/orders/no-such-order/cancel", headers=guest.auth)
    assert response.status_code == 404


# -- notifications ----------------------------------------------------------------------


def test_notifications_list_and_mark_read(client, api, clock):
    guest = api.register()
    order = api.order(guest)
    for status in ("preparing", "ready"):
        orders.move(order["order_id"], status, actor="barista", barista="sam", now=clock())
    notifications.announce("Last call!", now=clock())
    listed = client.get("/api/notifications", headers=guest.auth)
    assert listed.status_code == 200
    items = listed.json["notifications"]
    assert [n["type"] for n in items] == ["ORDER_READY", "ANNOUNCEMENT"]
    assert items[0]["payload"]["order_id"] == order["order_id"]

    marked = client.post("/api/notifications/read", json={"ids": [items[0]["id"]]},
                         headers=guest.auth)
    assert marked.json == {"marked": 1}
    left = client.get("/api/notifications", headers=guest.auth).json["notifications"]
    assert [n["type"] for n in left] == ["ANNOUNCEMENT"]
    assert client.post("/api/notifications/read", headers=guest.auth).json == {"marked": 1}
    assert client.get("/api/notifications", headers=guest.auth).json["notifications"] == []


def test_guest_cannot_mark_another_guests_notifications(client, api, clock):
    ana, bob = api.register("Ana"), api.register("Bob")
    notifications.announce("hello", now=clock())
    ana_ids = [n["id"] for n in client.get("/api/notifications", headers=ana.auth).json[
        "notifications"]]
    response = client.post("/api/notifications/read", json={"ids": ana_ids}, headers=bob.auth)
    assert response.json == {"marked": 0}
    assert len(client.get("/api/notifications", headers=ana.auth).json["notifications"]) == 1


@pytest.mark.parametrize("ids", ["1", [True], ["1"], {"a": 1}])
def test_mark_read_with_bad_ids_is_400(client, api, ids):
    guest = api.register()
    response = client.post("/api/notifications/read", json={"ids": ids}, headers=guest.auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_wrong_scan_codes_are_limited_per_guest(popup_client, clock):
    client, popup = popup_client
    code = scan.current(popup.rules, now=clock()).code

    def join(name):
        joined = client.post("/api/register", json={"username": name},
                             headers={"X-Registration-Code": code})
        assert joined.status_code == 201
        return {"Authorization": f"Bearer {joined.json['access_token']}"}

    guesser, other = join("Eve"), join("Ana")

    def order(auth, scan_code):
        return client.post("/api/orders", json={"drink_id": "negroni", "scan_code": scan_code},
                           headers=auth)

    for guess in range(popup.orders_per_minute):
        assert order(guesser, f"guess-{guess}").json["error"]["code"] == "scan_code_invalid"
    refused = order(guesser, "guess-next")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert order(guesser, code).status_code == 429  # even the right code, for the minute
    assert order(other, code).status_code == 201  # another guest is not affected
    clock.advance(seconds=61)
    assert order(guesser, "guess-late").json["error"]["code"] == "scan_code_invalid"
    assert Order.select().count() == 1
