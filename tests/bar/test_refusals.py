"""Turned-away demand (`bar.refusals`): every refused order is counted, a guest's
repeats are held back and written together, and `bar stats` and the summary say so."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from bar import events, orders, refusals, scan, shop, stats, summary
from bar.errors import (
    NotFound,
    QueueFull,
    RateLimited,
    ScanCodeInvalid,
    ShopClosed,
    TooManyOpenOrders,
    WindowSpent,
)
from bar.housekeeping import Housekeeping
from bar.models import Event, Order, Refusal, ScanWindow
from bar.payloads import OrderRefused
from tests.bar.test_together import _in_threads
from tests.conftest import run_cli, with_rules


def refused_events() -> list[events.BarEvent]:
    return events.read_since(0, types=[events.ORDER_REFUSED])


def records() -> list[tuple[str, str, int]]:
    return list(Refusal.select(Refusal.guest, Refusal.reason, Refusal.count)
                .order_by(Refusal.id).tuples())


def day_of(clock, settings) -> str:
    return orders.business_day(clock(), settings.day_starts_at)


def test_each_reason_is_one_record_and_one_admin_event(make, clock, settings):
    ana = make.guest("Ana")
    shop.set_open(False, now=clock())
    with pytest.raises(ShopClosed):
        make.order(ana)
    shop.set_open(True, now=clock())
    limited = with_rules(settings, max_open_orders_per_guest=1, max_queue=2)
    make.order(ana, settings=limited)
    with pytest.raises(TooManyOpenOrders):
        make.order(ana, settings=limited)
    make.order(make.guest("Bo"), settings=limited)
    cy = make.guest("Cy")
    with pytest.raises(QueueFull):
        make.order(cy, settings=limited)

    assert records() == [(ana.user_key, "shop_closed", 1),
                         (ana.user_key, "too_many_open_orders", 1),
                         (cy.user_key, "queue_full", 1)]
    found = refused_events()
    assert {e.channel for e in found} == {events.ADMIN}  # never a guest's channel
    assert [e.data for e in found] == [
        OrderRefused(ana.user_key, "Ana", "shop_closed", 1, clock(), clock()),
        OrderRefused(ana.user_key, "Ana", "too_many_open_orders", 1, clock(), clock()),
        OrderRefused(cy.user_key, "Cy", "queue_full", 1, clock(), clock()),
    ]
    assert Order.select().count() == 2


def test_a_spent_window_is_recorded_and_what_the_checks_took_is_given_back(make, clock, settings):
    popup = with_rules(settings, mode="popup", drinks_per_window=1, max_open_orders_per_guest=1)
    code = scan.current(popup.rules, now=clock()).code
    ana = make.guest("Ana")
    make.order(ana, settings=popup, scan_code=code)
    # Ana's second order takes a drink of a fresh window before her limit refuses it: the
    # refusal's record is written, the drink is not taken.
    clock.advance(popup.rules.rotate_every)
    fresh = scan.current(popup.rules, now=clock()).code
    with pytest.raises(TooManyOpenOrders):
        make.order(ana, settings=popup, scan_code=fresh)
    assert ScanWindow.get(ScanWindow.code == fresh).drinks_used == 0
    make.order(make.guest("Bo"), settings=popup, scan_code=fresh)
    with pytest.raises(WindowSpent):
        make.order(make.guest("Cy"), settings=popup, scan_code=fresh)
    assert [reason for _, reason, _ in records()] == ["too_many_open_orders", "window_spent"]


def test_other_errors_are_not_turned_away_demand(make, clock, settings):
    ana = make.guest()
    with pytest.raises(NotFound):
        make.order(ana, drink_id="whisky")
    popup = with_rules(settings, mode="popup")
    with pytest.raises(ScanCodeInvalid):
        make.order(ana, settings=popup, scan_code="guess")
    slow = dataclasses.replace(with_rules(settings, max_open_orders_per_guest=9),
                               orders_per_minute=1)
    make.order(ana, settings=slow)
    with pytest.raises(RateLimited):
        make.order(ana, settings=slow)
    assert records() == [] and refused_events() == []


def test_a_guests_repeats_are_held_back_and_written_as_one(make, clock, settings):
    tally = refusals.Refusals()
    ana = make.guest("Ana")
    shop.set_open(False, now=clock())
    written = Event.select().count()
    for _ in range(50):
        with pytest.raises(ShopClosed):
            orders.place_order(settings, ana, drink_id="negroni", now=clock(), turned_away=tally)
        clock.advance(seconds=0.1)
    # The first is written at once; 49 taps wrote nothing.
    assert records() == [(ana.user_key, "shop_closed", 1)]
    assert Event.select().count() == written + 1
    assert refusals.flush(tally, now=clock()) == 0  # still within the window
    clock.advance(refusals.WINDOW)
    assert refusals.flush(tally, now=clock()) == 1
    assert records() == [(ana.user_key, "shop_closed", 1), (ana.user_key, "shop_closed", 49)]
    last = refused_events()[-1].data
    assert isinstance(last, OrderRefused) and last.count == 49
    assert last.last_at - last.first_at == timedelta(seconds=4.8)
    assert stats.compute(day_of(clock, settings)).refused == {"shop_closed": 50}
    # Nothing held back: a quiet guest is forgotten, the next refusal is written at once.
    clock.advance(refusals.WINDOW)
    assert refusals.flush(tally, now=clock()) == 0 and len(tally) == 0


def test_a_guest_tapping_all_night_costs_one_record_per_window(make, clock, settings):
    tally = refusals.Refusals()
    ana = make.guest("Ana")
    shop.set_open(False, now=clock())
    step = timedelta(seconds=1)
    taps = int(refusals.WINDOW * 6 / step)
    for _ in range(taps):
        with pytest.raises(ShopClosed):
            orders.place_order(settings, ana, drink_id="negroni", now=clock(), turned_away=tally)
        refusals.flush(tally, now=clock())  # as the housekeeping does
        clock.advance(step)
    refusals.flush(tally, now=clock(), everything=True)
    written = records()
    assert sum(count for *_, count in written) == taps
    assert len(written) <= 8  # one per window (not one per tap)


def test_the_next_refusal_after_a_window_carries_the_held_ones(make, clock, settings):
    tally = refusals.Refusals()
    ana = make.guest("Ana")
    shop.set_open(False, now=clock())
    for _ in range(3):
        with pytest.raises(ShopClosed):
            orders.place_order(settings, ana, drink_id="negroni", now=clock(), turned_away=tally)
    clock.advance(refusals.WINDOW)
    with pytest.raises(ShopClosed):
        orders.place_order(settings, ana, drink_id="negroni", now=clock(), turned_away=tally)
    assert records() == [(ana.user_key, "shop_closed", 1), (ana.user_key, "shop_closed", 3)]


def test_each_guest_and_reason_has_its_own_window(make, clock, settings):
    tally = refusals.Refusals()
    ana, bo = make.guest("Ana"), make.guest("Bo")
    shop.set_open(False, now=clock())
    for guest in (ana, bo, ana, bo):
        with pytest.raises(ShopClosed):
            orders.place_order(settings, guest, drink_id="negroni", now=clock(), turned_away=tally)
    shop.set_open(True, now=clock())
    capped = with_rules(settings, max_queue=0)
    with pytest.raises(QueueFull):
        orders.place_order(capped, ana, drink_id="negroni", now=clock(), turned_away=tally)
    assert records() == [(ana.user_key, "shop_closed", 1), (bo.user_key, "shop_closed", 1),
                         (ana.user_key, "queue_full", 1)]


def test_the_tally_is_bounded_past_it_refusals_are_written_at_once(make, clock, settings):
    tally = refusals.Refusals(max_keys=2)
    guests = [make.guest(f"Guest {i}") for i in range(4)]
    shop.set_open(False, now=clock())
    for guest in guests + guests:
        with pytest.raises(ShopClosed):
            orders.place_order(settings, guest, drink_id="negroni", now=clock(), turned_away=tally)
    assert len(tally) == 2
    assert len(records()) == 2 + 2 * 2  # two held back a repeat each, two wrote both


def test_a_failed_flush_holds_the_refusals_back_again(clock):
    tally = refusals.Refusals()
    for _ in range(4):
        tally.note("2026-11-20", "k-1", "queue_full", now=clock())
    clock.advance(refusals.WINDOW)
    runs = tally.take_due(now=clock())
    assert [r.count for r in runs] == [3] and tally.take_due(now=clock()) == []
    tally.give_back(runs, now=clock())
    assert [r.count for r in tally.take_due(now=clock())] == [3]


def test_housekeeping_writes_them_and_finish_writes_the_rest(settings, keys, clock, make):
    tally = refusals.Refusals()
    chores = Housekeeping(settings, clock, refusals=tally, refusals_every=0.0)
    ana, bo = make.guest("Ana"), make.guest("Bo")
    shop.set_open(False, now=clock())
    for guest in (ana, ana, bo, bo, bo):
        with pytest.raises(ShopClosed):
            orders.place_order(settings, guest, drink_id="negroni", now=clock(), turned_away=tally)
    clock.advance(refusals.WINDOW)
    with pytest.raises(ShopClosed):
        orders.place_order(settings, bo, drink_id="negroni", now=clock(), turned_away=tally)
    assert chores.tick().refusals == 1  # Ana's repeat; Bo's new window has nothing held
    with pytest.raises(ShopClosed):
        orders.place_order(settings, bo, drink_id="negroni", now=clock(), turned_away=tally)
    chores.finish()  # the process stops: Bo's last repeat is written too
    assert records() == [(ana.user_key, "shop_closed", 1), (bo.user_key, "shop_closed", 1),
                         (bo.user_key, "shop_closed", 3), (ana.user_key, "shop_closed", 1),
                         (bo.user_key, "shop_closed", 1)]
    assert len(tally) == 0


def test_many_guests_refused_at_once_are_each_recorded_and_limits_hold(make, clock, settings):
    tally = refusals.Refusals()
    capped = with_rules(settings, max_queue=20)
    guests = [make.guest(f"Guest {i}") for i in range(32)]
    results = _in_threads(32, lambda i: orders.place_order(
        capped, guests[i].user_key, drink_id="negroni", now=clock(), turned_away=tally))
    assert Order.select().count() == 20
    assert sum(isinstance(r, QueueFull) for r in results) == 12
    assert sorted(r for _, r, _ in records()) == ["queue_full"] * 12
    assert len(refused_events()) == 12


def test_one_guest_tapping_from_many_threads_is_counted_exactly(make, clock, settings):
    tally = refusals.Refusals()
    guest = make.guest()
    limited = with_rules(settings, max_open_orders_per_guest=2)
    results = _in_threads(10, lambda i: orders.place_order(
        limited, guest, drink_id="negroni", now=clock(), turned_away=tally).created)
    assert results.count(True) == 2
    assert len(records()) == 1  # the first refusal; the other seven are held back
    refusals.flush(tally, now=clock(), everything=True)
    assert sum(count for *_, count in records()) == 8


def test_stats_and_the_summary_count_them(make, clock, settings, keys):
    ana, bo = make.guest("Ana"), make.guest("Bo")
    shop.set_open(False, now=clock())
    for _ in range(5):
        with pytest.raises(ShopClosed):
            make.order(ana)
    shop.set_open(True, now=clock())
    capped = with_rules(settings, max_queue=0)
    for guest in (ana, bo) * 9:
        with pytest.raises(QueueFull):
            make.order(guest, settings=capped)
    day = day_of(clock, settings)

    data = json.loads(run_cli(settings.data_dir, "stats", "--json").output)
    assert data["refused"] == {"total": 23, "by_reason": {"queue_full": 18, "shop_closed": 5}}
    assert json.loads(run_cli(settings.data_dir, "stats", "--json", "--day", "2001-01-01")
                      .output)["refused"] == {"total": 0, "by_reason": {}}
    text = run_cli(settings.data_dir, "stats").output
    assert "turned away: 23 (queue full 18, closed 5)" in text
    page = summary.render("bar", day)
    assert ('id="tile-refused"><span class="label">Turned away</span><span class="value">23'
            '</span><span class="note">queue full 18, closed 5</span>') in page


def test_no_refusals_read_as_none(make, clock, settings, keys):
    make.order()
    assert "turned away: none" in run_cli(settings.data_dir, "stats").output
