"""Changes made elsewhere (the web process, the CLI) reach the queue with no key press."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import requests

from bar import orders, shop
from bar.clock import FrozenClock
from bar.db import db
from bar.models import Order
from kiosk.app import KioskApp
from tests.conftest import Factory
from tests.kiosk.conftest import SIZE, column_text, label_text, wait_for
from webapp import create_app
from webapp.server import run_in_thread


def elsewhere(change: Callable[[], object]) -> None:
    """Run `change` on its own thread and connection, as another process would."""

    def run() -> None:
        try:
            change()
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()


async def test_a_new_order_appears_live_with_a_bell(app: KioskApp, make: Factory) -> None:
    guest = make.guest("Ana")
    bells: list[None] = []
    app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        assert "nothing here" in column_text(app, "pending")
        elsewhere(lambda: make.order(guest, note="extra orange"))
        assert await wait_for(pilot, lambda: "#1 Ana" in column_text(app, "pending"))
        assert "extra orange" in column_text(app, "pending")
        assert len(bells) == 1
        assert label_text(app, "#queue-length") == "queue 1 of 20"


async def test_a_move_made_elsewhere_moves_the_card(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    order = make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        elsewhere(lambda: orders.move(
            order.id, orders.PREPARING, actor="barista", barista="Kim", now=clock()))
        assert await wait_for(pilot, lambda: "#1 Bo" in column_text(app, "preparing"))
        assert "Kim" in column_text(app, "preparing")
        assert "#1" not in column_text(app, "pending")


async def test_closing_the_bar_elsewhere_updates_the_header(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        elsewhere(lambda: shop.set_open(False, now=clock()))
        assert await wait_for(pilot, lambda: label_text(app, "#shop-state") == "● CLOSED")


async def test_overdue_orders_expire_from_the_kiosk(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    order = make.order(make.guest("Cy"))
    app.housekeeping.timers_every = 0.05  # instead of every 5 s
    async with app.run_test(size=SIZE) as pilot:
        assert "#1 Cy" in column_text(app, "pending")
        clock.advance(minutes=16)  # past the 15 min barista timeout
        # The kiosk's own thread expires it; its events must still reach the queue.
        assert await wait_for(pilot, lambda: "#1" not in column_text(app, "pending"))
        assert Order.get_by_id(order.id).status == orders.EXPIRED


async def test_an_order_placed_over_http_appears_live(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    """The whole path: a phone's POST to the real web server, the kiosk's event tail."""
    web = create_app(app.settings, clock=clock)
    server, base_url = run_in_thread(web, host="127.0.0.1", port=0)
    code = make.code()

    def phone_orders() -> int:
        registered = requests.post(f"{base_url}/api/register", json={"username": "[bold red]x"},
                                   headers={"X-Registration-Code": code}, timeout=10).json()
        response = requests.post(
            f"{base_url}/api/orders", json={"drink_id": "margarita", "note": "<script>"},
            headers={"Authorization": f"Bearer {registered['access_token']}"}, timeout=10,
        )
        return response.status_code

    try:
        async with app.run_test(size=SIZE) as pilot:
            assert await asyncio.to_thread(phone_orders) == 201
            assert await wait_for(pilot, lambda: "#1 [bold red]x" in column_text(app, "pending"))
            assert "<script>" in column_text(app, "pending")
    finally:
        server.shutdown()
        web.extensions["bar"].hub.stop()
