"""The cursor follows the order the barista moves; `f` keeps it in its column instead."""

from __future__ import annotations

from bar import orders
from bar.models import Order
from kiosk.app import KioskApp
from kiosk.widgets.column_box import ColumnBox
from tests.conftest import Factory
from tests.kiosk.conftest import SIZE, column


def selected(app: KioskApp) -> tuple[str, str | None]:
    """The active column's status and the id of the order selected in it."""
    screen = app.queue_screen
    order = screen.selected
    return screen.columns[screen._active].status, order.id if order else None


def status(order: Order) -> str:
    return str(Order.get_by_id(order.id).status)


def footer(app: KioskApp) -> list[str]:
    """The keys the footer offers ("f Follow: on"), as the screen's bindings say."""
    return [f"{active.binding.key} {active.binding.description}"
            for active in app.queue_screen.active_bindings.values() if active.binding.show]


async def test_claim_moves_the_cursor_with_the_order_so_a_advances_it(
    app: KioskApp, make: Factory
) -> None:
    # One drink already being made (older: it sorts first in Preparing), two waiting.
    earlier = make.order(make.guest("Kim"))
    orders.move(earlier.id, orders.PREPARING, actor="barista", barista="Kim", now=make.clock())
    ana, bo = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        assert selected(app) == (orders.PENDING, ana.id)
        await pilot.press("c")
        # In Preparing, on Ana's order: not on Kim's, the first card there.
        assert selected(app) == (orders.PREPARING, ana.id)
        assert column(app, orders.PREPARING).cursor == 1
        boxes = {box.id: box.border_title for box in app.queue_screen.query(ColumnBox)}
        assert boxes == {"column-pending": "Pending · 1", "column-preparing": "▶ PREPARING · 2",
                         "column-ready": "Ready · 0"}
        await pilot.press("a")  # no "No order selected": it acts on Ana's order
        assert (status(ana), status(earlier), status(bo)) == (
            orders.READY, orders.PREPARING, orders.PENDING)
        assert selected(app) == (orders.READY, ana.id)
        assert not any(n.message == "No order selected" for n in app._notifications)
        await pilot.press("a")  # served: it leaves the board, the cursor stays in Ready
        assert status(ana) == orders.SERVED
        assert selected(app) == (orders.READY, None)


async def test_unclaim_takes_the_cursor_back_to_pending(app: KioskApp, make: Factory) -> None:
    ana, bo = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "c")  # Bo's order first
        assert selected(app) == (orders.PREPARING, bo.id)
        await pilot.press("u")
        assert status(bo) == orders.PENDING
        assert selected(app) == (orders.PENDING, bo.id)
        assert column(app, orders.PENDING).cursor == 1  # after Ana's, which is older
        assert status(ana) == orders.PENDING


async def test_f_keeps_the_cursor_in_its_column_for_claiming_a_batch(
    app: KioskApp, make: Factory
) -> None:
    placed = [make.order(make.guest(name)) for name in ("Ana", "Bo", "Cy")]
    async with app.run_test(size=SIZE) as pilot:
        assert "f Follow: on" in footer(app)
        await pilot.press("f")
        assert "f Follow: off" in footer(app) and "f Follow: on" not in footer(app)
        await pilot.press("c", "c")
        assert [status(o) for o in placed] == [orders.PREPARING, orders.PREPARING, orders.PENDING]
        assert selected(app) == (orders.PENDING, placed[2].id)
        await pilot.press("f", "c")  # following again
        assert "f Follow: on" in footer(app)
        assert selected(app) == (orders.PREPARING, placed[2].id)


async def test_a_cancelled_order_leaves_the_cursor_in_its_column(
    app: KioskApp, make: Factory
) -> None:
    ana, bo = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", *"no ice", "enter")
        assert status(ana) == orders.CANCELLED
        assert selected(app) == (orders.PENDING, bo.id)
