"""The guest page on a 360×640 phone: join, menu, order, live status, alerts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from bar import notifications, orders, scan, shop
from bar.clock import utcnow
from bar.models import Guest, Notification, Order
from tests.e2e.conftest import TIMEOUT_MS, Live, PageWatch, Wifi, shot, wait_for_js

pytestmark = pytest.mark.browser


def join(page: Any, live: Live, name: str = "Ana Lopez", code: str | None = None) -> None:
    """Open the join link, register, and wait for the menu."""
    page.goto(f"{live.url}/join?code={code or live.code()}")
    page.fill("#username", name)
    page.click("#join-submit")
    page.wait_for_selector(".drink[data-id]")


def order_sheet(page: Any, drink_id: str) -> None:
    page.click(f'.drink[data-id="{drink_id}"]')
    page.wait_for_selector("#order-sheet[open]")


def first_order_number(page: Any) -> int:
    """Wait for the newest order in "My orders" and return its number."""
    row = page.locator(".order[data-number]").first
    row.wait_for()
    return int(row.get_attribute("data-number"))


def order_espresso(page: Any) -> int:
    """Order an espresso from the menu; returns its number once it is listed."""
    order_sheet(page, "espresso")
    page.click("#order-button")
    return first_order_number(page)


def order_espresso_live(page: Any) -> Order:
    """Order an espresso and wait for the page's live socket; the order, as the bar keeps it."""
    number = order_espresso(page)
    page.wait_for_selector("#live-indicator[data-state=live]")
    return Order.get(Order.number == number)


def status_of(page: Any, number: int) -> Any:
    return page.locator(f'.order[data-number="{number}"] .status')


