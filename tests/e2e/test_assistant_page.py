"""The guest page's bartender: type a sentence, see the draft, edit it, confirm; the
orders go through the normal order path (its limits included) and appear in My orders.
On a phone the box is one line until opened, so the menu's first drinks come first."""

from __future__ import annotations

from typing import Any

import pytest

from bar import menu, shop
from bar.clock import utcnow
from bar.models import Order
from tests.e2e.conftest import Live, PageWatch, shot, wait_for_js, watch
from tests.e2e.test_guest_page import join

pytestmark = pytest.mark.browser


def test_a_sentence_becomes_a_draft_then_orders(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    join(page, live)
    page.click("#assistant-toggle")
    page.fill("#assistant-input", "two negronis, one with crushed ice, and a margarita no salt")
    page.press("#assistant-input", "Enter")  # the phone keyboard's send key
    page.wait_for_selector(".draft-item")
    reply = page.locator("#assistant-reply").inner_text()
    assert "1 × Negroni (crushed)" in reply and "1 × Margarita (no salt)" in reply
    cards = page.locator(".draft-item")
    assert cards.count() == 3
    assert [c.get_attribute("data-id") for c in cards.all()] == ["negroni", "negroni", "margarita"]
    assert cards.nth(0).locator('select[data-modifier="ice"]').input_value() == "crushed"
    assert cards.nth(1).locator('select[data-modifier="ice"]').input_value() == "big cube"
    shot(page, "guest-assistant-draft")

    # The guest edits the draft: the margarita on the rocks, the plain negroni dropped.
    cards.nth(2).locator('select[data-modifier="ice"]').select_option("straight up")
    cards.nth(1).locator("button[aria-label='Remove Negroni']").click()
    assert page.locator(".draft-item").count() == 2
    assert page.locator("#draft-confirm").inner_text() == "Order these 2 drinks"
    page.click("#draft-confirm")

    wait_for_js(page, "document.querySelectorAll('.order[data-number]').length === 2")
    assert page.locator("#assistant-draft").is_hidden()
    assert page.get_attribute("#assistant-toggle", "aria-expanded") == "false"  # folded again
    placed = {o.drink.id: o.modifiers for o in Order.select()}
    assert placed == {
        "negroni": {"ice": "crushed"},
        "margarita": {"rim": "no salt", "ice": "straight up"},
    }

    # A third drink is over the guest's two open orders: the refusal is said, the
    # draft kept.
    seen.allow(409, "/api/orders")
    page.click("#tab-menu")
    page.click("#assistant-toggle")
    page.fill("#assistant-input", "an espresso")
    page.click("#assistant-send")
    page.wait_for_selector('.draft-item[data-id="espresso"]')
    page.click("#draft-confirm")
    error = page.locator("#draft-error")
    error.wait_for()
    assert "already have a drink on the way" in error.inner_text()
    assert page.locator('.draft-item[data-id="espresso"]').count() == 1
    assert Order.select().count() == 2

    # The menu's taste chips are the bartender's too: it marks its pick among the
    # drinks they leave, with its reasons in plain words.
    page.click('.chip.taste[data-tag="no-alcohol"]')
    page.click('.chip.taste[data-tag="sour"]')
    pick = page.locator('.drink[data-id="virgin-mojito"] .pick')
    pick.wait_for()
    assert "Bartender's pick" in pick.inner_text() and "sour and alcohol-free" in pick.inner_text()
    assert page.locator(".pick").count() == 1


PHONE_390 = {"width": 390, "height": 844}


def test_on_a_phone_the_menu_comes_first_and_the_bartender_unfolds(browser: Any, live: Live) -> None:
    context = browser.new_context(
        viewport=PHONE_390, is_mobile=True, has_touch=True, device_scale_factor=1,
        color_scheme="light", locale="en-GB",
    )
    page = context.new_page()
    seen = watch(page)
    join(page, live)
    shot(page, "guest-390-first-screen")

    # Before any scrolling: one row of taste chips, the bartender one line, the first
    # drink whole on the screen.
    assert page.evaluate("window.scrollY") == 0
    first = page.locator(".drink").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= PHONE_390["height"]
    assert page.locator("[aria-pressed]").count() == page.locator("#taste-chips .chip.taste").count() == 5
    assert page.locator("#taste-chips .chip").first.inner_text() == "No alcohol"
    toggle = page.locator("#assistant-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#assistant-input").is_hidden()

    # By keyboard: Enter opens it with the cursor in the question, Escape folds it back
    # to its button; the draft stays in sight, and orders.
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "assistant-input"
    page.keyboard.type("a flat white with oat milk")
    page.keyboard.press("Enter")
    page.wait_for_selector('.draft-item[data-id="flat-white"]')
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "assistant-toggle"
    assert page.locator("#assistant-input").is_hidden()
    assert page.locator('.draft-item[data-id="flat-white"]').is_visible()
    shot(page, "guest-390-draft-folded")
    page.click("#draft-confirm")
    wait_for_js(page, "document.querySelectorAll('.order[data-number]').length === 1")
    placed = Order.get()
    assert (placed.drink.id, placed.modifiers["milk"]) == ("flat-white", "oat")
    context.close()
    seen.check()


def test_the_drafts_order_button_follows_the_bar_live(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    page.click("#assistant-toggle")
    page.fill("#assistant-input", "two negronis")
    page.click("#assistant-send")
    page.wait_for_selector('.draft-item[data-id="negroni"]')
    confirm, reason = page.locator("#draft-confirm"), page.locator("#draft-error")
    assert confirm.is_enabled() and reason.is_hidden()

    shop.set_open(False, now=utcnow())  # the kiosk closes the bar while the draft is shown
    page.wait_for_selector("#draft-confirm:disabled")
    assert reason.inner_text() == "The bar is closed right now."  # as the menu's banner says
    assert reason.inner_text() == page.locator("#closed-banner [data-i18n='banner.closed']").inner_text()
    shop.set_open(True, now=utcnow())
    page.wait_for_selector("#draft-confirm:enabled")
    assert reason.is_hidden()

    menu.set_in_stock("negroni", False, now=utcnow())
    page.wait_for_selector("#draft-confirm:disabled")
    assert reason.inner_text() == "Sorry, Negroni just ran out."
    menu.set_in_stock("negroni", True, now=utcnow())
    page.wait_for_selector("#draft-confirm:enabled")
    page.click("#draft-confirm")
    wait_for_js(page, "document.querySelectorAll('.order[data-number]').length === 2")


def test_a_portuguese_draft_offers_the_options_in_portuguese(phone_in: Any, live: Live) -> None:
    page, _ = phone_in("pt-BR", {"width": 390, "height": 844})
    join(page, live, "João")
    page.click("#assistant-toggle")
    page.fill("#assistant-input", "um negroni")
    page.press("#assistant-input", "Enter")
    page.wait_for_selector('.draft-item[data-id="negroni"]')
    ice = page.locator('.draft-item select[data-modifier="ice"]')
    assert ice.locator("option").all_inner_texts() == ["cubo grande", "picado", "sem gelo"]
    assert page.locator(".draft-option > span").first.inner_text() == "Gelo"
    ice.select_option(label="picado")
    page.click("#draft-confirm")
    wait_for_js(page, "document.querySelectorAll('.order[data-number]').length === 1")
    assert [o.modifiers for o in Order.select()] == [{"ice": "crushed"}]  # the host's word
    assert page.locator(".order .order-mods").inner_text() == "Gelo: picado"
