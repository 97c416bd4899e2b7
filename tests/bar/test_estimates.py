"""Wait estimates over a known night: the clock is frozen and moved by hand."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from playhouse.test_utils import count_queries

from bar import estimates, orders
from bar.db import db
from bar.estimates import Estimate, wait_label
from bar.models import Order
from tests.conftest import sqlite_only, with_rules, with_stations


def _make(make, clock, drink_id: str, *, barista: str = "Sam", minutes: float) -> Order:
    """Order a drink now; `barista` claims it at once and has it ready `minutes` later."""
    order = make.order(drink_id=drink_id)
    orders.move(order.id, orders.PREPARING, actor="barista", barista=barista, now=clock())
    clock.advance(minutes=minutes)
    return orders.move(order.id, orders.READY, actor="barista", barista=barista, now=clock())


def _queue(make, *drink_ids: str) -> list[Order]:
    return [make.order(drink_id=d) for d in drink_ids]


def test_start_of_the_night_uses_the_default_and_the_queue_position(make, clock, settings):
    assert settings.rules.default_prep_time == timedelta(minutes=3)
    first, second, third = _queue(make, "negroni", "espresso", "margarita")
    found = estimates.current(settings, now=clock())
    assert found == {
        first.id: Estimate(1, 180, "about 3 min"),
        second.id: Estimate(2, 360, "about 6 min"),
        third.id: Estimate(3, 540, "about 9 min"),
    }


def test_only_the_orders_asked_about_get_an_estimate_counting_all_ahead(make, clock, settings):
    first, second, third = _queue(make, "negroni", "espresso", "margarita")
    assert estimates.current(settings, now=clock(), only={third.id}) == {
        third.id: Estimate(3, 540, "about 9 min")
    }


def test_the_default_comes_from_the_config(make, clock, settings):
    quick = with_rules(settings, default_prep_time=timedelta(seconds=40))
    order = make.order(drink_id="espresso")
    assert estimates.current(quick, now=clock())[order.id] == Estimate(1, 40, "under a minute")


def test_rolling_prep_time_per_drink_after_a_few_were_made(make, clock, settings):
    for _ in range(3):
        _make(make, clock, "negroni", minutes=2)
    for _ in range(3):
        _make(make, clock, "espresso", minutes=1)
    prep = estimates.prep_times(settings, now=clock())
    assert prep.per_drink == {"negroni": 120.0, "espresso": 60.0}
    assert prep.other == 90.0  # a drink not made tonight: the mean over all drinks
    assert prep.baristas == {"Sam"}

    negroni, espresso, margarita = _queue(make, "negroni", "espresso", "margarita")
    found = estimates.current(settings, now=clock())
    assert found[negroni.id] == Estimate(1, 120, "about 2 min")
    assert found[espresso.id] == Estimate(2, 180, "about 3 min")
    assert found[margarita.id] == Estimate(3, 270, "about 5 min")  # 4.5 min rounds up


def test_two_makes_are_too_few_to_replace_the_default(make, clock, settings):
    _make(make, clock, "espresso", minutes=1)
    _make(make, clock, "espresso", minutes=1)
    prep = estimates.prep_times(settings, now=clock())
    assert prep.per_drink == {} and prep.other == 180.0


def test_a_make_counts_from_when_the_barista_could_start_it(make, clock, settings):
    # Three orders arrive together; Sam makes them one after the other, 2 minutes each.
    queued = _queue(make, "negroni", "negroni", "negroni")
    for order in queued:
        orders.move(order.id, orders.PREPARING, actor="barista", barista="Sam", now=clock())
        clock.advance(minutes=2)
        orders.move(order.id, orders.READY, actor="barista", barista="Sam", now=clock())
    # Ordered → ready would say 2, 4 and 6 minutes: the queue, not the drink.
    assert estimates.prep_times(settings, now=clock()).per_drink == {"negroni": 120.0}


def test_a_batch_claimed_together_counts_what_each_drink_took(make, clock, settings):
    batch = _queue(make, "margarita", "margarita", "margarita", "margarita")
    for order in batch:
        orders.move(order.id, orders.PREPARING, actor="barista", barista="Sam", now=clock())
    clock.advance(minutes=5, seconds=40)
    for order in batch:
        clock.advance(seconds=5)
        orders.move(order.id, orders.READY, actor="barista", barista="Sam", now=clock())
    # Six minutes for four drinks: 90 s a drink (claimed → ready would say six minutes).
    assert estimates.prep_times(settings, now=clock()).per_drink == {"margarita": 90.0}


def test_a_long_pause_counts_at_most_the_barista_timeout(make, clock, settings):
    for minutes in (2, 2, 60):
        _make(make, clock, "negroni", minutes=minutes)
    assert estimates.prep_times(settings, now=clock()).per_drink == {"negroni": (2 + 2 + 15) * 60 / 3}


def test_only_the_last_ten_makes_of_the_last_three_hours_count(make, clock, settings):
    for _ in range(5):
        _make(make, clock, "espresso", minutes=10)  # early and slow
    clock.advance(hours=3, seconds=1)
    assert estimates.prep_times(settings, now=clock()).per_drink == {}
    for _ in range(5):
        _make(make, clock, "espresso", minutes=4)
    for _ in range(10):
        _make(make, clock, "espresso", minutes=1)
    assert estimates.prep_times(settings, now=clock()).per_drink == {"espresso": 60.0}


def test_a_drink_being_made_is_done_its_prep_time_after_the_claim(make, clock, settings):
    made, waiting = _queue(make, "negroni", "espresso")
    orders.move(made.id, orders.PREPARING, actor="barista", barista="Sam", now=clock())
    clock.advance(minutes=1)
    found = estimates.current(settings, now=clock())
    assert found[made.id] == Estimate(None, 120, "about 2 min")
    assert found[waiting.id] == Estimate(1, 300, "about 5 min")  # Sam is free in 2 min

    clock.advance(minutes=4)  # running late: it is "any moment", never negative
    found = estimates.current(settings, now=clock())
    assert found[made.id] == Estimate(None, 0, "under a minute")
    assert found[waiting.id] == Estimate(1, 180, "about 3 min")


def test_the_queue_moves_up_when_the_order_ahead_is_ready(make, clock, settings):
    ahead, mine = _queue(make, "negroni", "negroni")
    assert estimates.current(settings, now=clock())[mine.id].label == "about 6 min"
    orders.advance(ahead.id, barista="Sam", now=clock())
    clock.advance(minutes=3)
    orders.advance(ahead.id, barista="Sam", now=clock())
    assert estimates.current(settings, now=clock())[mine.id] == Estimate(1, 180, "about 3 min")
    assert ahead.id not in estimates.current(settings, now=clock())  # ready: no estimate


def test_several_baristas_share_the_queue(make, clock, settings):
    _make(make, clock, "espresso", barista="Old", minutes=1)
    clock.advance(minutes=30)  # Old went home: not counted
    for _ in range(2):
        _make(make, clock, "espresso", barista="Sam", minutes=1)
        _make(make, clock, "espresso", barista="Kim", minutes=1)
    prep = estimates.prep_times(settings, now=clock())
    assert prep.baristas == {"Sam", "Kim"}
    queued = _queue(make, *["espresso"] * 5)
    found = estimates.current(settings, now=clock())
    # Sam's and Kim's makes: each a minute from when they could start it.
    assert [found[o.id].seconds for o in queued] == [60, 60, 120, 120, 180]
    assert [found[o.id].position for o in queued] == [1, 2, 3, 4, 5]


def test_a_barista_busy_with_a_drink_frees_up_later(make, clock, settings):
    for _ in range(3):
        _make(make, clock, "espresso", barista="Sam", minutes=1)
    busy, first, second = _queue(make, "espresso", "espresso", "espresso")
    orders.move(busy.id, orders.PREPARING, actor="barista", barista="Kim", now=clock())
    found = estimates.current(settings, now=clock())
    # Kim (making one, a minute left) and Sam (free) both count.
    assert found[busy.id] == Estimate(None, 60, "about 1 min")
    assert (found[first.id].seconds, found[second.id].seconds) == (60, 120)


@pytest.mark.parametrize("seconds,label", [
    (0, "under a minute"), (59, "under a minute"), (60, "about 1 min"), (89, "about 1 min"),
    (90, "about 2 min"), (360, "about 6 min"), (569, "about 9 min"), (570, "about 10 min"),
    (12 * 60 + 29, "about 10 min"), (12 * 60 + 30, "about 15 min"), (23 * 60, "about 25 min"),
    (57 * 60, "about 55 min"), (58 * 60, "about an hour"), (75 * 60, "over an hour"),
])
def test_the_label_rounds_for_humans(seconds, label):
    assert wait_label(seconds) == label


def test_two_queries_however_long_the_queue(make, clock, settings):
    roomy = dataclasses.replace(
        with_rules(settings, max_queue=100, max_open_orders_per_guest=100), orders_per_minute=0
    )
    for _ in range(12):
        _make(make, clock, "negroni", minutes=2)
    guest = make.guest()
    for _ in range(30):
        make.order(guest, "espresso", settings=roomy)
    with count_queries() as counter:
        found = estimates.current(settings, now=clock())
    assert counter.count == 2
    assert len(found) == 30


@sqlite_only
def test_the_prep_time_query_reads_tonight_through_the_day_index(keys, settings, clock):
    with count_queries() as counter:
        estimates.prep_times(settings, now=clock())
    sql, params = counter.get_queries()[0].msg
    plan = " ".join(str(row[-1]) for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING INDEX orders_day_number (day>?)" in plan, plan


def test_at_a_bar_of_stations_a_coffee_waits_only_for_its_stations_line(make, clock, settings):
    two = with_stations(dataclasses.replace(
        with_rules(settings, max_open_orders_per_guest=100), orders_per_minute=0))
    guest = make.guest()
    negroni, margarita, espresso, flat_white = (
        make.order(guest, drink, settings=two)
        for drink in ("negroni", "margarita", "espresso", "flat-white"))
    found = estimates.current(two, now=clock())
    assert found == {
        negroni.id: Estimate(1, 180, "about 3 min"),
        margarita.id: Estimate(2, 360, "about 6 min"),
        espresso.id: Estimate(1, 180, "about 3 min"),  # the cocktails ahead do not count
        flat_white.id: Estimate(2, 360, "about 6 min"),
    }


def test_each_station_counts_the_baristas_who_made_its_drinks_lately(make, clock, settings):
    two = with_stations(dataclasses.replace(
        with_rules(settings, max_open_orders_per_guest=100), orders_per_minute=0))
    guest = make.guest()

    def made(drink_id: str, barista: str) -> None:
        order = make.order(guest, drink_id, settings=two)
        orders.move(order.id, orders.PREPARING, actor="barista", barista=barista, now=clock())
        clock.advance(minutes=1)
        orders.move(order.id, orders.READY, actor="barista", barista=barista, now=clock())

    for _ in range(3):
        made("espresso", "Sam")
        made("negroni", "Kim")
        made("negroni", "Lee")
    prep = estimates.prep_times(two, now=clock())
    assert prep.station_baristas == {"coffee": {"Sam"}, "bar": {"Kim", "Lee"}}
    coffees = [make.order(guest, "espresso", settings=two) for _ in range(2)]
    cocktails = [make.order(guest, "negroni", settings=two) for _ in range(2)]
    found = estimates.current(two, now=clock())
    assert [found[o.id].seconds for o in coffees] == [60, 120]  # Sam alone makes coffee
    assert [found[o.id].seconds for o in cocktails] == [60, 60]  # Kim and Lee, one each
