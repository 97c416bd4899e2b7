"""Recall (undo a barista's last move) and tonight's finished orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bar import events, guests, history, notifications, orders
from bar.errors import InvalidTransition
from bar.models import Event, Move, Order
from bar.payloads import ORDER_CANCELLED, ORDER_READY, OrderStatusChanged
from tests.conftest import with_rules


def _move(order: Order, to: str, clock, barista: str | None = "Sam", **kw) -> Order:
    return orders.move(order.id, to, actor="barista", barista=barista, now=clock(), **kw)


def _row(order: Order) -> Order:
    return orders.get_order(order.id)


def _status_events(order: Order, since: int) -> list[tuple[str, str]]:
    """(channel, status) of the order's status events after event `since`."""
    return [(e.channel, e.payload["status"]) for e in events.read_since(since)
            if isinstance(e.data, OrderStatusChanged) and e.payload.get("number") == order.number]


def _last_event_id() -> int:
    return Event.select().order_by(Event.id.desc()).first().id


def test_recall_puts_a_served_order_back_to_ready_with_its_events(make, clock, settings):
    order = make.order(make.guest("Ana"))
    for step in (orders.PREPARING, orders.READY, orders.SERVED):
        clock.advance(seconds=30)
        _move(order, step, clock)
    served = _row(order)
    before = _last_event_id()
    clock.advance(seconds=20)

    done = history.recall(settings, barista="Sam", now=clock())

    row = _row(order)
    assert (row.status, row.completed_at, row.ready_at) == (orders.READY, None, served.ready_at)
    assert row.updated_at == clock() and row.barista == "Sam"
    assert done.describe() == "#1 Negroni for Ana: served → ready"
    assert sorted(_status_events(order, before)) == [
        ("admin", "ready"), ("display", "ready"), (f"orders/{order.guest.user_key}", "ready"),
    ]
    # Each of them says it undoes a move (a printer does not print "ready" again); the
    # moves' own events have no such key.
    changes = [e for e in events.read_since(0) if isinstance(e.data, OrderStatusChanged)]
    assert [e.data.recalled for e in changes if e.id > before] == [True, True, True]
    assert all("recalled" not in e.payload for e in changes if e.id <= before)
    assert Move.get(Move.to_status == orders.SERVED).recalled_at == clock()


def test_recalling_again_walks_back_one_move_at_a_time(make, clock, settings):
    order = make.order()
    for step in (orders.PREPARING, orders.READY, orders.SERVED):
        _move(order, step, clock)
    walked = [history.recall(settings, barista="Sam", now=clock()).order.status for _ in range(3)]
    assert walked == [orders.READY, orders.PREPARING, orders.PENDING]
    assert (_row(order).barista, _row(order).ready_at) == (None, None)
    with pytest.raises(InvalidTransition, match="Sam moved no order in the last 5 minutes"):
        history.recall(settings, barista="Sam", now=clock())


def test_a_recalled_ready_withdraws_the_guests_ready_notice(make, clock, settings):
    order = make.order()
    _move(order, orders.PREPARING, clock)
    _move(order, orders.READY, clock)
    guest = order.guest.user_key
    assert [n.type for n in notifications.unread(guest)] == [ORDER_READY]
    history.recall(settings, barista="Sam", now=clock())
    assert _row(order).status == orders.PREPARING
    assert notifications.unread(guest) == []


@pytest.mark.parametrize("where", [orders.PENDING, orders.PREPARING, orders.READY])
def test_a_cancel_is_recalled_back_where_it_was(make, clock, settings, where):
    order = make.order()
    path = {orders.PENDING: [], orders.PREPARING: [orders.PREPARING],
            orders.READY: [orders.PREPARING, orders.READY]}[where]
    for step in path:
        _move(order, step, clock)
    clock.advance(seconds=10)
    _move(order, orders.CANCELLED, clock, reason="out of ice")
    assert ORDER_CANCELLED in [n.type for n in notifications.unread(order.guest.user_key)]

    history.recall(settings, barista="Sam", now=clock())

    row = _row(order)
    assert (row.status, row.cancel_reason) == (where, None)
    assert row.barista == (None if where == orders.PENDING else "Sam")
    unread = [n.type for n in notifications.unread(order.guest.user_key)]
    assert ORDER_CANCELLED not in unread


def test_an_unclaim_is_recalled_with_the_barista_it_had(make, clock, settings):
    order = make.order()
    _move(order, orders.PREPARING, clock, barista="Kim")
    _move(order, orders.PENDING, clock, barista="Sam")
    history.recall(settings, barista="Sam", now=clock())
    assert (_row(order).status, _row(order).barista) == (orders.PREPARING, "Kim")


