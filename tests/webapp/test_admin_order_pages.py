"""`GET /api/admin/orders` a page at a time: `limit`, a `before` cursor and a `next` link."""

from __future__ import annotations

from typing import Any

import pytest

from bar import orders
from bar.models import Order
from tests.crowd import insert_orders
from webapp.admin import ORDERS_PAGE, ORDERS_PAGE_MAX


@pytest.fixture
def crowd(make, clock) -> list[str]:
    """260 orders in every status, groups of 7 sharing one `created_at`."""
    return insert_orders([make.guest("Ana"), make.guest("Bob")], 260, start=clock())


def read_all(client, admin, url: str) -> list[dict[str, Any]]:
    """Every page from `url` on, following `next`; the orders of all pages in turn."""
    pages = []
    while url:
        response = client.get(url, headers=admin)
        assert response.status_code == 200, response.json
        pages.append(response.json)
        url = response.json["next"]
        assert len(pages) < 100  # a `next` that never ends would be a bug
    return [o for page in pages for o in page["orders"]]


def test_following_next_reads_every_order_once_newest_first(client, api, crowd):
    admin = api.admin()
    first = client.get("/api/admin/orders?limit=50", headers=admin).json
    assert len(first["orders"]) == 50
    assert first["next"].startswith("/api/admin/orders?")
    listed = read_all(client, admin, "/api/admin/orders?limit=50")
    ids = [o["order_id"] for o in listed]
    assert len(ids) == len(set(ids)) == 260 and set(ids) == set(crowd)
    assert ids == [o.id for o in orders.list_orders(limit=1000)]  # newest first, ties broken


def test_the_default_page_and_the_largest(client, api, crowd):
    admin = api.admin()
    default = client.get("/api/admin/orders", headers=admin).json
    assert len(default["orders"]) == ORDERS_PAGE and default["next"]
    largest = client.get(f"/api/admin/orders?limit={ORDERS_PAGE_MAX}", headers=admin).json
    assert len(largest["orders"]) == 260 and largest["next"] is None


def test_next_keeps_the_status_filter(client, api, crowd):
    admin = api.admin()
    url = "/api/admin/orders?status=pending,ready&limit=20"
    assert "status=pending" in client.get(url, headers=admin).json["next"]
    listed = read_all(client, admin, url)
    wanted = Order.select().where(Order.status.in_(("pending", "ready"))).count()
    assert len(listed) == len({o["order_id"] for o in listed}) == wanted
    assert {o["status"] for o in listed} == {"pending", "ready"}


def test_orders_placed_between_pages_are_neither_lost_nor_repeated(client, api, make, crowd, clock):
    admin = api.admin()
    first = client.get("/api/admin/orders?limit=100", headers=admin).json
    clock.advance(minutes=5)
    [newer] = insert_orders([make.guest("Cai")], 1, start=clock())  # newer than every listed one
    rest = read_all(client, admin, first["next"])
    ids = [o["order_id"] for o in first["orders"] + rest]
    assert len(ids) == len(set(ids)) == 260 and set(ids) == set(crowd)
    top = client.get("/api/admin/orders?limit=1", headers=admin).json["orders"]
    assert top[0]["order_id"] == newer


def test_the_last_page_says_so(client, api):
    admin = api.admin()
    order = api.order(api.register())
    body = client.get("/api/admin/orders", headers=admin).json
    assert [o["order_id"] for o in body["orders"]] == [order["order_id"]]
    assert body["next"] is None
    after = client.get(f"/api/admin/orders?before={order['order_id']}", headers=admin).json
    assert after["orders"] == [] and after["next"] is None


@pytest.mark.parametrize(
    "query", ["limit=0", f"limit={ORDERS_PAGE_MAX + 1}", "limit=ten", "limit=-1", "limit=",
              "before=no-such-order"],
)
def test_a_bad_limit_or_cursor_is_a_clear_400(client, api, query):
    response = client.get(f"/api/admin/orders?{query}", headers=api.admin())
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_input"
    assert ("limit" in error["message"]) != ("no-such-order" in error["message"])
