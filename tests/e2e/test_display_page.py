"""The TV board: In line, Preparing and Ready live, the party's invite, announcements,
type that scales with the count, and the pop-up scan code for admins."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bar import admins, board, datadir, notifications, orders, registration, scan, shop, timers
from bar.clock import utcnow
from bar.config import DEFAULT_LAST_CALL, Settings
from bar.db import db
from bar.tokens import Keys
from tests.conftest import with_rules
from tests.e2e.conftest import TV, Live, PageWatch, Wifi, shot, wait_for_js, watch
from webapp import create_app
from webapp.server import run_in_thread

FULL_HD = {"width": 1920, "height": 1080}
SCREENSHOTS = Path("/tmp/bar-i18n-shots")  # looked at by hand, kept out of the repo

pytestmark = pytest.mark.browser


def ticket(page: Any, column: str, number: int) -> Any:
    return page.locator(f'#{column}-board [data-number="{number}"]')


@contextmanager
def serving(settings: Settings) -> Iterator[Live]:
    """The web app for `settings` (an initialised data dir) on a loopback port."""
    app = create_app(settings)
    server, url = run_in_thread(app, host="127.0.0.1", port=0)
    try:
        yield Live(app=app, url=url, settings=settings)
    finally:
        server.shutdown()
        app.extensions["bar"].hub.stop()


@contextmanager
def full_hd(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    """A 1920×1080 TV."""
    context = browser.new_context(viewport=FULL_HD, device_scale_factor=1, locale="en-GB")
    page = context.new_page()
    seen = watch(page)
    try:
        yield page, seen
    finally:
        context.close()
    seen.check()


def orders_on_the_board(
    live: Live, names: list[str], *, claimed: int, made: int, drink_id: str = "negroni"
) -> list[Any]:
    """An order each, in this order: the first `claimed` are claimed, the first `made`
    of those ready, the rest in line."""
    placed = [live.order(live.guest(name), drink_id=drink_id) for name in names]
    for order in placed[:claimed]:
        live.advance(order.id)  # preparing
    for order in placed[:made]:
        live.advance(order.id)  # ready
    return placed


def font_px(page: Any, selector: str) -> float:
    """The font size of what `selector` finds, read in one go: the board redraws its
    tickets as new nodes, and a node it dropped has no computed style (NaN)."""
    return float(wait_for_js(page, """(selector) => {
        const e = document.querySelector(selector);
        const px = e && e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : NaN;
        return px > 0 ? px : null;
    }""", selector))


def test_board_follows_orders_live(tv: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = tv
    names = ["Bea Smith", "Cai", "Dan O'Neil", "<img src=x onerror=alert(1)>", "Fay", "Gus",
             "Hana Mori", "Ivo"]
    placed = orders_on_the_board(live, names, claimed=6, made=3, drink_id="espresso")

    page.goto(f"{live.url}/display")
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#bar-name").inner_text() == live.settings.name
    assert page.locator("#open-status").inner_text() == "Open"
    for order in placed[:3]:
        ticket(page, "ready", order.number).wait_for()
    for order in placed[3:6]:
        ticket(page, "preparing", order.number).wait_for()
    assert page.locator(".ticket").count() == 6
    for order in placed[6:]:  # the rest are in line
        ticket(page, "waiting", order.number).wait_for()

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
        wait_for_js(page, "document.querySelector('#scan-qr').naturalWidth > 0")

        # A guest orders with the code: the count goes down within a poll or two.
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


# -- the line, the invite, announcements, type that scales ---------------------------------


def test_twenty_waiting_orders_are_in_line(browser: Any, live: Live) -> None:
    """The queue is full (20 pending): the board lists them by number and first name,
    as many as fit, and counts the rest; nothing says the queue is empty."""
    placed = [live.order(live.guest(f"Guest{n:02d} Surname")) for n in range(20)]
    with full_hd(browser) as (page, _):
        page.goto(f"{live.url}/display")
        page.wait_for_selector("#live-indicator[data-state=live]")
        ticket(page, "waiting", placed[0].number).wait_for()
        assert page.locator("#waiting-count").inner_text() == "20"
        chips = page.locator("#waiting-board .line-ticket")
        shown = chips.count()
        numbers = [int(n) for n in chips.evaluate_all("es => es.map(e => e.dataset.number)")]
        assert numbers == [o.number for o in placed[:shown]]  # the oldest first
        assert chips.first.locator(".ticket-name").inner_text() == "Guest00"
        if shown < 20:
            assert page.locator(".line-more").inner_text() == f"+{20 - shown} more"
        else:
            assert page.locator(".line-more").is_hidden()
        assert shown >= 12  # a 1080p TV has room for most of a full queue
        # Every listed ticket is on screen, inside its board.
        box = page.locator("#waiting-board").bounding_box()
        last = chips.nth(shown - 1).bounding_box()
        assert last["y"] + last["height"] <= box["y"] + box["height"] + 1
        assert "No orders in the queue" not in page.locator("body").inner_text()
        shot(page, "tv-1080p-20-waiting")

        # Two claimed, one made: the board moves them along live.
        live.advance(placed[0].id)
        live.advance(placed[1].id)
        live.advance(placed[0].id)
        ticket(page, "ready", placed[0].number).wait_for()
        ticket(page, "preparing", placed[1].number).wait_for()
        page.wait_for_selector("#waiting-count:text-is('18')")


def test_a_night_of_twenty_orders_and_of_two(browser: Any, live: Live) -> None:
    """Screenshots of the TV at 1080p: a busy night (8 in line, 6 being made, 6 ready)
    with the invite, and a quiet one (one being made, one ready)."""
    live.code()  # the party's invite, as `bar up` makes one
    names = ["Ana Lopez", "Bo", "Cyrille", "Dee Dee", "Eli", "Fay", "Gus", "Hana Mori", "Ivo",
             "Jun", "Kai", "Lea", "Mo", "Nils", "Oona", "Pia", "Quinn", "Rafa", "Sol", "Tomasz"]
    placed = orders_on_the_board(live, names, claimed=12, made=6)
    with full_hd(browser) as (page, _):
        page.goto(f"{live.url}/display")
        page.wait_for_selector("#scan-panel:visible")
        ticket(page, "waiting", placed[19].number).wait_for()
        wait_for_js(page, "document.querySelector('#scan-qr').naturalWidth > 0")
        assert page.locator(".ticket").count() == 12
        shot(page, "tv-1080p-20-orders")

        for order in placed[:6]:
            live.advance(order.id)  # served
        for order in placed[7:11]:
            live.advance(order.id)  # ready
            live.advance(order.id)  # served
        for order in placed[12:]:
            cancel(order.id)
        live.advance(placed[6].id)  # ready; placed[11] is still being made
        ticket(page, "ready", placed[6].number).wait_for()
        ticket(page, "waiting", placed[19].number).wait_for(state="detached")
        ticket(page, "ready", placed[10].number).wait_for(state="detached")
        assert page.locator(".ticket").count() == 2
        shot(page, "tv-1080p-2-orders")


def cancel(order_id: str) -> None:
    orders.move(order_id, orders.CANCELLED, actor="barista", barista="Sam", reason="out of limes",
                now=utcnow())


def test_the_party_invite_shows_big_unless_the_host_turns_it_off(
    browser: Any, settings: Settings, keys: Keys
) -> None:
    with serving(settings) as live:
        code = live.code()
        with full_hd(browser) as (page, _):
            page.clock.install()  # the half-minute re-read, fast-forwarded below
            page.goto(f"{live.url}/display")
            page.wait_for_selector("#scan-panel:visible")
            assert page.locator("#scan-title").inner_text() == "Scan to join"
            assert page.locator("#scan-url").inner_text().endswith(f"/j/{code}")
            # The code to type is never split over two lines (the address may be).
            end = page.locator("#scan-url .scan-url-end")
            assert end.inner_text() == code
            assert end.evaluate("e => e.getClientRects().length") == 1
            wait_for_js(page, "document.querySelector('#scan-qr').naturalWidth > 0")
            qr = page.locator("#scan-qr").bounding_box()
            assert qr["width"] >= 300  # big: scanned from a few steps away
            assert page.locator("#admin-login").is_hidden()

            # The host revokes it, which announces nothing: the board drops it at its next
            # re-read, half a minute on.
            registration.revoke_code(code)
            page.clock.fast_forward(31_000)
            page.wait_for_selector("#scan-panel", state="hidden")

    off = dataclasses.replace(settings, show_join_code=False)
    with serving(off) as live:
        hidden = live.code()
        with full_hd(browser) as (page, _):
            page.goto(f"{live.url}/display?admin=1")
            page.wait_for_selector("#live-indicator[data-state=live]")
            wait_for_js(page, "!!document.querySelector('#waiting-board .board-empty')")
            assert page.locator("#scan-panel").is_hidden()
            assert page.locator("#admin-login").is_hidden()  # no code to sign in for
            assert hidden not in page.content() and "/j/" not in page.content()


def test_an_announcement_shows_on_the_board_then_goes(tv: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = tv
    page.goto(f"{live.url}/display")
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#announcement").is_hidden()

    notifications.announce("Last call! <b>Kitchen</b> closes at 1", now=utcnow())
    page.wait_for_selector("#announcement:visible")
    assert page.locator("#announcement").inner_text() == "Last call! <b>Kitchen</b> closes at 1"
    assert page.locator("#announcement b").count() == 0  # text, never markup
    shot(page, "display-announcement")

    # One made nearly its whole time ago goes within seconds, as each one does at the end.
    nearly_over = utcnow() - board.ANNOUNCEMENT_SHOWN_FOR + timedelta(seconds=3)
    notifications.announce("Taxis are here", now=nearly_over)
    page.wait_for_selector("#announcement:text-is('Taxis are here')")
    page.wait_for_selector("#announcement", state="hidden", timeout=15_000)

    # A page opened while one is fresh shows it too.
    notifications.announce("Happy birthday, Bo!", now=utcnow())
    page.reload()
    page.wait_for_selector("#announcement:text-is('Happy birthday, Bo!')")


def test_type_scales_with_the_count(tv: tuple[Any, PageWatch], live: Live) -> None:
    """One ready drink is called out bigger than one of twelve."""
    placed = [live.order(live.guest(f"G{n}")) for n in range(12)]
    live.advance(placed[0].id)
    live.advance(placed[0].id)
    page, _ = tv
    page.goto(f"{live.url}/display")
    number = f'#ready-board [data-number="{placed[0].number}"] .ticket-number'
    page.wait_for_selector(number)
    alone = font_px(page, number)
    for order in placed[1:]:
        live.advance(order.id)
        live.advance(order.id)
    ticket(page, "ready", placed[11].number).wait_for()
    among_twelve = font_px(page, number)
    assert alone > 1.5 * among_twelve, (alone, among_twelve)
    # Twelve still fit: every ticket inside the board.
    box = page.locator("#ready-board").bounding_box()
    for n in range(12):
        t = page.locator("#ready-board .ticket").nth(n).bounding_box()
        assert t["y"] + t["height"] <= box["y"] + box["height"] + 1
        assert t["x"] + t["width"] <= box["x"] + box["width"] + 1


FITS = """() => [...document.querySelectorAll('.board-title, .scan-title, .open-status')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)"""


def test_the_board_speaks_the_hosts_german(browser: Any, settings: Settings, keys: Keys) -> None:
    """bar.language = "de" on a TV whose browser is English; `?lang=pt` overrides it."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with serving(dataclasses.replace(settings, language="de")) as live:
        live.code()  # the party's invite: the board shows it
        waiting, made = orders_on_the_board(live, ["Jürgen", "Maëlle"], claimed=1, made=1)[::-1]
        with full_hd(browser) as (page, _):
            page.goto(f"{live.url}/display")
            page.wait_for_selector("#live-indicator[data-state=live]")
            assert page.evaluate("document.documentElement.lang") == "de"
            ticket(page, "ready", made.number).wait_for()
            ticket(page, "waiting", waiting.number).wait_for()
            assert page.locator("#waiting-title").inner_text().startswith("In der Schlange")
            assert page.locator("#preparing-title").inner_text() == "In Zubereitung"
            assert page.locator("#ready-title").inner_text() == "Abholbereit"
            assert page.locator("#open-status").inner_text() == "Geöffnet"
            assert page.locator("#scan-title").inner_text() == "Scannen und mitmachen"
            assert page.locator("#scan-remaining").inner_text() == "dann bestellst du auf deinem Handy"
            empty = page.locator("#preparing-board .board-empty")
            assert empty.inner_text() == "Gerade wird nichts zubereitet"
            assert page.title() == f"{live.settings.name} — Bestellungen"

            # A live order: claimed at the kiosk, it moves on the German board.
            live.advance(waiting.id)
            ticket(page, "preparing", waiting.number).wait_for()
            page.screenshot(path=str(SCREENSHOTS / "board-de.png"), animations="disabled")
            assert page.evaluate(FITS) == []  # long German words fit their columns

            page.goto(f"{live.url}/display?lang=pt")
            ticket(page, "preparing", waiting.number).wait_for()
            assert page.evaluate("document.documentElement.lang") == "pt"
            assert page.locator("#ready-title").inner_text() == "Prontos"
            page.screenshot(path=str(SCREENSHOTS / "board-pt.png"), animations="disabled")
            assert page.evaluate(FITS) == []

            # The bar's own last call in the board's words; the host's as written.
            notifications.announce(DEFAULT_LAST_CALL, now=utcnow(), kind=timers.LAST_CALL)
            page.wait_for_selector('#announcement:text-is("Última rodada!")')
            notifications.announce("Last call <b>now</b>", now=utcnow())
            page.wait_for_selector('#announcement:text-is("Last call <b>now</b>")')


def test_names_in_any_script_show_as_typed(tv: tuple[Any, PageWatch], live: Live) -> None:
    """Korean, Cyrillic and Greek as typed; Arabic right to left, its number still first."""
    names = ["مريم", "김민준", "Дмитрий", "Ωμέγα"]
    placed = [live.order(live.guest(name)) for name in names]
    page, _ = tv
    page.goto(f"{live.url}/display")
    for order, name in zip(placed, names, strict=True):
        shown = ticket(page, "waiting", order.number).locator(".ticket-name")
        shown.wait_for()
        assert shown.inner_text() == name
    arabic = ticket(page, "waiting", placed[0].number)
    name = arabic.locator(".ticket-name")
    assert name.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert arabic.locator(".ticket-number").bounding_box()["x"] < name.bounding_box()["x"]
