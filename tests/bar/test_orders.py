"""The status machine and the bar's rules for placing orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bar import events, menu, notifications, orders, shop
from bar.errors import (
    DrinkUnavailable,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QueueFull,
    ShopClosed,
    TooManyOpenOrders,
)
from bar.models import Event, Notification, Order
from tests.conftest import with_rules
from webapp.errors import status_for  # HTTP statuses live in the web app

ACTORS = ("guest", "barista", "system")
ALL_MOVES = [
    (src, dst, actor)
    for src in orders.STATUSES for dst in orders.STATUSES for actor in ACTORS if src != dst
]

# How to bring a fresh order into each status, through allowed moves only.
PATH_TO = {
    "pending": [],
    "preparing": [("preparing", "barista")],
    "ready": [("preparing", "barista"), ("ready", "barista")],
    "served": [("preparing", "barista"), ("ready", "barista"), ("served", "barista")],
    "cancelled": [("cancelled", "barista")],
    "expired": [("expired", "system")],
}


def _order_in(make, clock, status: str) -> Order:
    order = make.order(settings=with_rules(make.settings, max_open_orders_per_guest=50))
    for step, actor in PATH_TO[status]:
        orders.move(order.id, step, actor=actor, barista="Joe", now=clock())
    return orders.get_order(order.id)


@pytest.mark.parametrize("src,dst,actor", ALL_MOVES)
def test_every_move_is_allowed_or_refused_by_the_table(make, clock, src, dst, actor):
    order = _order_in(make, clock, src)
    events_before = Event.select().count()
    clock.advance(seconds=30)
    if actor in orders.TRANSITIONS.get((src, dst), ()):
        moved = orders.move(order.id, dst, actor=actor, barista="Joe", now=clock())
        assert moved.status == dst
        assert orders.get_order(order.id).updated_at == clock()
        assert Event.select().count() > events_before
    else:
        with pytest.raises(InvalidTransition):
            orders.move(order.id, dst, actor=actor, barista="Joe", now=clock())
        assert orders.get_order(order.id).status == src
        assert Event.select().count() == events_before


def test_claim_sets_barista_and_unclaim_clears_it(make, clock):
    order = make.order()
    claimed = orders.move(order.id, "preparing", actor="barista", barista="Joe", now=clock())
    assert claimed.barista == "Joe"
    back = orders.move(order.id, "pending", actor="barista", now=clock())
    assert back.barista is None and back.status == "pending"


def test_served_sets_completed_at_and_ready_notifies(make, clock):
    order = make.order()
    for _ in range(2):
        orders.advance(order.id, barista="Joe", now=clock())
    assert [n.type for n in notifications.unread(order.guest.user_key)] == ["ORDER_READY"]
    clock.advance(minutes=1)
    served = orders.advance(order.id, barista="Joe", now=clock())
    assert served.status == "served" and served.completed_at == clock()
    with pytest.raises(InvalidTransition):
        orders.advance(order.id, barista="Joe", now=clock())


def test_guest_cancels_only_own_pending_order(make, clock):
    order = make.order()
    other = make.guest("Bo")
    with pytest.raises(Forbidden):
        orders.move(order.id, "cancelled", actor="guest", user_key=other.user_key, now=clock())
    orders.advance(order.id, barista="Joe", now=clock())
    with pytest.raises(InvalidTransition, match="only pending"):
        orders.move(order.id, "cancelled", actor="guest", user_key=order.guest.user_key, now=clock())


def test_barista_cancel_keeps_reason_and_notifies(make, clock):
    order = make.order()
    orders.move(order.id, "cancelled", actor="barista", reason="out of limes", now=clock())
    row = Order.get_by_id(order.id)
    assert row.cancel_reason == "out of limes"
    (note,) = notifications.unread(order.guest.user_key)
    assert note.type == "ORDER_CANCELLED" and note.payload["cancel_reason"] == "out of limes"


def test_numbers_are_sequential_and_restart_each_business_day(make, clock, settings):
    guest_a, guest_b = make.guest("Al"), make.guest("Bo")
    assert make.order(guest_a).number == 1
    assert make.order(guest_b).number == 2
    clock.advance(days=1)
    assert make.order(make.guest("Cy")).number == 1


def test_business_day_starts_at_configured_hour():
    from datetime import datetime
    local = datetime(2026, 11, 21, 5, 59).astimezone()
    assert orders.business_day(local, 6) == "2026-11-20"
    assert orders.business_day(local + timedelta(minutes=1), 6) == "2026-11-21"


def test_idempotent_retry_returns_first_order_and_writes_nothing(make, clock):
    guest = make.guest()
    first = make.order(guest, idempotency_key="tap-1")
    rows, evs = Order.select().count(), Event.select().count()
    again = orders.place_order(make.settings, guest, drink_id="margarita",
                               idempotency_key="tap-1", now=clock())
    assert not again.created and again.order.id == first.id
    assert (Order.select().count(), Event.select().count()) == (rows, evs)
    # The same key from another guest is another order.
    assert make.order(make.guest("Bo"), idempotency_key="tap-1").id != first.id


def test_closed_bar_takes_no_orders(make, clock):
    guest = make.guest()
    shop.set_open(False, now=clock())
    with pytest.raises(ShopClosed):
        make.order(guest)
    assert Order.select().count() == 0


def test_unknown_and_out_of_stock_drinks_are_refused(make, clock):
    guest = make.guest()
    with pytest.raises(NotFound):
        make.order(guest, drink_id="whisky")
    menu.set_in_stock("Negroni", False, now=clock())
    with pytest.raises(DrinkUnavailable) as refused:
        make.order(guest, drink_id="negroni")
    assert status_for(refused.value) == 404
    assert Order.select().count() == 0


def test_per_guest_open_order_limit(make, clock, settings):
    guest = make.guest()
    limited = with_rules(settings, max_open_orders_per_guest=2)
    first = make.order(guest, settings=limited)
    make.order(guest, settings=limited)
    with pytest.raises(TooManyOpenOrders):
        make.order(guest, settings=limited)
    orders.move(first.id, "cancelled", actor="guest", user_key=guest.user_key, now=clock())
    assert make.order(guest, settings=limited).status == "pending"


def test_queue_capacity_21st_refused_until_one_is_done(make, clock, settings):
    capped = with_rules(settings, max_queue=20, max_open_orders_per_guest=1)
    placed = [make.order(make.guest(f"Guest {i}"), settings=capped) for i in range(20)]
    late = make.guest("Late")
    with pytest.raises(QueueFull, match="try again in a few minutes"):
        make.order(late, settings=capped)
    for _ in range(2):
        orders.advance(placed[0].id, barista="Joe", now=clock())  # ready leaves the queue
    assert make.order(late, settings=capped).number == 21


def test_modifiers_are_checked_against_the_drink(make):
    guest = make.guest()
    with pytest.raises(InvalidInput, match="milk"):
        make.order(guest, drink_id="flat-white", modifiers={"milk": "unicorn"})
    with pytest.raises(InvalidInput, match="sprinkles"):
        make.order(guest, drink_id="flat-white", modifiers={"sprinkles": "yes"})
    with pytest.raises(InvalidInput):
        make.order(guest, drink_id="flat-white", modifiers=["oat"])
    order = make.order(guest, drink_id="flat-white", modifiers={"size": "large"})
    assert order.modifiers == {"milk": "whole", "size": "large"}


@pytest.mark.parametrize("note", ["x" * 201, "bad\x00note", 42])
def test_bad_notes_are_refused(make, note):
    with pytest.raises(InvalidInput):
        make.order(make.guest(), note=note)
    assert Order.select().count() == 0


def test_barista_timeout_and_uncollected_timeout_expire_idempotently(make, clock, settings):
    rules = settings.rules
    slow = make.order(make.guest("Slow"))
    ready = make.order(make.guest("Gone"))
    for _ in range(2):
        orders.advance(ready.id, barista="Joe", now=clock())
    clock.advance(rules.uncollected_timeout - timedelta(seconds=1))
    assert orders.expire_overdue(rules, now=clock()) == []
    clock.advance(seconds=1)
    assert [o.id for o in orders.expire_overdue(rules, now=clock())] == [ready.id]
    clock.advance(rules.barista_timeout)
    assert [o.id for o in orders.expire_overdue(rules, now=clock())] == [slow.id]
    assert orders.expire_overdue(rules, now=clock()) == []
    assert Order.get_by_id(slow.id).cancel_reason == "not made in time"
    assert Order.get_by_id(ready.id).cancel_reason == "not collected in time"
    types = [n.type for n in notifications.unread(slow.guest.user_key)]
    assert types == ["ORDER_EXPIRED"]
    expired_events = Event.select().where(Event.type == events.ORDER_EXPIRED).count()
    assert expired_events == 4  # guest + admin channel, for each of the two orders


def test_preparing_orders_do_not_time_out(make, clock, settings):
    order = make.order()
    orders.advance(order.id, barista="Joe", now=clock())
    clock.advance(settings.rules.barista_timeout * 3)
    assert orders.expire_overdue(settings.rules, now=clock()) == []


def test_failing_change_writes_no_event_and_no_notification(make, clock):
    order = make.order()
    before = (Event.select().count(), Notification.select().count())
    with pytest.raises(InvalidTransition):
        orders.move(order.id, "served", actor="barista", now=clock())
    assert (Event.select().count(), Notification.select().count()) == before


def test_change_and_events_are_one_transaction(make, clock, monkeypatch):
    """If writing the events fails, the status change is rolled back too."""
    order = make.order()
    before = Event.select().count()

    def disk_full(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "publish_many", disk_full)
    with pytest.raises(RuntimeError):
        orders.advance(order.id, barista="Joe", now=clock())
    with pytest.raises(RuntimeError):
        make.order(make.guest("Bo"))
    assert Order.get_by_id(order.id).status == "pending"
    assert Order.select().count() == 1
    assert Event.select().count() == before


def test_display_events_carry_no_user_keys(make, clock):
    order = make.order(make.guest("Ana Lopez"))
    orders.advance(order.id, barista="Joe", now=clock())
    display = [e for e in events.read_since(0, ["display"])]
    assert len(display) == 2
    for event in display:
        text = str(event.payload)
        assert order.guest.user_key not in text and order.id not in text
        assert event.payload["first_name"] == "Ana"


def test_a_scan_code_sent_in_party_mode_is_not_kept(make):
    order = make.order(scan_code="x" * 5000)
    assert Order.get_by_id(order.id).scan_code is None
