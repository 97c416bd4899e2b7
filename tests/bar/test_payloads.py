"""Typed events: each shape written once, read back to the same value, by channel view."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bar import events, menu, notifications, orders, shop
from bar.payloads import (
    Announcement,
    EventPayload,
    GuestSignedOut,
    MenuChanged,
    NewOrder,
    OrderExpired,
    OrderInfo,
    OrderReminder,
    OrderStatusChanged,
    PublicOrder,
    ShopStatusChanged,
    decode,
    first_name,
)

AT = datetime(2026, 11, 20, 22, 5, 1, 250, tzinfo=UTC)
INFO = OrderInfo(
    order_id="o-1", number=7, user_key="k-1", username="Ana Lopez", drink_id="negroni",
    drink_name="Negroni", modifiers={"ice": "big cube"}, note="<b>no</b>", status="ready",
    barista="Sam", cancel_reason=None, created_at=AT, updated_at=AT, ready_at=AT,
    completed_at=None,
)
BOARD = PublicOrder(number=7, first_name="Ana", drink_name="Negroni", status="ready", updated_at=AT,
                    drink_id="negroni")


@pytest.mark.parametrize("event", [
    NewOrder(INFO), NewOrder(BOARD), OrderStatusChanged(INFO.for_guest()), OrderExpired(INFO),
    OrderReminder(INFO.for_guest()), ShopStatusChanged(False), MenuChanged("negroni", "Negroni", True),
    Announcement("Last call!", at=AT), GuestSignedOut("k-1", "Ana Lopez"),
], ids=lambda e: type(e).__name__)
def test_every_event_reads_back_as_itself(event: EventPayload) -> None:
    assert decode(event.type, event.to_payload()) == event


def test_the_guest_view_leaves_out_who_ordered() -> None:
    full, mine = INFO.to_payload(), INFO.for_guest().to_payload()
    assert list(mine) == [k for k in full if k not in ("user_key", "username")]
    assert {k: full[k] for k in mine} == mine
    assert full["created_at"] == "2026-11-20T22:05:01.000250+00:00"


def test_an_unknown_type_is_no_typed_event() -> None:
    assert decode("FROM_A_NEWER_VERSION", {"x": 1}) is None


def test_first_names_for_the_public_board() -> None:
    assert [first_name(n) for n in ("Ana Lopez", "Bo", "  ", "[bold red]x y")] == [
        "Ana", "Bo", "  ", "[bold"]


def test_rows_written_by_the_core_read_back_typed(make, clock) -> None:
    ana = make.guest("Ana Lopez")
    order = make.order(ana)
    orders.advance(order.id, barista="Sam", now=clock())
    shop.set_open(False, now=clock())
    menu.set_in_stock("negroni", False, now=clock())
    notifications.announce("Last call!", now=clock())
    make.kick(ana.user_key)
    moved = orders.get_order(order.id)
    by_channel = {(e.channel, e.type): e.data for e in events.read_since(0)}
    mine = events.guest_channel(ana.user_key)
    assert by_channel[(events.ADMIN, events.NEW_ORDER)] == NewOrder(OrderInfo.of(order))
    assert by_channel[(mine, events.NEW_ORDER)] == NewOrder(OrderInfo.of(order))
    assert by_channel[(events.DISPLAY, events.NEW_ORDER)] == NewOrder(PublicOrder.of(order))
    assert by_channel[(events.ADMIN, events.ORDER_STATUS_CHANGED)] == OrderStatusChanged(
        OrderInfo.of(moved))
    assert by_channel[(mine, events.ORDER_STATUS_CHANGED)] == OrderStatusChanged(
        OrderInfo.of(moved).for_guest())
    assert by_channel[(events.CONFIG, events.SHOP_STATUS_CHANGED)] == ShopStatusChanged(False)
    stock = by_channel[(events.CONFIG, events.MENU_CHANGED)]
    assert isinstance(stock, MenuChanged)
    assert (stock.drink_id, stock.name, stock.is_active, stock.change) == (
        "negroni", "Negroni", False, "stock")
    assert stock.drink is not None and stock.drink["is_active"] is False
    assert by_channel[(events.ANNOUNCEMENTS, events.ANNOUNCEMENT)] == Announcement(
        "Last call!", at=clock())
    assert by_channel[(events.ADMIN, events.GUEST_SIGNED_OUT)] == GuestSignedOut(
        ana.user_key, "Ana Lopez")


def test_the_api_shape_is_the_events_shape(make) -> None:
    order = make.order(make.guest("Ana Lopez"))
    (admin,) = events.read_since(0, [events.ADMIN])
    assert orders.order_dict(order) == admin.payload
    (board,) = events.read_since(0, [events.DISPLAY])
    assert orders.display_dict(order) == board.payload
