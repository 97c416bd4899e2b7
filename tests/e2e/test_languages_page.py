"""The guest page in the phone's language: Portuguese from join to "Pronto!" and a
cancellation reason, a German refusal, and the switcher that remembers its choice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from bar import admins, notifications, timers
from bar.clock import utcnow
from bar.config import DEFAULT_LAST_CALL, Settings
from bar.models import Order
from tests.conftest import with_rules
from tests.e2e.conftest import TIMEOUT_MS, Live
from tests.e2e.test_guest_page import order_espresso_live

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/bar-i18n-shots")  # looked at by hand, kept out of the repo


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_rules(settings, max_queue=1)


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

    # Another order, cancelled by a barista with the tablet's "Out of stock" chip (the
    # admin API, as the tablet does it): João reads the reason in Portuguese.
    page.click("#tab-menu")
    second = order_espresso_live(page)
    admins.create_admin("sam", "correct horse battery", now=utcnow())
    login = requests.post(f"{live.url}/api/admin/login", timeout=10,
                          json={"username": "sam", "password": "correct horse battery"})
    moved = requests.post(
        f"{live.url}/api/admin/orders/{second.id}/status", timeout=10,
        json={"status": "cancelled", "reason": "Out of stock"},
        headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["order"]["cancel_reason_code"] == "out_of_stock"
    reason = page.locator(f'.order[data-number="{second.number}"] .order-reason')
    reason.wait_for(timeout=TIMEOUT_MS)
    assert reason.inner_text() == "Acabou o estoque"
    banner = page.locator(f'#messages .message[data-order="{second.id}"]')
    assert banner.locator(".message-title").inner_text() == (
        f"Seu pedido #{second.number} Expresso foi cancelado")  # the menu's Portuguese name
    assert banner.locator(".message-text").inner_text().startswith("Motivo: Acabou o estoque.")

    # The bar's own last call in Portuguese; the host's own words as written.
    notifications.announce(DEFAULT_LAST_CALL, now=utcnow(), kind=timers.LAST_CALL)
    notifications.announce("Last call <b>for real</b>!", now=utcnow())
    said = page.locator('#messages .message[data-kind="announcement"] .message-text')
    page.wait_for_selector('#messages .message-text:text-is("Last call <b>for real</b>!")',
                           timeout=TIMEOUT_MS)
    assert said.all_inner_texts() == ["Last call <b>for real</b>!", "Última rodada!"]
    assert page.locator("#messages b").count() == 0  # the host's text is text
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("#toast", state="hidden")
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "guest-pt-cancelled.png"), animations="disabled")


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
