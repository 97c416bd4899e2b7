"""Joining with a name someone here already has, or with a look-alike letter in it."""

from __future__ import annotations

from typing import Any

import pytest

from bar.models import Guest
from tests.e2e.conftest import Live, PageWatch, shot

pytestmark = pytest.mark.browser


def try_join(page: Any, live: Live, name: str) -> None:
    page.goto(f"{live.url}/join?code={live.code()}")
    page.fill("#username", name)
    page.click("#join-submit")


def test_a_taken_name_suggests_an_initial(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(409, "/api/register")
    live.guest("Ana")
    try_join(page, live, "ana")
    page.wait_for_selector("#name-taken:visible")
    assert "already called ana" in page.locator("#name-taken-text").inner_text()
    assert "“ana B.”" in page.locator("#name-taken-text").inner_text()
    assert page.locator("#join-anyway").inner_text() == "Join as ana anyway"
    # The name is ready for an initial, the cursor after it.
    assert page.input_value("#username") == "ana "
    shot(page, "join-name-taken")
    page.keyboard.type("B.")
    page.click("#join-submit")
    page.wait_for_selector(".drink[data-id]")
    assert page.locator("#greeting").inner_text().startswith("Hi ana B.!")
    assert sorted(g.username for g in Guest.select()) == ["Ana", "ana B."]


def test_the_guest_may_keep_the_name(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(409, "/api/register")
    live.guest("Sam")
    try_join(page, live, "Sam")
    page.click("#join-anyway")
    page.wait_for_selector(".drink[data-id]")
    assert page.locator("#greeting").inner_text().startswith("Hi Sam!")
    assert [g.username for g in Guest.select()] == ["Sam", "Sam"]


def test_a_look_alike_letter_is_explained(phone: tuple[Any, PageWatch], live: Live) -> None:
    page, seen = phone
    seen.allow(400, "/api/register")
    try_join(page, live, "\u0410na")  # a Cyrillic А
    page.wait_for_selector("#join-error:visible")
    message = page.locator("#join-error").inner_text()
    assert "CYRILLIC CAPITAL LETTER A" in message and "looks like a Latin letter" in message
    assert page.locator("#name-taken").is_hidden()
    assert Guest.select().count() == 0
