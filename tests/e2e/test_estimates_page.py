"""The guest's phone shows the wait for each queued order and keeps it current."""

from __future__ import annotations

from typing import Any

import pytest

from bar.models import Order
from tests.e2e.conftest import Live, PageWatch, shot
from tests.e2e.test_guest_page import join, order_espresso

pytestmark = pytest.mark.browser


def estimate_of(page: Any, number: int) -> Any:
    return page.locator(f'.order[data-number="{number}"] .order-estimate')


def wait_for_estimate(page: Any, number: int, label: str) -> None:
    page.wait_for_selector(
        f'.order[data-number="{number}"] .order-estimate:text-is("#{number} · {label}")'
    )


def test_the_wait_shrinks_when_the_order_ahead_is_ready(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    ahead = live.order(live.guest("Bo"), "negroni")  # placed first: ahead in the queue
    join(page, live)
    number = order_espresso(page)
    card = page.locator(f'.order[data-number="{number}"]')
    # No drink made tonight yet: 3 minutes (the default) for Bo's, 3 for ours.
    wait_for_estimate(page, number, "about 6 min")
    assert card.locator(".order-position").inner_text() == "1 order ahead of you"
    page.wait_for_selector("#live-indicator[data-state=live]")
    shot(page, "guest-estimate")

    live.advance(ahead.id, barista="Sam")  # preparing
    live.advance(ahead.id, barista="Sam")  # ready: the queue moves, on the display channel
    wait_for_estimate(page, number, "about 3 min")
    assert card.locator(".order-position").inner_text() == "You're next in line"
    assert card.locator(".status").inner_text() == "Waiting"

    mine = Order.get(Order.number == number)
    live.advance(mine.id, barista="Sam")  # being made: still a wait, no place in line
    page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Being made by Sam")')
    wait_for_estimate(page, number, "about 3 min")
    assert card.locator(".order-position").count() == 0
    shot(page, "guest-estimate-preparing")

    live.advance(mine.id, barista="Sam")  # ready: nothing to wait for
    page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Ready! Pick it up")')
    assert estimate_of(page, number).count() == 0