def test_a_recall_undoes_only_this_baristas_moves(make, clock, settings):
    sams, kims = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    _move(sams, orders.PREPARING, clock, barista="Sam")
    clock.advance(seconds=5)
    _move(kims, orders.PREPARING, clock, barista="Kim")
    _move(kims, orders.READY, clock, barista=None)  # a kiosk without --barista
    history.recall(settings, barista="Sam", now=clock())
    assert (_row(sams).status, _row(kims).status) == (orders.PENDING, orders.READY)
    history.recall(settings, barista=None, now=clock())
    assert _row(kims).status == orders.PREPARING


def test_a_move_older_than_the_window_is_not_recalled(make, clock, settings):
    order = make.order()
    _move(order, orders.PREPARING, clock)
    clock.advance(history.RECALL_WINDOW + timedelta(seconds=1))
    with pytest.raises(InvalidTransition, match="nothing to recall"):
        history.recall(settings, barista="Sam", now=clock())
    assert _row(order).status == orders.PREPARING


def test_a_move_someone_else_followed_is_not_recalled(make, clock, settings):
    order = make.order()
    _move(order, orders.PREPARING, clock, barista="Sam")
    _move(order, orders.READY, clock, barista="Kim")
    before = _last_event_id()
    with pytest.raises(InvalidTransition, match=r"#1 has changed since \(it is ready now\)"):
        history.recall(settings, barista="Sam", now=clock())
    assert _row(order).status == orders.READY and _last_event_id() == before


def test_the_bars_own_moves_and_a_guests_cancel_are_not_recalled(make, clock, settings):
    expired, cancelled = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    orders.move(cancelled.id, orders.CANCELLED, actor="guest", now=clock(),
                user_key=cancelled.guest.user_key)
    clock.advance(settings.rules.barista_timeout)
    orders.expire_overdue(settings.rules, now=clock())
    assert _row(expired).status == orders.EXPIRED
    for barista in ("Sam", None):
        with pytest.raises(InvalidTransition, match="nothing to recall"):
            history.recall(settings, barista=barista, now=clock())


def test_a_cancel_is_not_recalled_when_the_guest_ordered_again(make, clock, settings):
    one_each = with_rules(settings, max_open_orders_per_guest=1)
    guest = make.guest("Ana")
    order = make.order(guest, settings=one_each)
    _move(order, orders.CANCELLED, clock, reason="no more gin")
    make.order(guest, drink_id="espresso", settings=one_each)
    with pytest.raises(InvalidTransition, match="Ana has 1 open order again"):
        history.recall(one_each, barista="Sam", now=clock())
    assert _row(order).status == orders.CANCELLED


def test_a_cancel_is_not_recalled_into_a_full_queue(make, clock, settings):
    small = with_rules(settings, max_queue=1)
    order = make.order(make.guest("Ana"), settings=small)
    _move(order, orders.CANCELLED, clock, reason="oops")
    make.order(make.guest("Bo"), settings=small)
    with pytest.raises(InvalidTransition, match=r"the queue is full \(1\)"):
        history.recall(small, barista="Sam", now=clock())


def test_a_kicked_guests_cancel_is_not_recalled(make, clock, settings):
    order = make.order(make.guest("Mallory"))
    _move(order, orders.CANCELLED, clock, reason="kicked")
    guests.kick("Mallory", day_starts_at=settings.day_starts_at, now=clock())
    with pytest.raises(InvalidTransition, match="Mallory was kicked"):
        history.recall(settings, barista="Sam", now=clock())


def test_finished_tonight_lists_the_last_to_finish_first(make, clock, settings):
    first, second, still_open = (make.order(make.guest(n)) for n in ("Ana", "Bo", "Cy"))
    _move(second, orders.CANCELLED, clock, reason="no ice")
    clock.advance(seconds=30)
    for step in (orders.PREPARING, orders.READY, orders.SERVED):
        _move(first, step, clock)
    finished = history.finished_tonight(settings, now=clock())
    assert [(o.number, o.status) for o in finished] == [(1, "served"), (2, "cancelled")]
    assert still_open.id not in {o.id for o in finished}
    clock.advance(days=1)
    assert history.finished_tonight(settings, now=clock()) == []


def test_a_recall_that_would_expire_at_once_is_refused(make, clock, settings):
    waited, collected = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    for step in (orders.PREPARING, orders.READY):
        _move(collected, step, clock)
    clock.advance(settings.rules.uncollected_timeout)  # Ana's order is past barista_timeout too
    _move(collected, orders.SERVED, clock)
    with pytest.raises(InvalidTransition, match=r"#2: it would expire at once \(ready over 10m ago\)"):
        history.recall(settings, barista="Sam", now=clock())
    clock.advance(minutes=5)
    _move(waited, orders.CANCELLED, clock, reason="too late")
    with pytest.raises(InvalidTransition, match=r"#1: it would expire at once \(ordered over 15m"):
        history.recall(settings, barista="Sam", now=clock())
    assert (_row(waited).status, _row(collected).status) == (orders.CANCELLED, orders.SERVED)
