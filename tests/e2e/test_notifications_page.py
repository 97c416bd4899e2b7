"""The guest page's notifications: what it missed while away, reminders, sign-out, inbox."""

from __future__ import annotations

from typing import Any

import pytest

from bar import notifications, orders
from bar.clock import utcnow
from bar.models import Notification, Order
from tests.e2e.conftest import Live, PageWatch, shot
from tests.e2e.test_guest_page import _wait_until, join, order_espresso, order_espresso_live

pytestmark = pytest.mark.browser


def unread_on_server() -> list[str]:
    return [n.type for n in Notification.select().where(Notification.read_at.is_null())]


def test_a_ready_drink_missed_while_away_is_shown_on_return(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    number = order_espresso(page)
    page.wait_for_selector("#live-indicator[data-state=live]")
    context = page.context
    page.close()  # the phone locks; the page is gone

    order = Order.get(Order.number == number)
    live.advance(order.id, barista="Sam")
    live.advance(order.id)
    notifications.announce("Cake in the kitchen", now=utcnow())
    assert unread_on_server() == ["ORDER_READY", "ANNOUNCEMENT"]

    again = context.new_page()
    again.goto(live.url)
    # Delivered on connecting, before anything live: the pickup card and the badge.
    again.locator(f'#ready-banner .pickup[data-number="{number}"]').wait_for()
    again.wait_for_selector("#inbox-count:text-is('2')")
    assert "Cake in the kitchen" in again.locator(".message-announcement").inner_text()
    assert unread_on_server() == ["ORDER_READY", "ANNOUNCEMENT"]  # shown is not read yet

    shot(again, "guest-inbox-badge")
    again.click("#inbox-button")
    items = again.locator("#inbox-list .inbox-item")
    items.first.wait_for()
    assert items.all_inner_texts()[0].startswith("From ")
    assert f"#{number} Espresso is ready" in items.all_inner_texts()[1]
    shot(again, "guest-inbox")
    _wait_until(lambda: unread_on_server() == [])
    assert again.locator("#inbox-count").is_hidden()
    assert again.locator('#inbox-list .inbox-item[data-read="true"]').count() == 2


def test_a_drink_left_at_the_bar_is_reminded_once(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    order = order_espresso_live(page)
    number = order.number
    live.advance(order.id, barista="Sam")
    live.advance(order.id)
    page.locator(f'#ready-banner .pickup[data-number="{number}"]').wait_for()

    later = utcnow() + live.settings.rules.remind_after
    assert len(orders.remind_uncollected(live.settings.rules, now=later)) == 1
    reminder = page.locator(".message-reminder")
    reminder.wait_for()
    assert f"#{number} Espresso is still waiting for you at the bar." in reminder.inner_text()
    reminder.locator(".dismiss").click()
    _wait_until(lambda: "ORDER_REMINDER" not in unread_on_server())

    # Served: the ready notification has nothing left to say, on the server and the badge.
    live.advance(order.id)
    _wait_until(lambda: unread_on_server() == [])
    page.wait_for_selector("#inbox-count", state="hidden")


def test_a_guest_the_host_signs_out_is_sent_back_to_join(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, seen = phone
    seen.allow(401, "/api/")
    join(page, live, name="Mallory")
    page.wait_for_selector("#live-indicator[data-state=live]")
    live.kick("Mallory")
    page.wait_for_selector("#join-view:visible")
    assert "The host signed you out" in page.locator("#join-notice").inner_text()
    assert page.evaluate("localStorage.getItem('bar.tokens')") is None
    # Reopening the page does not bring the session back.
    page.reload()
    page.wait_for_selector("#join-view:visible")


def test_inbox_is_empty_and_readable_at_first(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, _ = phone
    join(page, live)
    assert page.locator("#inbox-count").is_hidden()
    page.click("#inbox-button")
    assert page.locator("#inbox-empty").is_visible()
    page.click("#inbox-close")
    assert not page.locator("#inbox[open]").count()


def test_sign_out_on_this_phone_takes_two_taps_and_revokes_the_session(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    from bar.models import RefreshToken

    page, _ = phone
    join(page, live)
    page.click("#tab-orders")
    page.click("#sign-out")
    assert page.locator("#sign-out").inner_text() == "Tap again to sign out"
    assert page.locator("#app-view").is_visible()
    page.click("#sign-out")
    page.wait_for_selector("#join-view:visible")
    assert "You’re signed out" in page.locator("#join-notice").inner_text()
    assert page.evaluate("localStorage.getItem('bar.tokens')") is None
    _wait_until(lambda: RefreshToken.select().where(RefreshToken.is_revoked == False).count() == 0)  # noqa: E712


def test_a_signed_out_guest_is_told_so_by_the_api_too(phone: tuple[Any, PageWatch], live: Live) -> None:
    """With the socket down, the next request's 401 `signed_out` says the same."""
    page, seen = phone
    seen.allow(401, "/api/")
    page.route_web_socket("**/ws", lambda ws: ws.close())  # the Wi-Fi keeps dropping the socket
    join(page, live, name="Mallory")
    live.kick("Mallory")
    # The next request says it: this order, or, if it comes first, one the page makes by
    # itself while its socket is down (then the menu is already gone, and so is the need
    # to order). One step in the page, so the two cannot interleave.
    page.evaluate("""() => {
        const drink = document.querySelector('.drink[data-id="espresso"]');
        if (!drink || !drink.checkVisibility()) return;
        drink.click();
        document.querySelector('#order-button').click();
    }""")
    page.wait_for_selector("#join-view:visible")
    assert "The host signed you out" in page.locator("#join-notice").inner_text()
    assert page.locator("#inbox-button").is_hidden()
