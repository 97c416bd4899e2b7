"""Two stations in the browser: the guest's menu by station, a cocktail and a coffee on
two boards, the pickup card naming the right place, and a closed station greyed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bar import menu, shop
from bar.clock import utcnow
from bar.config import Settings
from bar.models import Order
from tests.conftest import make_settings, with_stations
from tests.e2e.conftest import Live, PageWatch, shot, wait_for_js, watch
from tests.e2e.test_barista_page import open_tablet, sign_in
from tests.e2e.test_guest_page import join, order_sheet

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return with_stations(make_settings(tmp_path / "data"))


def order(page: Any, drink_id: str, count: int) -> None:
    """Order `drink_id` from the menu; wait until the guest has `count` orders listed."""
    page.click("#tab-menu")
    order_sheet(page, drink_id)
    page.click("#order-button")
    wait_for_js(page, "n => document.querySelectorAll('.order[data-number]').length === n", count)


def test_a_cocktail_and_a_coffee_two_boards_and_the_right_pickup_place(
    phone: tuple[Any, PageWatch], tv: tuple[Any, PageWatch], live: Live,
) -> None:
    page, _ = phone
    join(page, live, "Maya")
    assert page.locator(".station-title").all_inner_texts() == ["Cocktail bar", "Coffee corner"]
    order(page, "negroni", 1)
    order(page, "flat-white", 2)
    cocktail, coffee = (Order.get(Order.station == s) for s in ("bar", "coffee"))
    assert (cocktail.number, coffee.number) == (1, 2)

    board, _ = tv
    board.goto(f"{live.url}/display")
    board.wait_for_selector('#waiting-board [data-number="2"][data-station="coffee"]')
    assert "Coffee corner" in board.locator('#waiting-board [data-number="2"]').inner_text()
    bar_board = board.context.new_page()
    bar_watch = watch(bar_board)
    bar_board.goto(f"{live.url}/display?station=bar")
    bar_board.wait_for_selector('#waiting-board [data-number="1"]')
    assert "Cocktail bar" in bar_board.locator("#bar-name").inner_text()

    # The coffee corner makes the coffee: the pickup card says where, the boards follow.
    live.advance(coffee.id)
    live.advance(coffee.id)
    pickup = page.locator('#ready-banner .pickup[data-number="2"]')
    pickup.wait_for()
    assert pickup.locator(".pickup-kicker").inner_text() == (
        "Ready! Pick it up at the Coffee corner")
    board.wait_for_selector('#ready-board [data-number="2"]')
    assert "Coffee corner" in board.locator('#ready-board [data-number="2"]').inner_text()
    shot(board, "stations-board")
    # The bar's board never shows the coffee.
    live.advance(cocktail.id)
    bar_board.wait_for_selector('#preparing-board [data-number="1"]')
    assert bar_board.locator('[data-number="2"]').count() == 0

    # Closing the cocktail bar greys its drinks only.
    page.click("#tab-menu")
    shop.set_open(False, now=utcnow(), station="bar")
    page.wait_for_selector('.station.station-paused[data-station="bar"]')
    assert page.locator('.drink[data-id="negroni"]').is_disabled()
    assert page.locator('.drink[data-id="flat-white"]').is_enabled()
    assert page.locator('.station[data-station="coffee"]').get_attribute("class") == "station"
    shot(page, "stations-guest-menu")
    bar_board.wait_for_selector("#open-status[data-open=false]")
    assert board.locator("#open-status").get_attribute("data-open") == "true"
    bar_watch.check()


def test_the_coffee_corners_tablet_lists_its_own_drinks(browser: Any, live: Live) -> None:
    context, tablet, seen = open_tablet(browser)
    try:
        sign_in(tablet, live)
        tablet.goto(f"{live.url}/barista?station=coffee")
        tablet.wait_for_selector("#live-indicator[data-state=live]")
        tablet.click("#drinks-button")
        tablet.wait_for_selector('.stock-row[data-id="espresso"]')
        listed = {row.get_attribute("data-id") for row in tablet.locator(".stock-row").all()}
        assert listed == {"flat-white", "cappuccino", "espresso"}  # the Coffee category's
        # The host moves a cocktail to the coffee corner's category: it comes to this list.
        menu.edit_drink("negroni", {"category": "Coffee"}, now=utcnow())
        tablet.wait_for_selector('.stock-row[data-id="negroni"]')
    finally:
        context.close()
    seen.check()
