"""The queue's fullness on the public `config` channel: announced once when an order
fills it and once when a move makes room, so a guest's menu says "full" before they
pick a drink and takes it back by itself."""

from __future__ import annotations

import pytest

from bar import events, orders, shop, timers
from bar.errors import QueueFull
from bar.models import Event
from tests.conftest import with_rules


def shop_events() -> list[dict]:
    rows = (Event.select().where(Event.channel == events.CONFIG,
                                 Event.type == events.SHOP_STATUS_CHANGED).order_by(Event.id))
    return [row.payload for row in rows]


@pytest.fixture
def capped(settings):
    return with_rules(settings, max_queue=3, max_open_orders_per_guest=1)


def fill(make, capped, n=3):
    return [make.order(make.guest(f"Guest {i}"), settings=capped) for i in range(n)]


def test_the_order_that_fills_the_queue_says_so_once(make, clock, capped):
    first, second = fill(make, capped, 2)
    assert shop_events() == [] and not shop.queue_full(3)
    make.order(make.guest("Third"), settings=capped)
    assert shop_events() == [{"is_open": True, "queue_full": True}]
    assert shop.queue_full(3)
    with pytest.raises(QueueFull):
        make.order(make.guest("Late"), settings=capped)
    # Claiming keeps it in the queue: nothing to say.
    orders.advance(first.id, barista="Joe", now=clock())
    assert len(shop_events()) == 1
    # Made: room again, said once.
    orders.advance(first.id, barista="Joe", now=clock())
    assert shop_events()[-1] == {"is_open": True, "queue_full": False}
    orders.move(second.id, "cancelled", actor="barista", reason="no ice", now=clock())
    assert len(shop_events()) == 2  # more room: already said
    make.order(make.guest("Fourth"), settings=capped)  # 2 of 3: room still
    assert len(shop_events()) == 2


@pytest.mark.parametrize("leave", ["cancelled", "expired"])
def test_a_cancelled_or_expired_order_makes_room_too(make, clock, capped, leave):
    placed = fill(make, capped)
    if leave == "cancelled":
        orders.move(placed[0].id, "cancelled", actor="guest", user_key=placed[0].guest.user_key,
                    now=clock())
    else:
        clock.advance(capped.rules.barista_timeout)
        orders.expire_overdue(capped.rules, now=clock())
    assert shop_events()[-1] == {"is_open": True, "queue_full": False}
    assert [e["queue_full"] for e in shop_events()] == [True, False]


def test_opening_and_closing_say_whether_the_queue_is_full(make, clock, capped):
    fill(make, capped)
    shop.set_open(False, now=clock())
    assert shop_events()[-1] == {"is_open": False, "queue_full": True}


def test_a_changed_max_queue_is_put_right_by_the_housekeeping(make, clock, capped):
    fill(make, capped, 2)
    assert shop_events() == []
    # bar.toml now says 2: the queue is full, though no order filled it.
    smaller = with_rules(capped, max_queue=2)
    timers.run_due(smaller, now=clock())
    assert shop_events() == [{"is_open": True, "queue_full": True}]
    timers.run_due(smaller, now=clock())  # idempotent
    assert len(shop_events()) == 1
    # And back to 3: room again.
    assert shop.sync_queue_full(3, now=clock()) is True
    assert shop_events()[-1] == {"is_open": True, "queue_full": False}
    assert shop.sync_queue_full(3, now=clock()) is False
