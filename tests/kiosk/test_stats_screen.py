"""The stats screen: one key from the queue, live as orders arrive and are served."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual.widgets import Label

from bar import orders, shop
from bar.clock import FrozenClock
from bar.config import Settings
from bar.errors import ShopClosed
from bar.models import Guest, Order
from kiosk.app import KioskApp
from kiosk.screens.queue import QueueScreen
from kiosk.screens.stats import StatsScreen
from kiosk.widgets.stats_charts import DrinkBars, SlotChart
from tests import night
from tests.conftest import Factory
from tests.kiosk.conftest import SIZE, wait_for
from tests.kiosk.test_live import elsewhere


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


def shown(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).content)


def chart_lines(app: KioskApp, widget: type[DrinkBars | SlotChart]) -> list[str]:
    chart = app.screen.query_one(widget)
    return [chart.render_line(y).text.rstrip() for y in range(chart.size.height)]


async def test_s_shows_tonight_and_follows_the_events(
    kiosk_settings: Settings, make: Factory, clock: FrozenClock
) -> None:
    night.play(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        assert shown(app, "#stats-title") == f"Friday Night Bar · tonight, business day {night.DAY}"
        assert shown(app, "#stats-orders") == \
            "10 orders   6 served   1 open   1 cancelled   2 expired"
        assert shown(app, "#stats-guests") == "4 guests · 2.5 orders each (at most 3)"
        assert shown(app, "#stats-waits") == \
            "wait to ready p50 4m 00s · p90 10m 00s   busiest hour 00:00–01:00 (5 orders)"
        bars = chart_lines(app, DrinkBars)
        assert bars[0].startswith("Negroni ") and bars[0].endswith("5 (4 served)")
        assert bars[4].startswith("Espresso ") and bars[4].endswith("1 (0 served)")
        slot_counts = app.screen.query_one(SlotChart).slots
        assert [s.orders for s in slot_counts][-1] == 1 and len(slot_counts) == 17

        # Bo's espresso, made and served from elsewhere: its events reach the screen.
        espresso = Order.get(Order.day == night.DAY, Order.number == 10).id
        elsewhere(lambda: [orders.move(espresso, to, actor="barista", barista="Kim", now=clock())
                           for to in (orders.READY, orders.SERVED)])
        assert await wait_for(pilot, lambda: shown(app, "#stats-orders").startswith(
            "10 orders   7 served   0 open"))
        assert chart_lines(app, DrinkBars)[4].endswith("1 (1 served)")

        # A new order at 01:40: a new 10-minute slot, and the drink's bar grows.
        cy = Guest.get(Guest.username == "Cy")
        elsewhere(lambda: make.order(cy, drink_id="espresso"))
        assert await wait_for(pilot, lambda: shown(app, "#stats-orders").startswith("11 orders"))
        assert [s.orders for s in app.screen.query_one(SlotChart).slots][-2:] == [1, 1]
        grown = chart_lines(app, DrinkBars)[2]  # tied with Flat White: the menu's order
        assert grown.startswith("Espresso ") and grown.endswith("2 (1 served)")

        # Turned away: the bar closes and Cy tries again. The refusal changes no order;
        # its event alone brings the figure to the screen.
        assert shown(app, "#stats-refused") == "turned away: none"
        refused: list[Exception] = []

        def turned_away() -> None:
            shop.set_open(False, now=clock())
            try:
                make.order(cy, drink_id="espresso")
            except ShopClosed as exc:
                refused.append(exc)

        elsewhere(turned_away)
        assert refused
        assert await wait_for(
            pilot, lambda: shown(app, "#stats-refused") == "turned away: 1 (closed 1)")
        assert shown(app, "#stats-orders").startswith("11 orders")

        await pilot.press("s")
        assert isinstance(app.screen, QueueScreen)
        shown_keys = {b.binding.key_display or key: b.binding.description
                      for key, b in app.screen.active_bindings.items() if b.binding.show}
        assert shown_keys["s"] == "Stats"  # the footer's hint


async def test_an_empty_night(kiosk_settings: Settings, keys: object, clock: FrozenClock) -> None:
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert shown(app, "#stats-orders").startswith("0 orders")
        assert shown(app, "#stats-guests") == "no guests yet"
        assert chart_lines(app, DrinkBars)[0] == "No orders yet tonight"
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


def test_snapshot_stats_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    night.play(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, press=["s"])
