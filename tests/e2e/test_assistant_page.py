"""The guest page's bartender: type a sentence, see the draft, edit it, confirm; the
orders go through the normal order path (its limits included) and appear in My orders."""

from __future__ import annotations

from typing import Any

import pytest

from bar.models import Order
from tests.e2e.conftest import Live, PageWatch, shot, wait_for_js
from tests.e2e.test_guest_page import join

pytestmark = pytest.mark.browser


def test_a_sentence_becomes_a_draft_then_orders(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    join(page, live)
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
    placed = {o.drink.id: o.modifiers for o in Order.select()}
    assert placed == {
        "negroni": {"ice": "crushed"},
        "margarita": {"rim": "no salt", "ice": "straight up"},
    }

    # A third drink is over the guest's two open orders: the refusal is said, the
    # draft kept.
    seen.allow(409, "/api/orders")
    page.click("#tab-menu")
    page.fill("#assistant-input", "an espresso")
    page.click("#assistant-send")
    page.wait_for_selector('.draft-item[data-id="espresso"]')
    page.click("#draft-confirm")
    error = page.locator("#draft-error")
    error.wait_for()
    assert "already have a drink on the way" in error.inner_text()
    assert page.locator('.draft-item[data-id="espresso"]').count() == 1
    assert Order.select().count() == 2

    # Taste chips suggest, with reasons in plain words.
    page.click('.taste-chip[data-taste="alcoholfree"]')
    page.click('.taste-chip[data-taste="sour"]')
    wait_for_js(page, "document.querySelector('.suggestion[data-id=\"virgin-mojito\"]') !== null")
    assert "sour and alcohol-free" in page.locator('.suggestion[data-id="virgin-mojito"]').inner_text()
