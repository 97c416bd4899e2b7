"""A Brazilian phone reads the menu in Portuguese (bar.toml's `name_pt`, …): the drinks,
their categories and descriptions, the drink sheet, its own order and the pickup card,
and a translation the host changes live."""

from __future__ import annotations

from typing import Any

import pytest

from bar import menu
from bar.clock import utcnow
from tests.e2e.conftest import ARTIFACTS, Live, shot, wait_for_js
from tests.e2e.test_guest_page import order_espresso_live

pytestmark = pytest.mark.browser


def text_of(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "node => node.textContent"))


def test_a_portuguese_phone_sees_the_menu_and_its_order_in_portuguese(
    phone_in: Any, live: Live
) -> None:
    page, _ = phone_in("pt-BR", {"width": 390, "height": 844})  # a common phone's width
    page.goto(f"{live.url}/join?code={live.code()}")
    page.fill("#username", "João")
    page.click("#join-submit")
    page.wait_for_selector('.drink[data-id="espresso"]')
    assert page.locator(".category-title").all_inner_texts() == ["COQUETÉIS", "SEM ÁLCOOL", "CAFÉS"]
    espresso = page.locator('.drink[data-id="espresso"]')
    assert espresso.locator(".drink-name").inner_text() == "Expresso"
    assert espresso.locator(".drink-description").inner_text() == (
        "Uma dose de café de origem única, curta e intensa.")
    assert page.locator('.drink[data-id="gin-tonic"] .drink-name').inner_text() == "Gim-tônica"
    # no Portuguese name in bar.toml: the drink's own
    assert page.locator('.drink[data-id="negroni"] .drink-name').inner_text() == "Negroni"
    # its tastes in the page's words too
    assert page.locator('.chip.taste[data-tag="no-alcohol"]').inner_text() == "Sem álcool"
    page.wait_for_selector("#live-indicator[data-state=live]")
    shot(page, "guest-menu-pt-390")
    page.screenshot(path=str(ARTIFACTS / "guest-menu-pt-390-full.png"), full_page=True,
                    animations="disabled")

    # The host renames it in Portuguese: the open page follows, in Portuguese only.
    menu.edit_drink("gin-tonic", {"translations": {"pt": {"name": "Gim-tônica da casa"}}},
                    now=utcnow())
    wait_for_js(page, """() => document.querySelector('.drink[data-id="gin-tonic"] .drink-name')
        ?.textContent === 'Gim-tônica da casa'""")

    # the search knows the menu's words: "laranja" is the Aperol Spritz's orange too,
    # though its Portuguese description never says it
    page.fill("#menu-search", "laranja")
    wait_for_js(page, "() => document.querySelectorAll('.drink').length === 3")
    assert page.locator(".drink").evaluate_all("ds => ds.map(d => d.dataset.id)") == [
        "negroni", "margarita", "aperol-spritz"]
    page.fill("#menu-search", "")
    page.wait_for_selector('.drink[data-id="negroni"]')

    page.click('.drink[data-id="espresso"]')
    page.wait_for_selector("#order-sheet[open]")
    assert page.locator("#sheet-title").inner_text() == "Expresso"
    # its ingredients and options in Portuguese (words_pt), each option still worth
    # what the host wrote
    assert page.locator("#sheet-ingredients").inner_text() == "Com café expresso"
    shots = page.locator('#sheet-modifiers fieldset[data-modifier="shots"]')
    assert shots.locator("legend").inner_text() == "Doses"
    assert shots.locator("label.choice").all_inner_texts() == ["simples", "duplo"]
    assert shots.locator("input").evaluate_all("inputs => inputs.map(i => i.value)") == [
        "single", "double"]
    page.keyboard.press("Escape")
    order = order_espresso_live(page)
    assert order.drink_name == "Espresso"  # the bar keeps the name it was ordered under
    assert order.modifiers == {"shots": "single"}  # and the option as the host wrote it
    row = page.locator(f'.order[data-number="{order.number}"]')
    assert row.locator(".order-drink").inner_text() == "Expresso"
    assert row.locator(".order-mods").inner_text() == "Doses: simples"
    live.advance(order.id)
    live.advance(order.id)
    pickup = page.locator(f'#ready-banner .pickup[data-number="{order.number}"] .pickup-drink')
    pickup.wait_for()
    assert pickup.inner_text().startswith("Expresso")
