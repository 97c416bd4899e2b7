"""A long queue: the columns draw what is on screen, and show every order as they scroll."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from bar import estimates, events, orders
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Order
from kiosk.app import KioskApp
from kiosk.board import BoardChange
from kiosk.widgets.column_box import ColumnBox
from kiosk.widgets.order_column import OrderColumn
from tests.conftest import Factory, with_rules
from tests.kiosk.conftest import SIZE, column, column_text, wait_for
from tests.kiosk.test_live import elsewhere

LONG = 40  # more cards than fit in a column at 120×40


def place(make: Factory, settings: Settings, count: int, **kw: object) -> list[Order]:
    """`count` orders from as many guests, a second apart, oldest first."""
    placed = []
    for n in range(count):
        placed.append(make.order(make.guest(f"Guest {n + 1}"), settings=settings, **kw))
        make.clock.advance(seconds=1)
    return placed


def repaints(monkeypatch: pytest.MonkeyPatch, widget: OrderColumn) -> list[Region]:
    """The regions `widget` asks Textual to repaint from now on (the whole widget for a
    plain `refresh()`). What reaches the terminal is what is repainted."""
    asked: list[Region] = []
    refresh = widget.refresh

    def spy(*regions: Region, **kwargs: bool) -> OrderColumn:
        asked.extend(regions or [widget.size.region])
        return refresh(*regions, **kwargs)

    monkeypatch.setattr(widget, "refresh", spy)
    return asked


def on_screen(app: KioskApp, status: str) -> str:
    """The lines the column draws where it is scrolled to, as plain text."""
    widget = column(app, status)
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


async def test_the_cursor_scrolls_a_long_column(
    app: KioskApp, make: Factory, kiosk_settings: Settings
) -> None:
    placed = place(make, with_rules(kiosk_settings, max_queue=100), LONG)
    async with app.run_test(size=SIZE) as pilot:
        pending = column(app, "pending")
        assert f"#{LONG} " not in on_screen(app, "pending")  # below the fold
        assert f"#{LONG} Guest {LONG}" in column_text(app, "pending")  # but laid out
        await pilot.press(*["j"] * (LONG - 1))
        assert pending.selected is not None and pending.selected.id == placed[-1].id
        assert f"#{LONG} Guest {LONG}" in on_screen(app, "pending")
        assert "#1 " not in on_screen(app, "pending")
        await pilot.press("c")  # the last order, claimed from the bottom of the column
        assert Order.get_by_id(placed[-1].id).status == orders.PREPARING
        assert pending.selected.id == placed[-2].id  # the cursor stays in its place
        assert f"#{LONG - 1} Guest {LONG - 1}" in on_screen(app, "pending")


async def test_cards_scrolled_to_show_the_guests_wait(
    app: KioskApp, make: Factory, kiosk_settings: Settings, clock: FrozenClock
) -> None:
    """The column asks for the waits of the cards it shows; those far below get theirs
    when they come on screen, word for word what the guest's phone shows. (Wide columns:
    any wait fits beside the drink's name, so no card's height needs it.)"""
    placed = place(make, with_rules(kiosk_settings, max_queue=100), LONG, drink_id="espresso")
    async with app.run_test(size=(200, 40)) as pilot:
        api = estimates.current(kiosk_settings, now=clock())
        for order in (placed[0], placed[LONG // 2], placed[-1]):
            await pilot.press(*["k"] * LONG, *["j"] * placed.index(order))
            lines = on_screen(app, "pending").splitlines()
            top = next(y for y, line in enumerate(lines) if f"#{order.number} " in line)
            card = " ".join(lines[top:top + 3])  # a long wait goes under the drink's name
            assert " ".join(api[order.id].label.split()) in " ".join(card.split())


async def test_the_selection_follows_its_order_when_an_older_one_lands_above(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    first, second, third = (make.order(make.guest(n)) for n in ("Ana", "Bo", "Cy"))
    for order in (second, third):
        orders.move(order.id, orders.PREPARING, actor="barista", barista="Kim", now=clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "j")  # on Cy's card, the second of the preparing column
        preparing = column(app, "preparing")
        assert preparing.selected is not None and preparing.selected.id == third.id
        elsewhere(lambda: orders.move(
            first.id, orders.PREPARING, actor="barista", barista="Kim", now=clock()))
        # Ana's order is older: it goes on top, and the cursor stays on Cy's.
        assert await wait_for(pilot, lambda: len(preparing.orders) == 3)
        assert [o.id for o in preparing.orders] == [first.id, second.id, third.id]
        assert (preparing.cursor, preparing.selected.id) == (2, third.id)
        await pilot.press("a")
        assert Order.get_by_id(third.id).status == orders.READY


async def test_a_burst_of_events_is_one_update(
    app: KioskApp, make: Factory, kiosk_settings: Settings
) -> None:
    bells: list[None] = []
    app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        app.workers.cancel_group(app, "event-tail")  # the burst is handed over below
        await wait_for(pilot, lambda: app._tail_done.is_set())
        changes: list[BoardChange] = []
        app.queue_screen.watch(app, "changes", lambda change: changes.append(change), init=False)
        after = events.last_event_id()
        place(make, with_rules(kiosk_settings, max_queue=100), 12)
        app.apply_events(events.read_since(after))  # as the tail would, in one message
        await pilot.pause()
        assert len(changes) == 1 and changes[0].placed
        assert len(bells) == 1  # one bell for the burst
        assert all(f"#{n} Guest {n}" in column_text(app, "pending") for n in range(1, 13))
        box = app.queue_screen.query_one("#column-pending", ColumnBox)
        assert box.border_title == "▶ PENDING · 12"  # the active column


async def test_orders_below_the_fold_repaint_nothing_on_screen(
    app: KioskApp, make: Factory, kiosk_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """But the scrollbar must know them: dragging it maps positions with the length."""
    roomy = with_rules(kiosk_settings, max_queue=100)
    place(make, roomy, LONG)
    make.clock.advance(minutes=10)  # ages in minutes: the seconds below change none
    async with app.run_test(size=SIZE) as pilot:
        pending = column(app, "pending")
        await pilot.pause()
        before, shown = pending.virtual_size.height, on_screen(app, "pending")
        asked = repaints(monkeypatch, pending)
        elsewhere(lambda: place(make, roomy, 3))
        assert await wait_for(pilot, lambda: len(pending.orders) == LONG + 3)
        await pilot.pause()
        assert asked == []  # the cards on screen are the same ones
        assert on_screen(app, "pending") == shown
        assert pending.virtual_size.height > before
        assert pending.vertical_scrollbar.window_virtual_size == pending.virtual_size.height
        await pilot.press(*["j"] * (LONG + 2))
        assert f"#{LONG + 3} Guest 3" in on_screen(app, "pending")  # the last one placed


async def test_the_age_tick_repaints_the_cards_whose_age_changed(
    app: KioskApp, make: Factory, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    make.order(make.guest("Ana"))
    clock.advance(minutes=10)
    make.order(make.guest("Bo"))
    async with app.run_test(size=SIZE) as pilot:
        pending = column(app, "pending")
        await pilot.pause()
        lines = on_screen(app, "pending").splitlines()
        bo = next(y for y, line in enumerate(lines) if "#2 Bo" in line)
        assert lines[0].rstrip().endswith("10m") and lines[bo].rstrip().endswith("0s")
        asked = repaints(monkeypatch, pending)
        clock.advance(seconds=20)  # Bo's card now reads "20s"; Ana's still "10m"
        # The age tick (every 2 s) repaints the line whose age reads differently.
        assert await wait_for(pilot, lambda: bool(asked), timeout=5.0)
        assert [(region.y, region.height) for region in asked] == [(bo, 1)]
        assert on_screen(app, "pending").splitlines()[bo].rstrip().endswith("20s")
