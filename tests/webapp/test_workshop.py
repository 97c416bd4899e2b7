"""The Serverlesspresso workshop's capacity test, over real HTTP against a real server."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest
import requests

from bar import orders
from bar.models import Order
from tests.conftest import with_rules
from webapp import create_app
from webapp.server import run_in_thread


@pytest.fixture
def capped_server(settings, keys, clock) -> Iterator[str]:
    capped = with_rules(settings, max_queue=20, max_open_orders_per_guest=1)
    # 21 phones, here all from 127.0.0.1: the per-address registration limit would refuse them.
    app = create_app(dataclasses.replace(capped, registrations_per_minute=0), clock=clock)
    server, base_url = run_in_thread(app, host="127.0.0.1", port=0)
    yield base_url
    server.shutdown()
    app.extensions["bar"].hub.stop()


def test_21st_order_is_refused_until_one_is_served(capped_server, make, clock):
    code = make.code(max_uses=30)
    session = requests.Session()
    guests = []
    for i in range(21):
        response = session.post(f"{capped_server}/api/register", json={"username": f"Guest {i}"},
                                headers={"X-Registration-Code": code}, timeout=10)
        assert response.status_code == 201
        guests.append({"Authorization": f"Bearer {response.json()['access_token']}"})

    results: list[tuple[dict[str, str], int, str]] = []
    start = threading.Barrier(21)

    def order(auth: dict[str, str]) -> None:
        start.wait()
        response = requests.post(f"{capped_server}/api/orders", json={"drink_id": "espresso"},
                                 headers=auth, timeout=20)
        error = response.json().get("error", {}).get("code", "")
        results.append((auth, response.status_code, error))

    threads = [threading.Thread(target=order, args=(auth,)) for auth in guests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(status for _, status, _ in results) == [201] * 20 + [409]
    ((refused, _, error),) = [r for r in results if r[1] == 409]
    assert error == "queue_full"
    assert Order.select().count() == 20

    # The barista makes one drink and hands it over: the queue has room again.
    oldest = orders.list_orders(statuses=("pending",), newest_first=False, limit=1)[0]
    for _ in range(3):
        orders.advance(oldest.id, barista="Sam", now=clock())
    retry = session.post(f"{capped_server}/api/orders", json={"drink_id": "espresso"},
                         headers=refused, timeout=10)
    assert retry.status_code == 201 and retry.json()["order"]["number"] == 21
