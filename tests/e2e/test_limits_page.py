"""The guest page under the rate limits, and no token in any URL the page requests."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Live, PageWatch, shot
from tests.e2e.test_guest_page import join, order_sheet

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Any) -> Any:
    """Low limits, so one test reaches each of them in a step or two."""
    return dataclasses.replace(settings, registrations_per_minute=2, orders_per_minute=1)


def test_too_many_orders_is_explained(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(429, "/api/orders")
    join(page, live)
    order_sheet(page, "espresso")
    page.click("#order-button")
    page.locator(".order[data-number]").first.wait_for()
    page.click("#tab-menu")
    order_sheet(page, "espresso")
    page.click("#order-button")
    page.wait_for_selector("#order-error:visible")
    message = page.locator("#order-error").inner_text()
    assert message.startswith("Too many orders: try again in ") and message.endswith(" s")
    assert page.locator("#order-button").is_enabled()  # the guest can try again later
    shot(page, "guest-order-rate-limited")


def test_too_many_registrations_are_explained(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(429, "/api/register")
    for name in ("Ana", "Bob"):  # from this address, as the phone will be
        response = requests.post(f"{live.url}/api/register", json={"username": name},
                                 headers={"X-Registration-Code": live.code()}, timeout=5)
        assert response.status_code == 201
    page.goto(f"{live.url}/join?code={live.code()}")
    page.fill("#username", "Eve")
    page.click("#join-submit")
    page.wait_for_selector("#join-error:visible")
    message = page.locator("#join-error").inner_text()
    assert message.startswith("Too many attempts: try again in ") and message.endswith(" s")
    shot(page, "guest-join-rate-limited")


def test_no_token_ever_travels_in_a_url(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(401, "/api/")
    urls: list[str] = []
    tokens: set[str] = set()

    def keep_tokens(response: Any) -> None:
        if response.url.endswith(("/api/register", "/api/auth/refresh")) and response.ok:
            body = response.json()
            tokens.update({body["access_token"], body["refresh_token"]})

    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.on("response", keep_tokens)
    join(page, live)
    page.wait_for_selector("#live-indicator[data-state=live]")
    order_sheet(page, "espresso")
    page.click("#order-button")
    page.locator(".order[data-number]").first.wait_for()
    # Spoil the access token: the page refreshes it (a second pair) and reconnects.
    page.evaluate(
        """() => { const t = JSON.parse(localStorage.getItem('bar.tokens'));
        t.access_token = 'not-a-token'; localStorage.setItem('bar.tokens', JSON.stringify(t)); }"""
    )
    page.reload()
    page.wait_for_selector("#live-indicator[data-state=live]")
    page.click("#tab-orders")
    page.locator(".order[data-number]").first.wait_for()

    assert len(tokens) >= 3 and any(u.startswith("ws://") for u in urls)
    leaks = [url for url in urls for token in tokens if token in url]
    assert leaks == []
