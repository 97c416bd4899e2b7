"""Keys move orders in the database (through the core), and the queue shows the result."""

from __future__ import annotations

from bar import events, orders, shop
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Order
from bar.payloads import OrderInfo
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.board import BoardChange
from kiosk.screens.ask import CancelScreen
from tests.conftest import Factory
from tests.kiosk.conftest import SIZE, column, column_text, label_text, wait_for


def row(order: Order) -> Order:
    return Order.get_by_id(order.id)


async def test_claim_advance_serve(app: KioskApp, make: Factory) -> None:
    order = make.order(make.guest("Ana"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert (row(order).status, row(order).barista) == (orders.PREPARING, "Sam")
        assert "#1 Ana" in column_text(app, "preparing")
        assert "Sam" in column_text(app, "preparing")
        assert "#1" not in column_text(app, "pending")

        await pilot.press("a")  # the cursor went with the order: advance it again
        assert row(order).status == orders.READY
        assert "#1 Ana" in column_text(app, "ready")

        await pilot.press("enter")
        assert row(order).status == orders.SERVED
        assert row(order).completed_at is not None
        assert "#1" not in column_text(app, "ready")


async def test_advance_from_pending_claims_with_the_barista(app: KioskApp, make: Factory) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert (row(order).status, row(order).barista) == (orders.PREPARING, "Sam")


async def test_unclaim_puts_it_back(app: KioskApp, make: Factory) -> None:
    order = make.order()
    orders.move(order.id, orders.PREPARING, actor="barista", barista="Kim", now=make.clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "u")
        assert (row(order).status, row(order).barista) == (orders.PENDING, None)
        assert "#1" in column_text(app, "pending")


async def test_up_down_select_the_order_to_move(app: KioskApp, make: Factory) -> None:
    first, second, third = (make.order(make.guest(n)) for n in ("Ana", "Bo", "Cy"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")  # the cursor stays in its column (see test_follow.py)
        await pilot.press("down", "j", "k")  # ends on the second card
        assert column(app, "pending").selected.id == second.id
        await pilot.press("c")
        assert [row(o).status for o in (first, second, third)] == [
            orders.PENDING, orders.PREPARING, orders.PENDING,
        ]
        # The cursor stays in place: now on the third order.
        assert column(app, "pending").selected.id == third.id


async def test_cancel_asks_for_a_reason(app: KioskApp, make: Factory) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        assert isinstance(app.screen, CancelScreen)
        await pilot.press(*"out of ice", "enter")
        assert not isinstance(app.screen, CancelScreen)
        assert (row(order).status, row(order).cancel_reason) == (orders.CANCELLED, "out of ice")
        assert "#1" not in column_text(app, "pending")


async def test_escape_keeps_the_order(app: KioskApp, make: Factory) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", *"oops", "escape")
        assert not isinstance(app.screen, CancelScreen)
        assert row(order).status == orders.PENDING


async def test_cancel_needs_a_reason(app: KioskApp, make: Factory) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "enter")
        assert isinstance(app.screen, CancelScreen)  # still asking
        assert row(order).status == orders.PENDING


async def test_o_closes_and_opens_the_bar(app: KioskApp, make: Factory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert label_text(app, "#shop-state") == "● OPEN"
        await pilot.press("o")
        assert shop.is_open() is False
        assert label_text(app, "#shop-state") == "● CLOSED"
        await pilot.press("o")
        assert shop.is_open() is True
        assert label_text(app, "#shop-state") == "● OPEN"


async def test_a_refused_move_is_a_notification_not_a_crash(
    app: KioskApp, make: Factory
) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")  # unclaim a pending order: the core refuses
        assert row(order).status == orders.PENDING
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [n.message for n in errors] == ["order #1 cannot go from pending to pending"]
        assert app.is_running


async def test_keys_on_an_empty_column_do_nothing(app: KioskApp, make: Factory) -> None:
    order = make.order()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "c", "a", "u", "x")
        assert not isinstance(app.screen, CancelScreen)
        assert row(order).status == orders.PENDING
        assert any(n.message == "No order selected" for n in app._notifications)


async def test_refresh_reloads_from_the_database(app: KioskApp, make: Factory) -> None:
    async with app.run_test(size=SIZE) as pilot:
        app.workers.cancel_group(app, "event-tail")  # only `r` may bring the order in
        await wait_for(pilot, lambda: app._tail_done.is_set())
        make.order(make.guest("Dee"))
        await pilot.pause(0.1)
        assert "Dee" not in column_text(app, "pending")
        await pilot.press("r")
        assert "#1 Dee" in column_text(app, "pending")


async def test_m_announces_to_every_guest(app: KioskApp, make: Factory) -> None:
    from bar import notifications
    from bar.models import Event
    from kiosk.screens.ask import AnnounceScreen

    mia = make.guest("Mia")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", "enter")
        assert isinstance(app.screen, AnnounceScreen)  # a message is required
        await pilot.press("escape")
        assert not isinstance(app.screen, AnnounceScreen)
        assert Event.select().where(Event.type == "ANNOUNCEMENT").count() == 0

        await pilot.press("m", *"Last call <b>!", "enter")
        assert not isinstance(app.screen, AnnounceScreen)
        sent = Event.get(Event.type == "ANNOUNCEMENT")
        assert sent.payload["message"] == "Last call <b>!"
        assert [n.payload["message"] for n in notifications.unread(mia.user_key)] == ["Last call <b>!"]


async def test_a_move_is_applied_once_and_its_echo_changes_nothing(
    app: KioskApp, make: Factory
) -> None:
    order = make.order(make.guest("Ana"))
    applied: list[tuple[str, set[str]]] = []  # (status, columns changed) per application
    apply = app.board.apply

    def counting(info: OrderInfo) -> set[str]:
        changed = apply(info)
        applied.append((info.status, changed))
        return changed

    app.board.apply = counting  # type: ignore[method-assign]
    read: list[int] = []  # ids of the events the tail brought
    apply_events = app.apply_events
    app.apply_events = lambda batch: (read.extend(e.id for e in batch), apply_events(batch))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        changes: list[BoardChange] = []
        app.queue_screen.watch(app, "changes", lambda change: changes.append(change), init=False)
        await pilot.press("c")
        assert "#1 Ana" in column_text(app, "preparing")
        echo = events.last_event_id()  # the claim's events: guest, admin, display
        assert await wait_for(pilot, lambda: bool(read) and max(read) >= echo)
        assert applied == [
            (orders.PREPARING, {orders.PENDING, orders.PREPARING}),  # the barista's move
            (orders.PREPARING, set()),  # its echo from the admin channel: nothing to do
        ]
        assert [c.statuses for c in changes if c.statuses] == [
            {orders.PENDING, orders.PREPARING}]  # the columns were redrawn once
    assert row(order).status == orders.PREPARING


async def test_a_kiosk_without_a_barista_name_claims_without_one(
    kiosk_settings: Settings, clock: FrozenClock, keys: Keys, make: Factory
) -> None:
    """Guests read "Being made", never "Being made by barista"."""
    order = make.order(make.guest("Ana"))
    app = KioskApp(kiosk_settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert (row(order).status, row(order).barista) == (orders.PREPARING, None)
        assert "--barista" in label_text(app, "#barista")


async def test_cancel_offers_the_reason_templates(app: KioskApp, make: Factory) -> None:
    picked, completed = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "down", "down", "enter")  # ↓ to the list, the second one
        assert not isinstance(app.screen, CancelScreen)
        assert row(picked).cancel_reason == "The bar is closing"
        await pilot.press("x", *"ord", "right", "enter")  # typing completes a template
        assert row(completed).cancel_reason == "Ordered twice"
    info = orders.order_dict(row(completed))
    assert info["cancel_reason_code"] == "ordered_twice"  # the guest reads it in their language
