"""The barista view on a tablet: sign-in, the live queue, moves that reach the guest."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bar import admins, menu, orders, shop, tokens
from bar.clock import utcnow
from bar.config import Settings
from bar.models import Drink, Order
from bar.tokens import Keys
from tests.e2e.conftest import Live, PageWatch, Wifi, shot, wait_for_js, watch
from tests.e2e.test_guest_page import join, order_espresso, order_sheet, status_of
from webapp import create_app
from webapp.server import run_in_thread

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
PASSWORD = "correct horse battery"
SCREENSHOTS = Path("/tmp/bar-i18n-shots")  # looked at by hand, kept out of the repo


def open_tablet(
    browser: Any, viewport: dict[str, int] = LANDSCAPE, scheme: str = "light", locale: str = "en-GB"
) -> tuple[Any, Any, PageWatch]:
    context = browser.new_context(viewport=viewport, has_touch=True, device_scale_factor=1,
                                  locale=locale, color_scheme=scheme)
    page = context.new_page()
    return context, page, watch(page)


@pytest.fixture
def tablet(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    """A 1024×768 tablet page, and its watcher."""
    context, page, seen = open_tablet(browser)
    yield page, seen
    context.close()
    seen.check()


def sign_in(page: Any, live: Live, name: str = "sam") -> None:
    """Create admin `name`, open /barista and sign in through the form."""
    admins.create_admin(name, PASSWORD, now=utcnow())
    page.goto(f"{live.url}/barista")
    page.fill("#login-username", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#queue-view:visible")
    page.wait_for_selector("#live-indicator[data-state=live]")


def card(page: Any, status: str, number: int) -> Any:
    return page.locator(f'#column-{status} .order-card[data-number="{number}"]')


def card_of(page: Any, order: Order) -> Any:
    """By id: orders placed minutes apart may straddle the business day and share a number."""
    return page.locator(f'.order-card[data-id="{order.id}"]')


def act(page: Any, status: str, number: int, action: str) -> None:
    card(page, status, number).locator(f'button[data-action="{action}"]').click()


def test_wrong_password_then_sign_in_and_out(tablet: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = tablet
    seen.allow(401, "/api/admin/login")
    admins.create_admin("sam", PASSWORD, now=utcnow())
    page.goto(f"{live.url}/barista")
    assert page.locator("#queue-view").is_hidden()
    page.fill("#login-username", "sam")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:visible")
    assert page.locator("#login-error").inner_text() == "Wrong username or password."
    assert page.locator("#queue-view").is_hidden()
    shot(page, "barista-login-error")

    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#login-view").is_hidden()
    assert page.locator("#signed-in").inner_text() == "sam"
    # The token is kept for this tab only, and never put in the address.
    token = page.evaluate("sessionStorage.getItem('bar.barista.token')")
    assert token and tokens.verify_access(
        live.app.extensions["bar"].keys, token, issuer=live.settings.issuer, now=utcnow()
    ).role == "admin"
    assert page.evaluate("localStorage.length") == 0
    assert token not in page.url and page.url.endswith("/barista")
    assert page.evaluate("document.cookie") == ""

    # A reload keeps the sign-in (same tab); "Sign out" forgets it.
    page.reload()
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.click("#signout")
    page.wait_for_selector("#login-view:visible")
    assert page.locator("#login-error").is_hidden()
    assert page.evaluate("sessionStorage.getItem('bar.barista.token')") is None
    assert page.locator(".order-card").count() == 0


def test_guest_order_goes_live_from_barista_to_guest(
    browser: Any, tablet: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = tablet
    sign_in(page, live)
    page.evaluate("window.__sameDocument = true")

    phone_context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                        has_touch=True, locale="en-GB")
    try:
        guest = phone_context.new_page()
        guest_seen = watch(guest)
        join(guest, live, name="<b>x</b>")
        order_sheet(guest, "flat-white")
        guest.click('label.choice:has(input[name="mod-milk"][value="oat"])')
        guest.fill("#order-note", "<b>x</b>")
        guest.click("#order-button")
        number = int(guest.locator(".order[data-number]").first.get_attribute("data-number"))
        guest.wait_for_selector("#live-indicator[data-state=live]")

        # The order appears on the barista's tablet without a reload, guest text as text.
        pending = card(page, "pending", number)
        pending.wait_for()
        assert pending.locator(".card-name").inner_text() == "<b>x</b>"
        assert pending.locator(".card-note").inner_text() == "“<b>x</b>”"
        assert pending.locator(".card-drink").inner_text() == "Flat White"
        assert "milk: oat" in pending.locator(".card-mods").inner_text()
        assert pending.get_attribute("data-wait") == "fresh"
        assert page.locator(".order-card b").count() == 0
        assert page.locator("#count-pending").inner_text() == "1"

        act(page, "pending", number, "claim")
        preparing = card(page, "preparing", number)
        preparing.wait_for()
        assert preparing.locator(".card-barista").inner_text() == "Claimed by sam"
        assert Order.get(Order.number == number).barista == "sam"
        guest.wait_for_selector(f'.order[data-number="{number}"] .status[data-status=preparing]')
        assert status_of(guest, number).inner_text() == "Being made by sam"

        act(page, "preparing", number, "unclaim")
        card(page, "pending", number).wait_for()
        assert Order.get(Order.number == number).barista is None
        act(page, "pending", number, "claim")
        act(page, "preparing", number, "ready")
        card(page, "ready", number).wait_for()
        # The guest's page turns ready live, in its own browser context.
        guest.wait_for_selector(f'.order[data-number="{number}"] .status[data-status=ready]')
        assert status_of(guest, number).inner_text() == "Ready! Pick it up"
        shot(page, "barista-ready")

        act(page, "ready", number, "served")
        card(page, "ready", number).wait_for(state="detached")
        assert Order.get(Order.number == number).status == "served"
        guest.wait_for_selector(f'.order[data-number="{number}"] .status[data-status=served]')
        assert page.evaluate("window.__sameDocument") is True
        guest_seen.check()
    finally:
        phone_context.close()


def test_cancel_with_a_reason_tells_the_guest(
    browser: Any, tablet: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = tablet
    sign_in(page, live)
    phone_context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                        has_touch=True, locale="en-GB")
    try:
        guest = phone_context.new_page()
        guest_seen = watch(guest)
        join(guest, live, name="Ana Lopez")
        number = order_espresso(guest)
        guest.wait_for_selector("#live-indicator[data-state=live]")

        act(page, "pending", number, "cancel")
        page.wait_for_selector("#cancel-dialog[open]")
        assert page.locator("#cancel-question").inner_text() == f"Cancel #{number} Espresso for Ana Lopez?"
        page.click("#cancel-confirm")  # no reason yet: refused, the order stays
        assert page.locator("#cancel-error").inner_text() == "Type a reason for the guest."
        page.click("#cancel-keep")
        page.wait_for_selector("#cancel-dialog", state="hidden")
        assert Order.get(Order.number == number).status == "pending"

        act(page, "pending", number, "cancel")
        page.fill("#cancel-reason", "out of beans <i>sorry</i>")
        shot(page, "barista-cancel")
        page.click("#cancel-confirm")
        card(page, "pending", number).wait_for(state="detached")
        row = Order.get(Order.number == number)
        assert (row.status, row.cancel_reason) == ("cancelled", "out of beans <i>sorry</i>")

        guest.wait_for_selector(".message-cancelled")
        assert "out of beans <i>sorry</i>" in guest.locator(".message-cancelled").inner_text()
        reason = guest.locator(f'.order[data-number="{number}"] .order-reason')
        assert reason.inner_text() == "out of beans <i>sorry</i>"
        guest_seen.check()
    finally:
        phone_context.close()


@pytest.mark.parametrize("kind", ["expired", "garbage"])
def test_a_rejected_token_returns_to_sign_in(
    tablet: tuple[Any, PageWatch], live: Live, kind: str
) -> None:
    page, seen = tablet
    seen.allow(401, "/api/admin/orders")
    if kind == "expired":
        token = tokens.issue_access(
            live.app.extensions["bar"].keys, user_key="admin:1", username="sam", role="admin",
            issuer=live.settings.issuer, ttl=timedelta(hours=4), now=utcnow() - timedelta(hours=5),
        )
    else:
        token = "not.a.token"
    page.goto(f"{live.url}/barista")
    page.wait_for_selector("#login-view:visible")
    page.evaluate("t => sessionStorage.setItem('bar.barista.token', t)", token)
    page.reload()
    page.wait_for_selector("#login-error:visible")
    assert page.locator("#login-error").inner_text() == "Your sign-in has expired. Please sign in again."
    assert page.locator("#queue-view").is_hidden()
    assert page.evaluate("sessionStorage.getItem('bar.barista.token')") is None


@pytest.fixture
def short_live(settings: Settings, keys: Keys) -> Iterator[Live]:
    """The app with 4-second access tokens: a sign-in expires while the page is open."""
    brief = dataclasses.replace(settings, access_ttl=timedelta(seconds=4))
    app = create_app(brief)
    server, url = run_in_thread(app)
    yield Live(app=app, url=url, settings=brief)
    server.shutdown()
    app.extensions["bar"].hub.stop()


def test_a_sign_in_that_expires_on_the_open_page_returns_to_sign_in(
    tablet: tuple[Any, PageWatch], short_live: Live
) -> None:
    page, seen = tablet
    seen.allow(401, "/api/admin/")  # on a slow machine a reload may be the first to notice
    admins.create_admin("sam", PASSWORD, now=utcnow())
    page.goto(f"{short_live.url}/barista")
    page.fill("#login-username", "sam")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#queue-view:visible")
    # Nothing is clicked: the server closes the socket when the token expires, and the
    # page says why instead of reconnecting with a dead token.
    page.wait_for_selector("#login-error:visible", timeout=10_000)
    assert page.locator("#login-error").inner_text() == "Your sign-in has expired. Please sign in again."
    assert page.evaluate("sessionStorage.getItem('bar.barista.token')") is None
    assert page.locator("#live-indicator").is_hidden()


def test_a_move_another_barista_made_first_is_explained(
    tablet: tuple[Any, PageWatch], live: Live
) -> None:
    page, seen = tablet
    seen.allow(409, "/api/admin/orders/")
    sign_in(page, live)
    order = live.order(live.guest("Bea"), drink_id="espresso")
    card(page, "pending", order.number).wait_for()
    page.evaluate("window.__sameDocument = true")

    def kiosk_first(route: Any) -> None:
        """The kiosk claims and finishes the order just before this tablet's tap arrives."""
        orders.advance(order.id, barista="kim", now=utcnow())
        orders.advance(order.id, barista="kim", now=utcnow())
        route.continue_()

    page.route("**/api/admin/orders/*/status", kiosk_first)
    act(page, "pending", order.number, "claim")
    page.wait_for_selector("#toast:visible")
    assert "cannot go from ready to preparing" in page.locator("#toast").inner_text()
    card(page, "ready", order.number).wait_for()
    assert page.locator(".order-card").count() == 1
    assert page.evaluate("window.__sameDocument") is True


