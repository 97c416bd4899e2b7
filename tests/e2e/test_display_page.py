"""The TV board: live Preparing/Ready columns, and the pop-up scan code for admins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bar import admins, datadir, scan, shop
from bar.clock import utcnow
from bar.db import db
from tests.conftest import with_rules
from tests.e2e.conftest import TV, Live, PageWatch, Wifi, shot, watch

pytestmark = pytest.mark.browser


def ticket(page: Any, board: str, number: int) -> Any:
    return page.locator(f'#{board}-board .ticket[data-number="{number}"]')


def test_board_follows_orders_live(tv: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = tv
    names = ["Bea Smith", "Cai", "Dan O'Neil", "<img src=x onerror=alert(1)>", "Fay", "Gus",
             "Hana Mori", "Ivo"]
    placed = [live.order(live.guest(name), drink_id="espresso") for name in names]
    for order in placed[:6]:
        live.advance(order.id)  # preparing
    for order in placed[:3]:
        live.advance(order.id)  # ready

    page.goto(f"{live.url}/display")
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#bar-name").inner_text() == live.settings.name
    assert page.locator("#open-status").inner_text() == "Open"
    for order in placed[:3]:
        ticket(page, "ready", order.number).wait_for()
    for order in placed[3:6]:
        ticket(page, "preparing", order.number).wait_for()
    assert page.locator(".ticket").count() == 6  # pending orders stay off the board

    # Names are text: the would-be <img> is shown literally, first word only.
    markup = ticket(page, "preparing", placed[3].number)
    assert markup.locator(".ticket-name").inner_text() == "<img"
    assert page.locator(".ticket img").count() == 0

    # The kiosk moves orders along: the board follows without a reload.
    page.evaluate("window.__sameDocument = true")
    live.advance(placed[3].id)  # preparing -> ready
    ticket(page, "ready", placed[3].number).wait_for()
    ticket(page, "preparing", placed[3].number).wait_for(state="detached")
    live.advance(placed[6].id)  # pending -> preparing
    ticket(page, "preparing", placed[6].number).wait_for()
    live.advance(placed[0].id)  # ready -> served: leaves the board
    ticket(page, "ready", placed[0].number).wait_for(state="detached")
    assert page.evaluate("window.__sameDocument") is True
    shot(page, "display-board")

    shop.set_open(False, now=utcnow())
    page.wait_for_selector("#open-status[data-open=false]")
    assert page.locator("#open-status").inner_text() == "Closed"
    assert page.locator("#closed-note").is_visible()
    assert seen.dialogs == []


def test_board_shows_at_most_14_per_column(tv: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = tv
    placed = []
    for i in range(16):
        placed.append(live.order(live.guest(f"Guest{i}"), drink_id="espresso"))
    for order in placed[:15]:
        live.advance(order.id)
    page.goto(f"{live.url}/display")
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.locator("#preparing-board .ticket").nth(13).wait_for()
    assert page.locator("#preparing-board .ticket").count() == 14
    live.advance(placed[15].id)  # a 16th, live
    page.wait_for_timeout(500)
    assert page.locator("#preparing-board .ticket").count() == 14


@pytest.fixture
def popup_live(settings: Any) -> Iterator[Live]:
    from webapp import create_app
    from webapp.server import run_in_thread

    # A day-long window: the code cannot rotate in the middle of a test.
    popup = with_rules(settings, mode="popup", drinks_per_window=10, rotate_every=timedelta(days=1))
    datadir.init(popup)
    admins.create_admin("sam", "correct horse battery", now=utcnow())
    app = create_app(popup)
    server, url = run_in_thread(app)
    yield Live(app=app, url=url, settings=popup)
    server.shutdown()
    app.extensions["bar"].hub.stop()
    db.close()


def test_admin_display_shows_the_rotating_scan_code(browser: Any, popup_live: Live) -> None:
    live = popup_live
    context = browser.new_context(viewport=TV, device_scale_factor=1)
    try:
        page = context.new_page()
        seen = watch(page)
        seen.allow(401, "/api/admin/login")
        page.goto(f"{live.url}/display")
        page.wait_for_selector("#live-indicator[data-state=live]")
        assert page.locator("#admin-login").is_hidden()  # only with ?admin=1

        page.goto(f"{live.url}/display?admin=1")
        page.fill("#admin-username", "sam")
        page.fill("#admin-password", "wrong")
        page.click("#admin-login-submit")
        page.wait_for_selector("#admin-login-error:visible")
        assert "Wrong username or password" in page.locator("#admin-login-error").inner_text()
        page.fill("#admin-password", "correct horse battery")
        page.click("#admin-login-submit")
        page.wait_for_selector("#scan-panel:visible")
        assert page.evaluate("sessionStorage.getItem('bar.adminToken')")
        assert page.evaluate("localStorage.getItem('bar.adminToken')") is None
        current = scan.current(live.settings.rules, now=utcnow())
        assert page.locator("#scan-remaining").inner_text() == "10 drinks left"
        assert current.code in page.locator("#scan-url").inner_text()
        assert page.locator("#scan-countdown").inner_text().startswith("New code in ")
        src = page.locator("#scan-qr").get_attribute("src")
        assert src.startswith("/qr.svg?data=")
        page.wait_for_selector("#scan-qr:visible")
        page.wait_for_function("document.querySelector('#scan-qr').naturalWidth > 0")

        # A guest orders with the code: the count goes down within a poll or two.
        from bar import orders
        guest = live.guest("Ola")
        orders.place_order(live.settings, guest, drink_id="espresso", scan_code=current.code,
                           now=utcnow())
        page.wait_for_selector("#scan-remaining:text-is('9 drinks left')")
        shot(page, "display-popup")

        # Signed in, the display keeps the panel after a reload, even without ?admin=1.
        page.goto(f"{live.url}/display")
        page.wait_for_selector("#scan-panel:visible")
        seen.check()
    finally:
        context.close()


def test_board_says_offline_when_it_loses_the_server(tv: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = tv
    wifi = Wifi(page)
    page.goto(f"{live.url}/display")
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#open-status").inner_text() == "Open"
    assert page.locator("#offline-note").is_hidden()

    wifi.drop()
    assert page.locator("#open-status").inner_text() == "Offline"  # never a stale "Open"
    assert page.locator("#offline-note").is_visible()
    shot(page, "display-offline")

    wifi.restore()
    page.wait_for_selector("#offline-note", state="hidden")
    assert page.locator("#open-status").inner_text() == "Open"
