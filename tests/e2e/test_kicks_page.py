"""A guest the host kicked tries to join again: the join page says why, politely."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bar.models import Guest
from tests.e2e.conftest import Live, PageWatch, shot
from tests.e2e.test_guest_page import join

pytestmark = pytest.mark.browser

KICKED = "The host has asked you not to order tonight. If that’s a mistake, please ask at the bar."


def try_join(page: Any, live: Live, code: str, name: str) -> None:
    page.goto(f"{live.url}/join?code={code}")
    page.fill("#username", name)
    page.click("#join-submit")


def test_a_kicked_phone_is_told_it_may_not_join_tonight(
    phone: tuple[Any, PageWatch], live: Live
) -> None:
    page, seen = phone
    seen.allow(401, "/api/")  # the kicked session's last requests
    seen.allow(403, "/api/register")
    code = live.code()
    join(page, live, name="Mallory", code=code)
    device = page.evaluate("localStorage.getItem('bar.device')")
    assert re.fullmatch(r'"[0-9a-f]{32}"', device)
    assert Guest.get(Guest.username == "Mallory").device_id == device.strip('"')
    live.kick("Mallory")
    page.wait_for_selector("#join-view:visible")

    # Scanning the invite again, with another name, from the same phone.
    try_join(page, live, code, "Sunshine")
    page.wait_for_selector("#join-error:visible")
    assert page.locator("#join-error").inner_text() == KICKED
    assert page.locator("#join-view").is_visible() and page.locator("#name-taken").is_hidden()
    shot(page, "join-kicked")

    # Storage cleared (a new phone, as far as the bar can tell): the name is still out...
    page.evaluate("localStorage.clear()")
    try_join(page, live, code, "mallory")
    page.wait_for_selector("#join-error:visible")
    assert page.locator("#join-error").inner_text() == KICKED
    # ...another name gets in: a bar, not a border (the README says so).
    try_join(page, live, code, "Sunshine")
    page.wait_for_selector(".drink[data-id]")
    assert sorted(g.username for g in Guest.select()) == ["Mallory", "Sunshine"]
