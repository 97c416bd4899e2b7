"""The guest page on a 390×844 phone: what a guest must see without looking for it.

- a cancelled order (and its reason) comes into view, with vibration and a chime,
  however far down the guest had scrolled, as a ready drink does;
- a full queue is said on the menu before a drink is picked, and unsaid by itself
  when a drink is made;
- a wrong or expired invite is said when the join page opens, before any name is
  asked for, with what to do next; a code can be typed by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bar import orders
from bar.clock import utcnow
from bar.models import Order, RegistrationCode
from tests.conftest import with_rules
from tests.e2e.conftest import Live, PageWatch, shot, wait_for_js, watch
from tests.e2e.test_guest_page import join, order_espresso, order_sheet

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}

# The page's vibrations and chimes, recorded: headless Chromium has no motor and the
# test no ears. `navigator.vibrate` is replaced; every oscillator the page starts is
# kept, so its notes can be read back.
RECORD_ALERTS = """
window.__buzz = [];
Object.defineProperty(navigator, 'vibrate', {
  configurable: true, value: (pattern) => { window.__buzz.push(pattern); return true; },
});
window.__tones = [];
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  const osc = createOscillator.call(this);
  window.__tones.push(osc);
  return osc;
};
"""


@pytest.fixture
def settings(settings: Any) -> Any:
    """A queue of two: one test fills it in two orders; two open orders per guest."""
    return with_rules(settings, max_queue=2, max_open_orders_per_guest=2)


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    context = browser.new_context(
        viewport=PHONE_390, is_mobile=True, has_touch=True, device_scale_factor=1,
        color_scheme="light", locale="en-GB",
    )
    context.add_init_script(RECORD_ALERTS)
    page = context.new_page()
    seen = watch(page)
    yield page, seen
    context.close()
    seen.check()


def scroll_to_the_bottom(page: Any) -> None:
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    wait_for_js(page, "window.scrollY > 400")


def in_view(page: Any, selector: str) -> None:
    """Wait until the element is wholly on screen below the sticky top bar (smooth
    scrolling takes a moment)."""
    wait_for_js(
        page,
        """(sel) => { const el = document.querySelector(sel);
            if (!el) return false;
            const r = el.getBoundingClientRect();
            const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
            return r.top >= bar - 1 && r.bottom <= window.innerHeight + 1; }""",
        arg=selector,
    )


@pytest.mark.parametrize("end", ["cancelled", "ready"])
def test_a_cancellation_or_a_ready_drink_comes_into_view_when_scrolled(
    phone: tuple[Any, PageWatch], live: Live, end: str
) -> None:
    page, _ = phone
    join(page, live)
    number = order_espresso(page)
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.click("#tab-menu")  # the long list: the guest browses down it
    scroll_to_the_bottom(page)
    assert page.evaluate("window.__buzz") == []
    order = Order.get(Order.number == number)
    reason = "out of beans <b>sorry</b>"
    if end == "cancelled":
        orders.move(order.id, "cancelled", actor="barista", reason=reason, now=utcnow())
        card = ".message-cancelled"
    else:
        live.advance(order.id)
        live.advance(order.id)
        card = f'#ready-banner .pickup[data-number="{number}"]'
    page.wait_for_selector(card)
    in_view(page, card)
    text = page.locator(card).inner_text()
    # One path for both: vibration, and three notes (rising when ready, falling when not).
    assert page.evaluate("window.__buzz") == (
        [[200, 100, 200]] if end == "cancelled" else [[250, 120, 250, 120, 500]])
    notes = page.evaluate("window.__tones.map((o) => o.frequency.value)")
    assert len(notes) == 3
    assert notes == (sorted(notes, reverse=True) if end == "cancelled" else sorted(notes))
    if end == "cancelled":
        assert f"#{number} Espresso was cancelled" in text
        assert f"Reason: {reason}." in text  # as text
        assert page.locator(".message-cancelled b").count() == 0
        page.wait_for_selector("#toast", state="hidden")  # "Ordered!", from before
        shot(page, "phone-cancelled")
    else:
        assert "Ready! Pick it up at the bar" in text


def test_a_full_queue_is_said_before_a_drink_is_chosen_and_unsaid_when_one_is_made(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    join(page, live)
    page.wait_for_selector("#live-indicator[data-state=live]")
    assert page.locator("#full-banner").is_hidden()
    order_sheet(page, "negroni")  # a guest picking options as the queue fills
    others = [live.order(live.guest(name), "espresso") for name in ("Bo", "Cy")]
    page.wait_for_selector("#order-error:has-text('The queue is full right now')")
    assert page.locator("#order-button").is_disabled()
    page.click("#sheet-close")
    banner = page.locator("#full-banner")
    banner.wait_for()
    assert "The queue is full right now" in banner.inner_text()
    assert page.locator(".drink:enabled").count() == 0
    page.reload()  # the menu says so from the start, not only live
    page.wait_for_selector("#full-banner:visible")
    assert page.locator(".drink:enabled").count() == 0
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.wait_for_selector("#toast", state="hidden")
    shot(page, "phone-queue-full")

    live.advance(others[0].id)  # claimed: still in the queue
    page.wait_for_timeout(300)
    assert banner.is_visible()
    for _ in range(2):  # made, then served: room for one more
        live.advance(others[0].id)
    page.wait_for_selector("#full-banner", state="hidden")
    assert page.locator('.drink[data-id="negroni"]').is_enabled()
    assert "room in the queue again" in page.locator("#toast").inner_text()
    order_sheet(page, "negroni")
    page.click("#order-button")
    page.locator(".order[data-number]").first.wait_for()


def test_a_wrong_invite_is_said_before_a_name_is_asked_for(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    page.goto(f"{live.url}/j/ZZZZ-ZZZZ")
    box = page.locator("#join-bad-code")
    box.wait_for()
    assert "This invite code isn't valid" in box.inner_text()
    assert page.locator("#username").is_hidden()
    assert page.locator("#code-input").is_visible()
    shot(page, "phone-bad-invite")

    # A code typed by hand, as the host reads it out: any case, with a dash.
    code = live.code()
    page.fill("#code-input", f"{code[:4].lower()}-{code[4:].lower()}")
    page.click("#code-submit")
    page.fill("#username", "Ana")
    assert box.is_hidden()
    page.click("#join-submit")
    page.wait_for_selector(".drink[data-id]")
    assert RegistrationCode.get_by_id(code).use_count == 1


@pytest.mark.parametrize("spoil,message", [
    ({"expires_at": "past"}, "This invite has expired\nAsk the host for a new QR code."),
    ({"use_count": 50}, "This invite has been used up\nAsk the host for a new QR code."),
])
def test_an_expired_or_used_up_invite_says_what_to_do_next(
    phone: tuple[Any, PageWatch], live: Live, spoil: dict[str, Any], message: str
) -> None:
    page, _ = phone
    code = live.code()
    values = {k: (utcnow() if v == "past" else v) for k, v in spoil.items()}
    RegistrationCode.update(**values).where(RegistrationCode.code == code).execute()
    page.goto(f"{live.url}/j/{code}")
    page.wait_for_selector("#join-bad-code:visible")
    assert page.locator("#join-bad-code").inner_text().split() == message.split()
    assert page.locator("#join-form").is_hidden()
    if "expires_at" in spoil:
        shot(page, "phone-expired-invite")


def test_a_short_link_joins_and_leaves_the_address_bar(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, _ = phone
    code = live.code()
    page.goto(f"{live.url}/j/{code}")
    page.fill("#username", "Ana")
    page.click("#join-submit")
    page.wait_for_selector(".drink[data-id]")
    assert page.url == f"{live.url}/"  # the code left the address bar
