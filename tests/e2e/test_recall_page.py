"""A barista's recall (`z` on the kiosk: `bar.history`) reaches the guest's page live."""

from __future__ import annotations

from typing import Any

import pytest

from bar import history, orders
from bar.clock import utcnow
from tests.e2e.conftest import Live, PageWatch
from tests.e2e.test_guest_page import join, order_espresso_live

pytestmark = pytest.mark.browser


def wait_status(page: Any, number: int, status: str) -> None:
    page.wait_for_selector(f'.order[data-number="{number}"] .status[data-status="{status}"]')


def test_a_recalled_cancel_brings_the_order_back_on_the_phone(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    order = order_espresso_live(page)
    number = order.number
    orders.move(order.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="out of beans", now=utcnow())
    page.wait_for_selector(".message-cancelled")

    history.recall(live.settings, barista="Sam", now=utcnow())

    page.wait_for_selector(".message-cancelled", state="detached")  # no longer true
    wait_status(page, number, "pending")
    orders.move(order.id, orders.PREPARING, actor="barista", barista="Sam", now=utcnow())
    orders.move(order.id, orders.READY, actor="barista", barista="Sam", now=utcnow())
    orders.move(order.id, orders.SERVED, actor="barista", barista="Sam", now=utcnow())
    wait_status(page, number, "served")

    history.recall(live.settings, barista="Sam", now=utcnow())  # served by mistake

    wait_status(page, number, "ready")
    page.wait_for_selector(f'.pickup[data-number="{number}"]')  # the pickup card, again