def test_open_close_and_stock_from_the_tablet(tablet: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = tablet
    sign_in(page, live)
    assert page.locator("#shop-status").inner_text() == "Open"
    page.click("#shop-toggle")
    assert page.locator("#shop-toggle").inner_text() == "Tap again to close"
    assert shop.is_open()  # one tap is not enough
    page.click("#shop-toggle")
    page.wait_for_selector("#shop-status[data-open=false]")
    assert not shop.is_open()
    shop.set_open(True, now=utcnow())  # from the kiosk: the tablet follows
    page.wait_for_selector("#shop-status[data-open=true]")

    page.click("#drinks-button")
    page.wait_for_selector("#drinks-dialog[open]")
    row = page.locator('.stock-row[data-id="negroni"]')
    assert row.locator(".stock-toggle").inner_text() == "In stock"
    row.locator(".stock-toggle").click()
    page.wait_for_selector('.stock-row[data-id="negroni"] .stock-toggle[aria-pressed=false]')
    assert Drink.get_by_id("negroni").is_active is False
    menu.set_in_stock("espresso", False, now=utcnow())
    page.wait_for_selector('.stock-row[data-id="espresso"] .stock-toggle[aria-pressed=false]')
    shot(page, "barista-drinks")
    page.click("#drinks-close")
    assert page.locator("#drinks-button").inner_text() == "Drinks (2 out)"


def test_a_price_being_typed_survives_another_drink_changing_live(
    tablet: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = tablet
    sign_in(page, live)
    page.click("#drinks-button")
    page.wait_for_selector("#drinks-dialog[open]")
    price = page.locator('.stock-row[data-id="negroni"] .price-input')
    price.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("12.5")
    page.keyboard.press("ArrowLeft")  # the caret sits before the 5
    page.evaluate("window.__negroniField = document.activeElement")

    menu.set_in_stock("espresso", False, now=utcnow())  # the kiosk, meanwhile
    page.wait_for_selector('.stock-row[data-id="espresso"] .stock-toggle[aria-pressed=false]')
    assert price.input_value() == "12.5"
    assert page.evaluate("""() => {
      const field = document.activeElement;
      return field === window.__negroniField && field.isConnected && field.selectionStart === 3;
    }""")
    page.keyboard.press("Enter")  # confirms: the typed price is the one saved
    page.wait_for_selector('.stock-row[data-id="negroni"] .price-input[data-saved="12.5"]')
    assert Drink.get_by_id("negroni").price == 12.5
    assert price.input_value() == "12.5"


def _busy_night(live: Live) -> list[Order]:
    """Orders of every wait: fresh, waiting (3 min) and late (6 and 8 min), in all columns."""
    now = utcnow()
    names = ["Ana Lopez", "Bea", "Cai Wen", "Dan O'Neil", "Eve", "Fay", "Gus", "Hana Mori"]
    drinks = ["negroni", "negroni", "flat-white", "espresso", "negroni", "espresso", "flat-white",
              "aperol-spritz"]
    ages = [8, 6, 4, 3, 3, 1, 0, 0]
    placed = []
    for name, drink, minutes in zip(names, drinks, ages, strict=True):
        note = "no garnish, please" if name == "Cai Wen" else ""
        placed.append(orders.place_order(
            live.settings, live.guest(name), drink_id=drink, note=note,
            now=now - timedelta(minutes=minutes),
        ).order)
    live.advance(placed[0].id, "sam")
    live.advance(placed[0].id, "sam")  # ready
    live.advance(placed[2].id, "kim")  # preparing
    live.advance(placed[3].id, "sam")
    return placed


@pytest.mark.parametrize(
    ("viewport", "scheme", "name"),
    [(LANDSCAPE, "light", "landscape"), (PORTRAIT, "dark", "portrait-dark")],
)
def test_queue_on_a_tablet(
    browser: Any, live: Live, viewport: dict[str, int], scheme: str, name: str
) -> None:
    placed = _busy_night(live)
    context, page, seen = open_tablet(browser, viewport, scheme)
    try:
        sign_in(page, live)
        for order in placed[4:]:
            card_of(page, order).wait_for()
        assert page.locator("#count-pending").inner_text() == "5"
        assert page.locator("#count-preparing").inner_text() == "2"
        assert page.locator("#count-ready").inner_text() == "1"
        # Oldest first, coloured by the kiosk's rule (2 and 5 minutes).
        pending = page.locator("#column-pending .order-card")
        assert pending.evaluate_all("els => els.map(e => e.dataset.wait)") == [
            "late", "waiting", "fresh", "fresh", "fresh"
        ]
        ready = card_of(page, placed[0])
        assert (ready.get_attribute("data-status"), ready.get_attribute("data-wait")) == ("ready", "late")
        assert page.locator("#batches").inner_text() == "2× Negroni (big cube)"
        # Everything fits across: no column wider than a third, no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        for button in page.locator(".order-card button").all()[:6]:
            assert button.bounding_box()["height"] >= 48
        shot(page, f"barista-{name}")
        seen.check()
    finally:
        context.close()


def test_reconnect_and_resync_reload_the_queue(tablet: tuple[Any, PageWatch], live: Live) -> None:
    """The tablet's Wi-Fi drops twice. The first time it catches up with `since`; the
    second time the server has no replay for it ("resync"): only the REST reload can
    bring what it missed."""
    page, _ = tablet
    wifi = Wifi(page)
    first = live.order(live.guest("Ana"), drink_id="espresso")
    sign_in(page, live)
    card_of(page, first).wait_for()
    page.evaluate("window.__sameDocument = true")

    wifi.drop()
    second = live.order(live.guest("Bea"), drink_id="negroni")
    live.advance(first.id)  # claimed at the kiosk
    page.wait_for_timeout(500)
    assert card_of(page, second).count() == 0  # nothing gets through
    wifi.restore()
    card_of(page, second).wait_for()
    page.wait_for_selector(f'#column-preparing .order-card[data-id="{first.id}"]')
    resubscribe = wifi.subscribes()[-1]
    assert isinstance(resubscribe.get("since"), int) and resubscribe["since"] > 0
    assert resubscribe["channels"] == ["admin", "config"]

    wifi.drop()

    def stale_since(body: dict[str, Any]) -> dict[str, Any]:
        if body["type"] == "subscribe":
            body["since"] = 10**9  # a cursor the server cannot replay from
        return body

    wifi.rewrite = stale_since
    third = live.order(live.guest("Cai"), drink_id="espresso")
    live.advance(first.id)  # ready
    live.advance(first.id)  # served: leaves the queue
    wifi.restore()
    card_of(page, third).wait_for()
    card_of(page, first).wait_for(state="detached")
    assert {"type": "resync"} in wifi.received
    assert page.evaluate("window.__sameDocument") is True


def test_a_french_tablet_signs_in_moves_and_cancels_in_french(browser: Any, live: Live) -> None:
    context, page, seen = open_tablet(browser, locale="fr-FR")
    languages: list[str | None] = []
    page.on("request", lambda r: r.url.split("?")[0].endswith("/status")
            and languages.append(r.headers.get("x-bar-language")))
    try:
        page.goto(f"{live.url}/barista")
        page.wait_for_selector("#login-view:visible")
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.locator("#login-title").inner_text() == "Connexion barista"
        page.click("#login-submit")  # nothing typed
        assert page.locator("#login-error").inner_text() == (
            "Saisissez votre nom d’utilisateur et votre mot de passe.")
        sign_in(page, live)
        assert page.locator("#title-pending [data-i18n]").inner_text() == "En attente"
        assert page.locator("#live-indicator").inner_text() == "En direct"

        ana, bo = live.guest("Ana"), live.guest("Bo")
        first = live.order(ana, drink_id="espresso")
        second = live.order(bo, drink_id="negroni")
        card(page, "pending", first.number).wait_for()
        assert card(page, "pending", first.number).locator(".card-age").inner_text().endswith(" s")
        card(page, "pending", first.number).locator("button[data-action=claim]:text-is('Prendre')").click()
        preparing = card(page, "preparing", first.number)
        preparing.wait_for()
        assert preparing.locator("button[data-action=ready]").inner_text() == "Prête"
        assert languages == ["fr"]  # the server's messages would come back in French

        # The cancel dialog is French; the chip's label too, but what the guest is sent
        # is its English template (the guest's page translates it).
        act(page, "pending", second.number, "cancel")
        page.wait_for_selector("#cancel-dialog[open]")
        assert page.locator("#cancel-question").inner_text() == f"Annuler #{second.number} Negroni pour Bo ?"
        assert page.locator("label[for=cancel-reason]").inner_text() == "Motif (le client le verra)"
        page.click("#cancel-confirm")
        assert page.locator("#cancel-error").inner_text() == "Indiquez un motif pour le client."
        page.click(".chip-button:text-is('En rupture de stock')")
        assert page.input_value("#cancel-reason") == "En rupture de stock"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "tablet-fr-cancel.png"), animations="disabled")
        assert page.locator("#cancel-confirm").inner_text() == "Annuler la commande"
        page.click("#cancel-confirm")
        card(page, "pending", second.number).wait_for(state="detached")
        assert (Order.get_by_id(second.id).status, Order.get_by_id(second.id).cancel_reason) == (
            "cancelled", "Out of stock")
        page.screenshot(path=str(SCREENSHOTS / "tablet-fr.png"), animations="disabled")

        # The switcher: German, kept on this tablet, still signed in.
        page.select_option("#language", "de")
        page.wait_for_selector('html[lang="de"] #queue-view:visible')
        preparing.wait_for()
        assert page.locator("#title-preparing [data-i18n]").inner_text() == "In Zubereitung"
        assert preparing.locator("button[data-action=unclaim]").inner_text() == "Zurückgeben"
        assert page.evaluate("localStorage.getItem('bar.language')") == "de"
        live.order(live.guest("Jürgen"), drink_id="espresso")
        page.wait_for_selector("#column-pending .order-card")
        page.click("#drinks-button")
        page.wait_for_selector("#drinks-dialog[open]")
        page.screenshot(path=str(SCREENSHOTS / "tablet-de-drinks.png"), animations="disabled")
        page.click("#drinks-close")
        page.screenshot(path=str(SCREENSHOTS / "tablet-de.png"), animations="disabled")
        overflowing = page.evaluate("""() => [...document.querySelectorAll(
            '.column-title, .card-actions .button, .barista-tools .button')]
            .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)""")
        assert overflowing == []  # long German words fit
    finally:
        context.close()
    seen.check()


