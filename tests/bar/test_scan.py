"""Pop-up mode: rotating scan codes with a drink budget per window."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from bar import registration, scan
from bar.errors import ScanCodeInvalid, WindowSpent
from bar.models import Order, ScanWindow
from tests.conftest import with_rules


@pytest.fixture
def popup(settings):
    popup = with_rules(settings, mode="popup", drinks_per_window=3, max_open_orders_per_guest=5,
                       rotate_every=timedelta(minutes=5), scan_grace=timedelta(seconds=60))
    # The window budget is under test here, not the orders-per-minute limit.
    return dataclasses.replace(popup, orders_per_minute=0)


def test_window_rotates_and_previous_code_has_grace(popup, keys, clock):
    rules = popup.rules
    first = scan.current(rules, now=clock())
    assert scan.current(rules, now=clock()).code == first.code
    clock.now = first.rotates_at
    second = scan.current(rules, now=clock())
    assert second.code != first.code and second.drinks_remaining == 3
    assert scan.is_acceptable(first.code, rules, now=clock() + timedelta(seconds=59))
    assert not scan.is_acceptable(first.code, rules, now=clock() + timedelta(seconds=60))


def test_orders_use_the_window_budget(popup, make, clock):
    code = scan.current(popup.rules, now=clock()).code
    guest = make.guest()
    for _ in range(3):
        make.order(guest, settings=popup, scan_code=code)
    with pytest.raises(WindowSpent):
        make.order(guest, settings=popup, scan_code=code)
    assert scan.current(popup.rules, now=clock()).drinks_remaining == 0


@pytest.mark.parametrize("code,error", [(None, "scan_code_missing"), ("fake", "scan_code_invalid")])
def test_missing_or_fake_scan_codes(popup, make, clock, code, error):
    scan.current(popup.rules, now=clock())
    with pytest.raises(ScanCodeInvalid) as refused:
        make.order(make.guest(), settings=popup, scan_code=code)
    assert refused.value.code == error and Order.select().count() == 0


def test_stale_scan_code(popup, make, clock):
    old = scan.current(popup.rules, now=clock())
    guest = make.guest()
    clock.now = old.rotates_at + timedelta(seconds=61)
    with pytest.raises(ScanCodeInvalid) as refused:
        make.order(guest, settings=popup, scan_code=old.code)
    assert refused.value.code == "scan_code_stale"


def test_scan_code_registers_without_using_a_drink(popup, keys, clock):
    current = scan.current(popup.rules, now=clock())
    reg = registration.register(popup, keys, code=current.code, username="Stranger", now=clock())
    assert reg.guest.username == "Stranger"
    assert scan.current(popup.rules, now=clock()).drinks_remaining == 3


def test_concurrent_orders_never_exceed_the_window(popup, make, clock):
    budget = with_rules(popup, drinks_per_window=10, max_queue=100)
    code = scan.current(budget.rules, now=clock()).code
    guests = [make.guest(f"Guest {i}") for i in range(24)]
    results: list[str] = []
    start = threading.Barrier(len(guests))

    def attempt(guest):
        start.wait()
        try:
            make.order(guest, settings=budget, scan_code=code)
            results.append("ok")
        except WindowSpent:
            results.append("spent")

    threads = [threading.Thread(target=attempt, args=(g,)) for g in guests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results.count("ok") == 10 and results.count("spent") == 14
    assert ScanWindow.get_by_id(code).drinks_used == 10 and Order.select().count() == 10


def test_join_code_is_the_invite_at_a_party_and_the_scan_code_at_a_popup(settings, popup, keys, clock):
    party = registration.join_code(settings, now=clock(), created_by="test")
    assert not party.popup and party.uses_left == party.max_uses == settings.invite_max_uses == 25
    assert registration.join_code(settings, now=clock(), created_by="test").code == party.code
    popup_code = registration.join_code(popup, now=clock(), created_by="test")
    assert popup_code.popup and popup_code.drinks_remaining == 3
    assert popup_code.code == scan.current(popup.rules, now=clock()).code
