"""The barista page with more open orders than one page of the admin API holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bar import orders
from bar.clock import utcnow
from tests.crowd import insert_orders
from tests.e2e.conftest import Live
from tests.e2e.test_barista_page import card_of, open_tablet, sign_in
from webapp.admin import ORDERS_PAGE

pytestmark = pytest.mark.browser


def test_every_open_order_shows_when_the_queue_spans_pages(browser: Any, live: Live) -> None:
    count = ORDERS_PAGE + 30
    guests = [live.guest(name) for name in ("Ana", "Bob", "Cai")]
    ids = insert_orders(guests, count, start=utcnow() - timedelta(minutes=10),
                        statuses=orders.OPEN_STATUSES)
    context, page, seen = open_tablet(browser)
    try:
        sign_in(page, live)
        oldest = orders.get_order(ids[0])  # newest first: on the API's last page
        card_of(page, oldest).wait_for()
        shown = [int(page.locator(f"#count-{s}").inner_text()) for s in orders.OPEN_STATUSES]
        assert shown == [count // 3 + (count % 3 > i) for i in range(3)]
        assert page.locator(".order-card").count() == count
    finally:
        context.close()
    seen.check()