def test_a_portuguese_tablet_names_drinks_as_the_menu_does_in_portuguese(browser: Any, live: Live) -> None:
    menu.edit_drink("espresso", {"translations": {"pt": {"name": "Expresso"}}}, now=utcnow())
    context, page, seen = open_tablet(browser, locale="pt-BR")
    try:
        sign_in(page, live)
        ana = live.guest("Ana")
        espresso = live.order(ana, drink_id="espresso")
        negroni = live.order(ana, drink_id="negroni")
        assert card_of(page, espresso).locator(".card-drink").inner_text() == "Expresso"
        assert card_of(page, negroni).locator(".card-drink").inner_text() == "Negroni"  # no translation
        # its option in the menu's Portuguese words (words_pt); the order keeps the host's
        assert card_of(page, negroni).locator(".card-mods").inner_text() == "gelo: cubo grande"
        assert negroni.modifiers == {"ice": "big cube"}

        # A translation changed live reaches the open tablet through MENU_CHANGED.
        menu.edit_drink("negroni", {"translations": {"pt": {"name": "Negroni da casa"}}}, now=utcnow())
        wait_for_js(page, """(id) => document.querySelector(`.order-card[data-id="${id}"] .card-drink`)
            .textContent === 'Negroni da casa'""", negroni.id)
        # The order itself keeps the name it was made under: receipts and stats say that.
        assert Order.get_by_id(espresso.id).drink_name == "Espresso"
    finally:
        context.close()
    seen.check()


def test_a_name_in_arabic_reads_right_to_left_on_its_card_and_in_the_cancel_question(
    tablet: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = tablet
    sign_in(page, live)
    order = live.order(live.guest("مريم"), drink_id="espresso")
    name = card_of(page, order).locator(".card-name")
    name.wait_for()
    assert (name.inner_text(), name.evaluate("e => getComputedStyle(e).direction")) == ("مريم", "rtl")
    act(page, "pending", order.number, "cancel")
    page.wait_for_selector("#cancel-dialog[open]")
    # The name is set apart (<bdi>): the question mark stays at the end of the sentence.
    assert page.locator("#cancel-question").inner_text() == f"Cancel #{order.number} Espresso for مريم?"
    assert page.locator("#cancel-question bdi").inner_text() == "مريم"
    page.click("#cancel-keep")
