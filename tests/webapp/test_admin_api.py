"""Admin routes: invite codes, the queue, the shop, stock, the scan code; and the board."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from bar import board, notifications, orders, registration, shop
from bar.models import Drink, Order, RegistrationCode
from tests.conftest import with_rules
from tests.webapp.conftest import ApiActions, table_counts
from webapp import create_app

# -- registration codes -----------------------------------------------------------------


def test_create_a_code_with_a_duration(client, api, clock):
    admin = api.admin("sam")
    response = client.post("/api/admin/registration-codes",
                           json={"expires_at": "1d", "max_uses": 25, "notes": "friday"},
                           headers=admin)
    assert response.status_code == 201
    body = response.json
    assert body["max_uses"] == 25
    assert datetime.fromisoformat(body["expires_at"]) == clock() + timedelta(days=1)
    assert body["join_url"].endswith(f"/j/{body['code']}")
    row = RegistrationCode.get_by_id(body["code"])
    assert (row.created_by, row.notes) == ("sam", "friday")
    # The code works for registering.
    registered = client.post("/api/register", json={"username": "Ana"},
                             headers={"X-Registration-Code": body["code"]})
    assert registered.status_code == 201


def test_create_a_code_with_an_iso_time(client, api):
    admin = api.admin()
    response = client.post("/api/admin/registration-codes",
                           json={"expires_at": "2026-12-31T23:00:00+00:00", "max_uses": 2},
                           headers=admin)
    assert response.status_code == 201
    assert response.json["expires_at"].startswith("2026-12-31T23:00:00")


@pytest.mark.parametrize(
    "body",
    [{"expires_at": "1d"}, {"expires_at": "1d", "max_uses": 0},
     {"expires_at": "1d", "max_uses": "5"}, {"expires_at": "1d", "max_uses": True},
     {"expires_at": "whenever", "max_uses": 5}, {"expires_at": "2020-01-01", "max_uses": 5},
     {"expires_at": 86400, "max_uses": 5}, {"expires_at": "1d", "max_uses": 5, "notes": 3}],
)
def test_create_a_code_with_bad_input_is_400(client, api, body):
    admin = api.admin()
    response = client.post("/api/admin/registration-codes", json=body, headers=admin)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert RegistrationCode.select().count() == 0


# -- the queue --------------------------------------------------------------------------


def test_admin_lists_all_orders_and_filters_by_status(client, api, clock):
    admin = api.admin()
    ana, bob = api.register("Ana"), api.register("Bob")
    first = api.order(ana)
    clock.advance(seconds=1)
    second = api.order(bob)
    orders.move(first["order_id"], "preparing", actor="barista", barista="sam", now=clock())

    everything = client.get("/api/admin/orders", headers=admin).json["orders"]
    assert [o["order_id"] for o in everything] == [second["order_id"], first["order_id"]]
    assert {o["username"] for o in everything} == {"Ana", "Bob"}
    pending = client.get("/api/admin/orders?status=pending", headers=admin).json["orders"]
    assert [o["order_id"] for o in pending] == [second["order_id"]]
    both = client.get("/api/admin/orders?status=pending,preparing", headers=admin).json
    assert len(both["orders"]) == 2


def test_order_list_carries_the_clock_and_the_wait_rule(client, api, clock):
    admin = api.admin()
    body = client.get("/api/admin/orders?status=pending", headers=admin).json
    assert datetime.fromisoformat(body["now"]) == clock()
    # The kiosk's rule, in seconds: a web view colours ages exactly as the kiosk does.
    assert body["waits"] == {"fresh_s": 120, "late_s": 300}


def test_unknown_status_filter_is_400(client, api):
    admin = api.admin()
    response = client.get("/api/admin/orders?status=pending,lost", headers=admin)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_admin_moves_an_order_along(client, api):
    admin = api.admin("sam")
    order = api.order(api.register())
    url = f"/api/admin/orders/{order['order_id']}/status"
    claimed = client.post(url, json={"status": "preparing"}, headers=admin)
    assert claimed.status_code == 200
    assert claimed.json["order"]["status"] == "preparing"
    assert claimed.json["order"]["barista"] == "sam"
    cancelled = client.post(url, json={"status": "cancelled", "reason": "out of gin"},
                            headers=admin)
    assert cancelled.json["order"]["status"] == "cancelled"
    assert Order.get_by_id(order["order_id"]).cancel_reason == "out of gin"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({"status": "served"}, 409, "invalid_transition"),
     ({"status": "expired"}, 409, "invalid_transition"),
     ({"status": "gone"}, 400, "invalid_input"),
     ({}, 400, "invalid_input"),
     ({"status": "cancelled", "reason": 4}, 400, "invalid_input")],
)
def test_refused_moves(client, api, body, status, code):
    admin = api.admin()
    order = api.order(api.register())
    before = table_counts()
    response = client.post(f"/api/admin/orders/{order['order_id']}/status", json=body,
                           headers=admin)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert table_counts() == before


def test_moving_an_unknown_order_is_404(client, api):
    admin = api.admin()
    response = client.post("/api/admin/orders/nope/status", json={"status": "preparing"},
                           headers=admin)
    assert response.status_code == 404


# -- shop and stock ---------------------------------------------------------------------


def test_admin_closes_and_opens_the_bar(client, api):
    admin = api.admin()
    closed = client.post("/api/admin/shop", json={"is_open": False}, headers=admin)
    assert closed.json == {"is_open": False}
    assert shop.is_open() is False
    opened = client.post("/api/admin/shop", json={"is_open": True}, headers=admin)
    assert opened.json == {"is_open": True}
    assert shop.is_open() is True


@pytest.mark.parametrize("body", [{}, {"is_open": "no"}, {"is_open": 0}])
def test_shop_needs_a_boolean(client, api, body):
    admin = api.admin()
    response = client.post("/api/admin/shop", json=body, headers=admin)
    assert response.status_code == 400
    assert shop.is_open() is True


def test_admin_lists_drinks_and_sets_stock(client, api):
    admin = api.admin()
    drinks = client.get("/api/admin/drinks", headers=admin).json["drinks"]
    assert "negroni" in {d["id"] for d in drinks}
    response = client.post("/api/admin/drinks/negroni/stock", json={"is_active": False},
                           headers=admin)
    assert response.status_code == 200
    assert response.json["drink"]["is_active"] is False
    assert Drink.get_by_id("negroni").is_active is False


def test_stock_of_an_unknown_drink_is_404(client, api):
    admin = api.admin()
    response = client.post("/api/admin/drinks/mojito/stock", json={"is_active": False},
                           headers=admin)
    assert response.status_code == 404


# -- scan code --------------------------------------------------------------------------


def test_scan_code_in_party_mode_is_409(client, api):
    admin = api.admin()
    response = client.get("/api/admin/scan-code", headers=admin)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_popup"


def test_scan_code_in_popup_mode(settings, keys, clock, make):
    popup = with_rules(settings, mode="popup", drinks_per_window=10)
    app = create_app(popup, clock=clock)
    client = app.test_client()
    admin = ApiActions(client, make).admin()
    body = client.get("/api/admin/scan-code", headers=admin).json
    assert body["drinks_remaining"] == 10
    assert body["join_url"].endswith(f"/j/{body['code']}")
    assert datetime.fromisoformat(body["rotates_at"]) > clock()
    # Same window, same code.
    assert client.get("/api/admin/scan-code", headers=admin).json["code"] == body["code"]


# -- the public board -------------------------------------------------------------------


def test_display_shows_first_names_and_numbers_only(client, api, clock):
    ana = api.register("Ana Lopez")
    bob = api.register("Bob")
    making = api.order(ana)
    done = api.order(bob)
    waiting = api.order(ana, "margarita", note="extra salt, it's my birthday")  # in line
    orders.move(making["order_id"], "preparing", actor="barista", barista="sam", now=clock())
    for status in ("preparing", "ready"):
        orders.move(done["order_id"], status, actor="barista", barista="sam", now=clock())
    response = client.get("/api/display")
    assert response.status_code == 200
    body = response.json
    assert body["bar"]["name"] == "Friday Night Bar"
    assert [(o["number"], o["first_name"]) for o in body["preparing"]] == [(1, "Ana")]
    assert [(o["number"], o["first_name"]) for o in body["ready"]] == [(2, "Bob")]
    assert [(o["number"], o["first_name"]) for o in body["waiting"]] == [(waiting["number"], "Ana")]
    assert body["waiting_count"] == 1
    text = response.get_data(as_text=True)
    for secret in (ana.user_key, "order_id", "birthday", "Lopez"):
        assert secret not in text


def test_display_shows_the_party_invite_only_when_the_host_lets_it(settings, keys, clock, make):
    code = make.code()
    for show, mode, expected in ((True, "party", code), (False, "party", None),
                                 (True, "popup", None)):
        board_settings = dataclasses.replace(
            with_rules(settings, mode=mode), show_join_code=show)
        app = create_app(board_settings, clock=clock)
        try:
            body = app.test_client().get("/api/display").json
        finally:
            app.extensions["bar"].hub.stop()
        assert body["show_join_code"] is show
        shown = body["invite"] and body["invite"]["code"]
        assert shown == expected, (show, mode)
        if expected:
            assert body["invite"]["join_url"].endswith(f"/j/{code}")
    assert len(registration.list_codes()) == 1  # reading the board made no code


def test_display_shows_a_fresh_announcement(client, clock):
    notifications.announce("Last call!", now=clock())
    clock.advance(seconds=30)
    news = client.get("/api/display").json["announcement"]
    assert news["message"] == "Last call!"
    assert news["seconds_left"] == board.ANNOUNCEMENT_SHOWN_FOR.total_seconds() - 30
    clock.advance(minutes=5)
    assert client.get("/api/display").json["announcement"] is None


def test_display_shows_at_most_14_per_column_oldest_first(client, api, make, clock):
    code = make.code(max_uses=16)
    guest_orders = []
    for i in range(16):
        clock.advance(seconds=7)  # under the limit of 10 registrations a minute per address
        guest_orders.append(api.order(api.register(f"Guest{i:02d}", code=code)))
    for order in guest_orders:
        orders.move(order["order_id"], "preparing", actor="barista", barista="sam", now=clock())
    preparing = client.get("/api/display").json["preparing"]
    assert [o["number"] for o in preparing] == list(range(1, 15))
