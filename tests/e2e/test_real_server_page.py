"""The guest page and the TV board against the real `bar serve` (gunicorn's gevent
worker), not the test server: join, order, and see the kiosk's moves arrive live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bar import orders, registration
from bar.clock import utcnow
from bar.models import Order
from tests.e2e.conftest import TIMEOUT_MS, PageWatch, shot
from tests.e2e.test_guest_page import first_order_number, order_sheet, status_of
from tests.webapp.test_server import core_on, start_server  # noqa: F401 - a fixture


def test_a_phone_and_the_tv_follow_an_order_on_the_real_server(
    phone: tuple[Any, PageWatch], tv: tuple[Any, PageWatch], start_server: Any,  # noqa: F811
) -> None:
    served = start_server()
    with core_on(served.data_dir):
        now = utcnow()
        code = registration.create_code(max_uses=5, expires_at=now + timedelta(hours=1), now=now)
    page, _ = phone
    board, _ = tv
    board.goto(f"{served.base_url}/display")
    page.goto(f"{served.base_url}/join?code={code.code}")
    page.fill("#username", "Ana Lopez")
    page.click("#join-submit")
    page.wait_for_selector("#live-indicator[data-state=live]", timeout=TIMEOUT_MS)
    order_sheet(page, "flat-white")
    page.click("#order-button")
    number = first_order_number(page)
    assert status_of(page, number).inner_text() == "Waiting"

    with core_on(served.data_dir):  # the barista, in the kiosk's process
        order = Order.get(Order.number == number)
        orders.advance(order.id, barista="Sam", now=utcnow())
        page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Being made by Sam")',
                               timeout=TIMEOUT_MS)
        orders.advance(order.id, barista="Sam", now=utcnow())
    page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Ready! Pick it up")',
                           timeout=TIMEOUT_MS)
    board.wait_for_selector(f'text="{number}"', timeout=TIMEOUT_MS)
    assert "Ana" in board.inner_text("body")
    shot(page, "real-server-guest-ready")
    shot(board, "real-server-board")
