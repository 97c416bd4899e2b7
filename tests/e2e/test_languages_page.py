"""The guest page in the phone's language: Portuguese from join to "Pronto!", a German
refusal, and the switcher that remembers its choice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bar.config import Settings
from bar.models import Order
from tests.conftest import with_rules
from tests.e2e.conftest import PHONE, TIMEOUT_MS, Live, PageWatch, watch

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/bar-i18n-shots")  # looked at by hand, kept out of the repo


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_rules(settings, max_queue=1)


@pytest.fixture
def phone_in(browser: Any) -> Iterator[Callable[[str], tuple[Any, PageWatch]]]:
    """Phones like the `phone` fixture's, each with its own locale."""
    opened: list[tuple[Any, PageWatch]] = []

    def open_phone(locale: str) -> tuple[Any, PageWatch]:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                      device_scale_factor=1, color_scheme="light", locale=locale)
        page = context.new_page()
        opened.append((context, watch(page)))
        return page, opened[-1][1]

    yield open_phone
    for context, seen in opened:
        context.close()
        seen.check()


def join(page: Any, live: Live, name: str) -> None:
    page.goto(f"{live.url}/join?code={live.code()}")
    page.fill("#username", name)
    page.click("#join-submit")
    page.wait_for_selector(".drink[data-id]")


def test_a_portuguese_phone_joins_orders_and_reads_pronto(phone_in: Any, live: Live) -> None:
    page, _ = phone_in("pt-BR")
    page.goto(f"{live.url}/join?code={live.code()}")
    page.wait_for_selector("#join-form")
    assert page.evaluate("document.documentElement.lang") == "pt"
    assert page.locator("label[for=username]").inner_text() == "Como o barista deve chamar você?"
    page.fill("#username", "João")
    page.click("#join-submit")
    page.wait_for_selector('.drink[data-id="espresso"]')
    assert page.locator("#tab-orders").inner_text().startswith("Meus pedidos")
    page.click('.drink[data-id="espresso"]')
    page.wait_for_selector("#order-sheet[open]")
    assert page.locator("#order-button").inner_text() == "Pedir"
    page.click("#order-button")
    row = page.locator(".order[data-number]").first
    row.wait_for()
    number = int(row.get_attribute("data-number"))
    assert row.locator(".status").inner_text() == "Na fila"

    order = Order.get(Order.number == number)
    live.advance(order.id, barista="Sam")
    live.advance(order.id)
    page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Pronto! Pode retirar")',
                           timeout=TIMEOUT_MS)
    kicker = page.locator(f'#ready-banner .pickup[data-number="{number}"] .pickup-kicker')
    assert kicker.inner_text() == "Pronto! Retire no bar"
    assert "para João" in page.locator("#ready-banner").inner_text()


def test_a_german_phone_reads_a_full_queue_in_german(phone_in: Any, live: Live) -> None:
    page, seen = phone_in("de-DE")
    seen.allow(409, "/api/orders")
    join(page, live, "Jürgen")
    page.click('.drink[data-id="espresso"]')
    page.wait_for_selector("#order-sheet[open]")
    live.order(live.guest("Bob"))  # the one place in the queue goes while the sheet is open
    page.wait_for_selector("#full-banner:visible")
    assert page.locator("#full-banner strong").inner_text() == "Die Warteschlange ist gerade voll."
    assert page.locator("#order-button").is_disabled()
    # Ordering anyway gets a 409 in German: Chromium's de-DE Accept-Language is enough.
    answer = page.evaluate("""async () => {
        const res = await fetch('/api/orders', {method: 'POST', headers: {'Content-Type': 'application/json',
            'Authorization': 'Bearer ' + JSON.parse(localStorage.getItem('bar.tokens')).access_token},
            body: '{"drink_id": "espresso"}'});
        return [res.status, await res.json()];
    }""")
    assert answer[0] == 409 and answer[1]["error"]["code"] == "queue_full"
    assert answer[1]["error"]["message"] == (
        "Die Warteschlange ist gerade voll. Bitte versuch es in ein paar Minuten noch einmal.")
    assert Order.select().count() == 1


def test_the_switcher_remembers_the_language(phone_in: Any, live: Live) -> None:
    page, _ = phone_in("en-GB")
    join(page, live, "Ana")
    SCREENSHOTS.mkdir(exist_ok=True)
    for code, menu in [("fr", "Carte"), ("es", "Carta"), ("de", "Karte"), ("pt", "Cardápio"), ("en", "Menu")]:
        page.select_option("#language", code)
        page.wait_for_selector(f'html[lang="{code}"] .drink[data-id]')
        assert page.locator("#tab-menu").inner_text() == menu
        page.screenshot(path=str(SCREENSHOTS / f"guest-{code}.png"), animations="disabled")
    page.select_option("#language", "fr")
    page.wait_for_selector('html[lang="fr"] .drink[data-id]')
    page.reload()
    page.wait_for_selector(".drink[data-id]")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("#join-title, #tab-menu").last.inner_text() == "Carte"
