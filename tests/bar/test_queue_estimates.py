"""`QueueEstimates`, the web process's kept estimates, against computing them afresh.

Whatever happens to the queue, what it answers is what `estimates.current` computes
from scratch at the same moment (to the second when the clock moved less than one).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from playhouse.test_utils import count_queries

from bar import estimates, orders, shop
from bar.estimates import QueueEstimates
from bar.models import Order
from tests.conftest import with_rules, with_stations


def _queued() -> list[str]:
    return [o.id for o in Order.select(Order.id).where(Order.status.in_(shop.QUEUE_STATUSES))]


def _same(kept: QueueEstimates, settings, clock) -> None:
    ids = _queued()
    assert kept.get(ids, now=clock()) == estimates.current(settings, now=clock())


@pytest.mark.parametrize("stations", [False, True], ids=["one-line", "two-stations"])
def test_kept_estimates_follow_every_change_of_the_queue(make, clock, settings, stations):
    roomy = dataclasses.replace(with_rules(settings, max_open_orders_per_guest=100),
                                orders_per_minute=0)
    if stations:  # each station's line its own: a coffee ahead of no cocktail
        roomy = with_stations(roomy)
    kept = QueueEstimates(roomy)
    guest = make.guest()

    def order(drink_id: str = "negroni", **kw) -> Order:
        return orders.place_order(roomy, guest, drink_id=drink_id, now=kw.pop("now", clock()), **kw).order

    _same(kept, roomy, clock)  # an empty queue
    placed = [order(d) for d in ("negroni", "espresso", "margarita")]
    _same(kept, roomy, clock)
    for drink_id in ("espresso", "flat-white"):  # new orders at the end of the line
        placed.append(order(drink_id))
        _same(kept, roomy, clock)
    orders.move(placed[0].id, orders.PREPARING, actor="barista", barista="Sam", now=clock())
    _same(kept, roomy, clock)
    placed.append(order("negroni", now=clock() - timedelta(seconds=5)))  # out of line
    _same(kept, roomy, clock)
    clock.advance(minutes=2)
    orders.move(placed[0].id, orders.READY, actor="barista", barista="Sam", now=clock())
    orders.move(placed[1].id, orders.CANCELLED, actor="guest", user_key=guest.user_key, now=clock())
    _same(kept, roomy, clock)
    placed.append(order("espresso"))
    _same(kept, roomy, clock)


def test_a_new_order_extends_the_kept_schedule_without_reading_the_queue(make, clock, settings):
    kept = QueueEstimates(settings)
    first = make.order(make.guest("Ana"))
    kept.get([first.id], now=clock())
    second = make.order(make.guest("Ben"))
    with count_queries() as counter:
        found = kept.get([second.id], now=clock())
    assert found == estimates.current(settings, now=clock(), only={second.id})
    assert counter.count == 1  # the events since: neither the queue nor the prep times


def test_a_new_order_extends_its_own_stations_line(make, clock, settings):
    two = with_stations(settings)
    kept = QueueEstimates(two)
    cocktail = make.order(make.guest("Ana"), "negroni", settings=two)
    kept.get([cocktail.id], now=clock())
    coffee = make.order(make.guest("Ben"), "espresso", settings=two)
    with count_queries() as counter:
        found = kept.get([coffee.id], now=clock())
    assert counter.count == 1  # extended, not made afresh
    assert found == {coffee.id: estimates.Estimate(1, 180, "about 3 min")}
    assert found == estimates.current(two, now=clock(), only={coffee.id})


def test_within_a_second_the_kept_schedule_is_at_most_a_second_off(make, clock, settings):
    kept = QueueEstimates(settings)
    placed = [make.order(make.guest(f"Guest {i}")) for i in range(3)]
    kept.get([placed[0].id], now=clock())
    clock.advance(seconds=0.6)
    placed.append(make.order(make.guest("Late")))
    ids = [o.id for o in placed]
    near, exact = kept.get(ids, now=clock()), estimates.current(settings, now=clock())
    assert near.keys() == exact.keys()
    assert all(abs(near[i].seconds - exact[i].seconds) <= 1 for i in ids)
    clock.advance(seconds=0.4)  # a second on: computed afresh
    _same(kept, settings, clock)


def test_prep_times_are_read_again_when_a_drink_was_made_at_most_once_a_second(make, clock, settings):
    kept = QueueEstimates(settings)
    first, second, third = (make.order(make.guest(name)) for name in ("Ana", "Ben", "Cy"))
    kept.get([third.id], now=clock())

    def queries() -> int:
        with count_queries() as counter:
            kept.get([third.id], now=clock())
        return counter.count

    def move(order: Order, status: str) -> None:
        orders.move(order.id, status, actor="barista", barista="Sam", now=clock())

    move(first, orders.PREPARING)
    assert queries() == 2  # the changes, the queue
    clock.advance(minutes=2)
    move(first, orders.READY)
    assert queries() == 3  # and the prep times: a drink was made
    move(second, orders.PREPARING)
    move(second, orders.READY)
    assert queries() == 2  # made within the second the prep times were read
    clock.advance(seconds=1)
    assert queries() == 3
    assert kept.get([third.id], now=clock()) == estimates.current(settings, now=clock(), only={third.id})
