"""The menu run live, in real browsers: the host edits it on a tablet, a guest's phone
follows without a reload (prices in the bar's currency, photos as thumbnails, a new
drink, a retired one gone) and the guest narrows it by taste and by search."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from bar import menu
from bar.clock import utcnow
from bar.config import Settings
from bar.models import Drink
from bar.tokens import Keys
from tests.bar.photos import phone_jpeg
from tests.e2e.conftest import Live, PageWatch, shot, wait_for_js, watch
from tests.e2e.test_barista_page import sign_in
from tests.e2e.test_guest_page import join
from webapp import create_app
from webapp.server import run_in_thread

pytestmark = pytest.mark.browser


@pytest.fixture
def euro_live(settings: Settings, keys: Keys) -> Iterator[Live]:
    """The bar with prices in euros (`bar.currency = "EUR"`)."""
    settings = dataclasses.replace(settings, currency="EUR")
    app = create_app(settings)
    server, base_url = run_in_thread(app, host="127.0.0.1", port=0)
    yield Live(app=app, url=base_url, settings=settings)
    server.shutdown()
    app.extensions["bar"].hub.stop()


def drink_card(page: Any, drink_id: str) -> Any:
    return page.locator(f'.drink[data-id="{drink_id}"]')


def thumb_loaded(page: Any, drink_id: str, src_part: str) -> Any:
    """Wait until the drink's thumbnail is an image from `src_part` the browser decoded."""
    return wait_for_js(page, """([id, part]) => {
        const img = document.querySelector(`.drink[data-id="${id}"] img.drink-thumb`);
        return img && img.src.includes(part) && img.complete && img.naturalWidth > 0;
    }""", [drink_id, src_part])


def test_the_host_edits_the_menu_on_a_tablet_and_the_phone_follows(
    browser: Any, phone: tuple[Any, PageWatch], euro_live: Live
) -> None:
    live = euro_live
    menu.edit_drink("negroni", {"price": 9}, now=utcnow())
    page, _ = phone
    join(page, live)
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert drink_card(page, "negroni").locator(".drink-price").inner_text() == "€9"
    thumb_loaded(page, "espresso-martini", "/media/placeholder.svg")
    assert page.locator(".drink-thumb").first.get_attribute("loading") == "lazy"

    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-GB")
    tablet = context.new_page()
    tablet_seen = watch(tablet)
    try:
        sign_in(tablet, live)
        tablet.click("#drinks-button")
        tablet.wait_for_selector("#drinks-dialog[open]")
        # A price typed on the tablet: the phone shows it, in euros, the phone's way.
        tablet.fill('.stock-row[data-id="margarita"] .price-input', "8.5")
        tablet.press('.stock-row[data-id="margarita"] .price-input', "Enter")
        page.wait_for_selector('.drink[data-id="margarita"] .drink-price:text-is("€8.50")')
        assert Drink.get_by_id("margarita").price == 8.5
        # A photo from the tablet: a thumbnail on the phone.
        tablet.set_input_files('.stock-row[data-id="negroni"] .photo-input', files=[{
            "name": "negroni.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(),
        }])
        thumb_loaded(page, "negroni", "-thumb.webp")
        # A new drink, then retired: it comes and goes on the open phone.
        tablet.fill("#drink-add input[name=new-name]", "Paloma")
        tablet.fill("#drink-add input[name=new-category]", "Cocktails")
        tablet.fill("#drink-add input[name=new-price]", "7")
        tablet.click("#drink-add button[type=submit]")
        page.wait_for_selector('.drink[data-id="paloma"] .drink-price:text-is("€7")')
        shot(tablet, "barista-menu")
        tablet.locator('.stock-row[data-id="paloma"] .retire').click()
        page.wait_for_selector('.drink[data-id="paloma"]', state="detached")
        assert not Drink.get_by_id("paloma").on_menu
    finally:
        context.close()
    tablet_seen.check()

    # The guest chooses: the order sheet shows the photo, the price and what is in it.
    drink_card(page, "negroni").click()
    page.wait_for_selector("#order-sheet[open]")
    assert page.locator("#sheet-ingredients").inner_text() == (
        "With gin, Campari, sweet vermouth, orange")
    assert page.locator("#sheet-price").inner_text() == "€9"
    wait_for_js(page, "() => { const img = document.querySelector('#sheet-photo');"
                      " return img.complete && img.naturalWidth > 0; }")
    shot(page, "guest-order-sheet-photo")
    page.click("#sheet-close")
    shot(page, "guest-menu-photos")


def test_the_guest_narrows_the_menu_by_taste_and_search(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    everything = page.locator(".drink").count()
    # One row of tastes, in the guest's words, alcohol-free first.
    assert page.locator("#taste-chips .chip").all_inner_texts() == [
        "No alcohol", "Sweet", "Sour", "Bitter", "Strong"]
    page.click('.chip.taste[data-tag="no-alcohol"]')
    shown = {page.locator(".drink").nth(i).get_attribute("data-id")
             for i in range(page.locator(".drink").count())}
    assert shown == {"virgin-mojito", "shirley-temple", "flat-white", "cappuccino", "espresso"}
    page.click('.chip.taste[data-tag="sweet"]')  # and sweet
    page.wait_for_selector('.drink[data-id="flat-white"]', state="detached")
    assert page.locator(".drink").count() == 1  # the Shirley Temple
    shot(page, "guest-menu-tastes")
    page.click('.chip.taste[data-tag="sweet"]')
    page.click('.chip.taste[data-tag="no-alcohol"]')
    page.fill("#menu-search", "CAMPÁRI")  # an ingredient finds it, accents and case aside
    page.wait_for_selector('.drink[data-id="margarita"]', state="detached")
    assert [page.locator(".drink").nth(i).get_attribute("data-id")
            for i in range(page.locator(".drink").count())] == ["negroni"]
    page.fill("#menu-search", "")
    wait_for_js(page, "(n) => document.querySelectorAll('.drink').length === n", everything)