def test_join_order_and_see_it_ready_live(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    page.goto(f"{live.url}/join?code={live.code()}")
    page.wait_for_selector("#join-form")
    assert page.locator("label[for=username]").inner_text() == "What should the barista call you?"
    page.fill("#username", "Ana Lopez")
    shot(page, "guest-join")
    page.click("#join-submit")
    page.wait_for_selector('.drink[data-id="flat-white"]')

    assert "code=" not in page.url  # the invite code left the address bar
    tokens = page.evaluate("localStorage.getItem('bar.tokens')")
    assert tokens and "refresh_token" in tokens
    assert page.locator("#bar-name").inner_text() == live.settings.name
    assert page.locator(".category-title").all_inner_texts()[:3] == [
        "COCKTAILS", "MOCKTAILS", "COFFEE"
    ]  # shown upper-case by the stylesheet
    page.wait_for_selector("#live-indicator[data-state=live]")
    shot(page, "guest-menu")

    order_sheet(page, "flat-white")
    assert page.locator('input[name="mod-milk"][value="whole"]').is_checked()  # the default
    page.click('label.choice:has(input[name="mod-milk"][value="oat"])')
    page.fill("#order-note", "extra hot please")
    shot(page, "guest-order-sheet")
    page.click("#order-button")

    number = first_order_number(page)
    assert status_of(page, number).inner_text() == "Waiting"
    assert "Milk: oat" in page.locator(f'.order[data-number="{number}"]').inner_text()
    order = Order.get(Order.number == number)
    assert order.modifiers == {"milk": "oat", "size": "regular"}
    assert order.note == "extra hot please"

    # The barista moves it along in the kiosk; the page follows without a reload.
    page.evaluate("window.__sameDocument = true")
    live.advance(order.id, barista="Sam")
    page.wait_for_selector(
        f'.order[data-number="{number}"] .status:text-is("Being made by Sam")', timeout=TIMEOUT_MS
    )
    live.advance(order.id)
    page.wait_for_selector(
        f'.order[data-number="{number}"] .status:text-is("Ready! Pick it up")', timeout=TIMEOUT_MS
    )
    banner = page.locator(f'#ready-banner .pickup[data-number="{number}"]')
    banner.wait_for()
    assert f"#{number}" in banner.inner_text()
    assert "Flat White" in banner.inner_text()
    assert "for Ana" in banner.inner_text()
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_selector("#toast", state="hidden")
    shot(page, "guest-orders-ready")

    page.click(f'#ready-banner .pickup[data-number="{number}"] .pickup-dismiss')
    assert page.locator("#ready-banner").is_hidden()
    # The ready notification was shown, then marked read.
    _wait_until(lambda: Notification.select().where(
        Notification.type == "ORDER_READY", Notification.read_at.is_null()).count() == 0)


def _wait_until(predicate: Any, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_guest_name_with_markup_is_shown_as_text(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    name = "<img src=x onerror=alert(1)>"
    join(page, live, name=name)
    greeting = page.locator("#greeting")
    assert name in greeting.inner_text()
    assert greeting.locator("img").count() == 0
    order_sheet(page, "negroni")
    page.fill("#order-note", "<b>bold</b> & <script>alert(2)</script>")
    page.click("#order-button")
    note = page.locator(".order .order-note").first
    note.wait_for()
    assert "<b>bold</b> & <script>alert(2)</script>" in note.inner_text()
    # The drinks' thumbnails are the page's own images; nothing the guest typed is one.
    assert page.locator(".order b, .order script, main img:not(.drink-thumb)").count() == 0
    assert seen.dialogs == []


def test_closed_bar_shows_banner_and_blocks_ordering(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#closed-banner").is_hidden()
    shop.set_open(False, now=utcnow())  # the host closes the bar from the kiosk
    page.wait_for_selector("#closed-banner:visible")
    assert "closed" in page.locator("#closed-banner").inner_text().lower()
    assert page.locator('.drink[data-id="negroni"]').is_disabled()
    page.reload()
    page.wait_for_selector("#closed-banner:visible")
    assert page.locator(".drink:enabled").count() == 0
    shot(page, "guest-closed")
    shop.set_open(True, now=utcnow())
    page.wait_for_selector("#closed-banner", state="hidden")
    assert page.locator('.drink[data-id="negroni"]').is_enabled()


def test_out_of_stock_drink_is_greyed_out(phone: tuple[Any, PageWatch], live: Live) -> None:
    from bar import menu

    page, _ = phone
    join(page, live)
    page.wait_for_selector("#live-indicator[data-state=live]")
    menu.set_in_stock("margarita", False, now=utcnow())
    card = page.locator('.drink[data-id="margarita"]')
    page.wait_for_selector('.drink.unavailable[data-id="margarita"]')
    assert card.is_disabled()
    assert "Out of stock" in card.inner_text()


def test_double_tap_on_order_places_one_order(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    order_sheet(page, "negroni")
    page.dblclick("#order-button")
    page.locator(".order[data-number]").first.wait_for()
    page.wait_for_timeout(500)  # let any second request land
    assert Order.select().count() == 1
    assert page.locator(".order[data-number]").count() == 1


def test_retry_after_network_error_reuses_the_idempotency_key(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    """The first POST reaches the server but its answer is lost; the retry must not
    create a second order."""
    page, seen = phone
    join(page, live)
    keys: list[str] = []

    def lose_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the order is placed…
            route.abort("connectionreset")  # …but the phone never hears back
        else:
            route.continue_()

    page.route("**/api/orders", lambda route: lose_answer(route)
               if route.request.method == "POST" else route.continue_())
    order_sheet(page, "negroni")
    page.click("#order-button")
    page.wait_for_selector("#order-error:visible")
    assert "Wi-Fi" in page.locator("#order-error").inner_text()
    page.click("#order-button")
    page.locator(".order[data-number]").first.wait_for()
    assert len(keys) == 2 and keys[0] == keys[1]
    assert Order.select().count() == 1
    seen.errors.clear()  # the aborted request is logged by the browser


def test_queue_full_and_per_guest_limit_messages(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, seen = phone
    seen.allow(409, "/api/orders")
    join(page, live)
    for count in (1, 2):  # the sample party allows two open orders per guest
        page.click("#tab-menu")
        order_sheet(page, "espresso")
        page.click("#order-button")
        page.locator(".order[data-number]").nth(count - 1).wait_for()
    page.click("#tab-menu")
    order_sheet(page, "espresso")
    page.click("#order-button")
    page.wait_for_selector("#order-error:visible")
    assert "You already have a drink on the way" in page.locator("#order-error").inner_text()


def test_cancel_a_pending_order(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    number = order_espresso(page)
    page.click(f'.order[data-number="{number}"] .cancel-button')
    page.click(f'.order[data-number="{number}"] .cancel-button:text-is("Tap again to cancel")')
    page.wait_for_selector(f'.order[data-number="{number}"] .status:text-is("Cancelled")')
    assert Order.get(Order.number == number).status == "cancelled"
    # The guest cancelled it: no "your order was cancelled" alert for them.
    page.wait_for_timeout(300)
    assert page.locator(".message-cancelled").count() == 0


def test_barista_cancel_and_announcement_are_shown(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    from bar import orders

    page, _ = phone
    join(page, live)
    order = order_espresso_live(page)
    number = order.number
    orders.move(order.id, "cancelled", actor="barista", reason="out of beans", now=utcnow())
    page.wait_for_selector(".message-cancelled")
    assert "out of beans" in page.locator(".message-cancelled").inner_text()
    assert "out of beans" in page.locator(f'.order[data-number="{number}"]').inner_text()

    notifications.announce("Last call! <b>10 minutes</b>", now=utcnow())
    banner = page.locator(".message-announcement")
    banner.wait_for()
    assert "Last call! <b>10 minutes</b>" in banner.inner_text()
    banner.locator(".dismiss").click()
    assert banner.count() == 0
    # Dismissing a banner marks its notification read; the cancellation is still unread.
    _wait_until(lambda: [n.type for n in Notification.select().where(
        Notification.read_at.is_null())] == ["ORDER_CANCELLED"])
    page.locator(".message-cancelled .dismiss").click()
    _wait_until(lambda: Notification.select().where(Notification.read_at.is_null()).count() == 0)


def test_expired_access_token_is_refreshed(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(401, "/api/")
    join(page, live)
    old = page.evaluate("JSON.parse(localStorage.getItem('bar.tokens'))")
    # Spoil the access token: the next request gets 401, refreshes, retries once.
    page.evaluate(
        """() => { const t = JSON.parse(localStorage.getItem('bar.tokens'));
        t.access_token = 'not-a-token'; localStorage.setItem('bar.tokens', JSON.stringify(t)); }"""
    )
    page.reload()
    page.wait_for_selector("#live-indicator[data-state=live]")
    order_sheet(page, "espresso")
    page.click("#order-button")
    page.locator(".order[data-number]").first.wait_for()
    new = page.evaluate("JSON.parse(localStorage.getItem('bar.tokens'))")
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != "not-a-token"


def test_refused_refresh_sends_the_guest_back_to_join(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, seen = phone
    seen.allow(401, "/api/")
    join(page, live)
    page.evaluate(
        """() => { const t = JSON.parse(localStorage.getItem('bar.tokens'));
        t.access_token = 'not-a-token'; t.refresh_token = 'revoked';
        localStorage.setItem('bar.tokens', JSON.stringify(t)); }"""
    )
    page.reload()
    page.wait_for_selector("#join-view:visible")
    assert "Scan the QR code at the bar" in page.locator("#join-notice").inner_text()
    assert page.locator("#join-no-code").is_visible()
    assert page.evaluate("localStorage.getItem('bar.tokens')") is None


def test_bad_invite_code_is_explained(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    page.goto(f"{live.url}/join?code=not-a-real-code")
    page.wait_for_selector("#join-bad-code:visible")
    assert "isn't valid" in page.locator("#join-bad-code").inner_text()
    assert page.locator("#username").is_hidden()  # said before any name is asked for


def test_a_code_refused_when_joining_is_explained(phone: tuple[Any, PageWatch], live: Live) -> None:
    """Good when the page opened, used up by the time the guest typed a name."""
    from bar.models import RegistrationCode

    page, seen = phone
    seen.allow(403, "/api/register")
    code = live.code(max_uses=1)
    page.goto(f"{live.url}/join?code={code}")
    page.fill("#username", "Ana")
    RegistrationCode.update(use_count=1).execute()
    page.click("#join-submit")
    page.wait_for_selector("#join-error:visible")
    assert "used up — ask the host for a new QR code" in page.locator("#join-error").inner_text()


def test_no_code_explains_how_to_join(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    page.goto(live.url)
    page.wait_for_selector("#join-no-code:visible")
    assert "Scan the QR code at the bar to join" in page.locator("#join-no-code").inner_text()
    assert page.locator("#join-form").is_hidden()
    assert page.locator("#code-input").is_visible()  # or type the code
    shot(page, "guest-no-code")


@pytest.fixture
def popup_settings(settings: Any) -> Any:
    from tests.conftest import with_rules

    # A day-long window: the code cannot rotate in the middle of a test.
    return with_rules(settings, mode="popup", max_open_orders_per_guest=1,
                      rotate_every=timedelta(days=1))


def test_popup_scan_code_registers_and_orders(
    browser: Any, popup_settings: Any, tmp_path: Any
) -> None:
    """Pop-up mode: the display's scan code registers the guest and pays for the drink."""
    from bar import datadir
    from bar.db import db
    from tests.e2e.conftest import PHONE, watch
    from webapp import create_app
    from webapp.server import run_in_thread

    datadir.init(popup_settings)
    app = create_app(popup_settings)
    server, url = run_in_thread(app)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        seen = watch(page)
        code = scan.current(popup_settings.rules, now=utcnow()).code
        page.goto(f"{url}/join?code={code}")
        page.fill("#username", "Cai")
        page.click("#join-submit")
        page.wait_for_selector('.drink[data-id="espresso"]')
        assert page.locator("#scan-banner").is_hidden()
        order_sheet(page, "espresso")
        page.click("#order-button")
        page.locator(".order[data-number]").first.wait_for()
        assert Order.get().scan_code == code
        assert scan.current(popup_settings.rules, now=utcnow()).drinks_remaining == 9
        seen.check()
    finally:
        context.close()
        server.shutdown()
        app.extensions["bar"].hub.stop()
        db.close()


def test_dark_mode_menu(browser: Any, live: Live) -> None:
    from tests.e2e.conftest import PHONE, watch

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  color_scheme="dark")
    try:
        page = context.new_page()
        seen = watch(page)
        join(page, live, name="Dee")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(20, 19, 17)"
        shot(page, "guest-menu-dark")
        seen.check()
    finally:
        context.close()


def test_tap_targets_are_large_enough(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'button, .choice span, input:not([type=radio]), textarea')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.id || el.className, el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    order_sheet(page, "cappuccino")
    small = page.evaluate(
        """() => [...document.querySelectorAll('#order-sheet button, #order-sheet .choice span')]
            .map((el) => [el.textContent, el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    # Every form control has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea')]
            .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id)"""
    )
    assert unlabelled == []


def test_reconnects_and_catches_up_on_what_it_missed(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    """The Wi-Fi drops: the page says Offline, reconnects by itself with `since`, and
    shows the change it missed (by replay and by re-fetching its orders)."""
    page, _ = phone
    wifi = Wifi(page)
    join(page, live)
    number = order_espresso(page)
    page.wait_for_selector("#live-indicator[data-state=live]")
    first = wifi.subscribes()
    assert first and "since" not in first[0]  # a new guest starts from now

    wifi.drop()
    assert page.locator("#live-indicator").inner_text() == "Offline"
    live.advance(Order.get(Order.number == number).id, barista="Sam")
    page.wait_for_timeout(1000)
    assert status_of(page, number).inner_text() == "Waiting"  # nothing gets through

    wifi.restore()
    page.wait_for_selector(
        f'.order[data-number="{number}"] .status:text-is("Being made by Sam")'
    )
    again = wifi.subscribes()[-1]
    assert isinstance(again.get("since"), int) and again["since"] > 0
    assert again["channels"][0].startswith("orders/")


def test_a_tickets_qr_code_opens_the_guests_own_order_and_nothing_else(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    ana = Guest.get(Guest.username == "Ana Lopez")
    unlimited = dataclasses.replace(live.settings, orders_per_minute=0)
    served = []
    for _ in range(8):  # made and served: the first ticket's order ends up far down the list
        order = orders.place_order(unlimited, ana, drink_id="espresso", now=utcnow()).order
        for _ in range(3):
            live.advance(order.id)
        served.append(order)
    someone_elses = live.order(live.guest("Bo"), "negroni")
    shown = ".order[data-order-id]"

    # Someone else's ticket (or a made-up id): the page as it is, the id gone from the address.
    page.goto(f"{live.url}/?order={someone_elses.id}")
    page.wait_for_selector(f'{shown}[data-order-id="{served[0].id}"]', state="attached")
    assert page.locator(shown).count() == 8
    assert page.locator(f'[data-order-id="{someone_elses.id}"]').count() == 0
    assert page.locator(".order.spotlight").count() == 0
    assert page.get_attribute("#tab-menu", "aria-selected") == "true"
    assert page.url == f"{live.url}/"

    page.goto(f"{live.url}/?order={served[0].id}")
    card = page.locator(f'.order.spotlight[data-order-id="{served[0].id}"]')
    card.wait_for()
    assert page.get_attribute("#tab-orders", "aria-selected") == "true"
    assert page.url == f"{live.url}/"
    wait_for_js(page, """id => {
      const box = document.querySelector(`.order[data-order-id="${id}"]`).getBoundingClientRect();
      return window.scrollY > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    }""", served[0].id)
    page.wait_for_selector(".order.spotlight", state="detached")  # a moment, not for good

    page.reload()  # the address no longer names the order: nothing opens again
    page.wait_for_selector(f'{shown}[data-order-id="{served[0].id}"]', state="attached")
    assert page.locator(".order.spotlight").count() == 0
    assert page.get_attribute("#tab-menu", "aria-selected") == "true"
