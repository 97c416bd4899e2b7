"""Stations in the terminal: `bar kiosk --station` and `bar display --station` show
their own station only; without it, every card and ticket says where it is made."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from textual.widgets import Label

from bar import orders, shop
from bar.clock import FrozenClock
from bar.config import Settings
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.display import DisplayApp
from kiosk.screens.stats import StatsScreen
from tests.conftest import Factory, with_stations
from tests.kiosk.conftest import SIZE, column_text, label_text, wait_for
from tests.kiosk.test_display import TV, board_text
from tests.kiosk.test_live import elsewhere


def _two(settings: Settings) -> Settings:
    return dataclasses.replace(with_stations(settings, coffee_queue=4), show_join_code=False)


async def test_a_cocktail_and_a_coffee_land_on_two_kiosks(
    kiosk_settings: Settings, keys: Keys, clock: FrozenClock, make: Factory,
) -> None:
    two = _two(kiosk_settings)
    maya = make.guest("Maya")
    bar_kiosk = KioskApp(two, clock=clock, barista="Sam", station="bar")
    coffee_kiosk = KioskApp(two, clock=clock, barista="Kim", station="coffee")
    async with bar_kiosk.run_test(size=SIZE) as bar_pilot, \
            coffee_kiosk.run_test(size=SIZE) as coffee_pilot:
        elsewhere(lambda: orders.place_order(two, maya, drink_id="negroni", now=clock()))
        elsewhere(lambda: orders.place_order(two, maya, drink_id="flat-white", now=clock()))
        assert await wait_for(bar_pilot, lambda: "#1 Maya" in column_text(bar_kiosk, "pending"))
        assert await wait_for(coffee_pilot,
                              lambda: "#2 Maya" in column_text(coffee_kiosk, "pending"))
        # Each its own: never the other station's card, even after a moment more.
        await bar_pilot.pause(0.2)
        await coffee_pilot.pause(0.2)
        assert "#2" not in column_text(bar_kiosk, "pending")
        assert "#1" not in column_text(coffee_kiosk, "pending")
        assert "Negroni" in column_text(bar_kiosk, "pending")
        assert "Flat White" in column_text(coffee_kiosk, "pending")
        assert label_text(coffee_kiosk, "#queue-length") == "queue 1 of 4"
        assert "Coffee corner" in label_text(coffee_kiosk, "#bar-name")

        # The coffee kiosk's `o` closes the coffee corner only.
        await coffee_pilot.press("o")
        assert await wait_for(coffee_pilot, lambda: not shop.is_open("coffee"))
        assert shop.is_open() and shop.is_open("bar")
        assert await wait_for(bar_pilot, lambda: bar_kiosk.is_open)
        assert await wait_for(coffee_pilot, lambda: not coffee_kiosk.is_open)


async def test_a_kiosk_of_every_station_names_each_and_p_picks_one(
    kiosk_settings: Settings, keys: Keys, clock: FrozenClock, make: Factory,
) -> None:
    two = _two(kiosk_settings)
    maya = make.guest("Maya")
    orders.place_order(two, maya, drink_id="negroni", now=clock())
    orders.place_order(two, maya, drink_id="espresso", now=clock())
    app = KioskApp(two, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        shown = column_text(app, "pending")
        assert "#1 Maya" in shown and "@ Cocktail bar" in shown and "@ Coffee corner" in shown
        await pilot.press("w")  # the cocktail bar's
        assert await wait_for(pilot, lambda: "#2" not in column_text(app, "pending"))
        assert "#1 Maya" in column_text(app, "pending") and app.showing == "bar"
        await pilot.press("w")  # the coffee corner's
        assert await wait_for(pilot, lambda: "#1" not in column_text(app, "pending"))
        # A new coffee shows; a new cocktail does not.
        elsewhere(lambda: orders.place_order(two, make.guest("Bo"), drink_id="negroni",
                                             now=clock()))
        elsewhere(lambda: orders.place_order(two, make.guest("Cy"), drink_id="cappuccino",
                                             now=clock()))
        assert await wait_for(pilot, lambda: "#4 Cy" in column_text(app, "pending"))
        assert "#3" not in column_text(app, "pending")
        await pilot.press("w")  # every station's again
        assert await wait_for(pilot, lambda: "#3 Bo" in column_text(app, "pending"))
        assert "@ Cocktail bar" in column_text(app, "pending")


async def test_two_boards_show_their_own_and_the_whole_board_says_where(
    kiosk_settings: Settings, keys: Keys, clock: FrozenClock, make: Factory,
) -> None:
    two = _two(kiosk_settings)
    maya = make.guest("Maya")
    coffee = orders.place_order(two, maya, drink_id="flat-white", now=clock()).info.order_id
    orders.place_order(two, maya, drink_id="negroni", now=clock())
    orders.advance(coffee, barista="Kim", now=clock())
    orders.advance(coffee, barista="Kim", now=clock())
    coffee_board = DisplayApp(two, clock=clock, station="coffee")
    bar_board = DisplayApp(two, clock=clock, station="bar")
    whole = DisplayApp(two, clock=clock)
    async with coffee_board.run_test(size=TV), bar_board.run_test(size=TV), \
            whole.run_test(size=TV):
        assert board_text(coffee_board, "ready") == "1 Maya"
        assert "Maya" not in board_text(coffee_board, "waiting")
        assert board_text(bar_board, "ready") == "Nothing waiting"
        assert "2  Maya" in board_text(bar_board, "waiting")
        assert board_text(whole, "ready") == "1 Maya — Coffee corner"
        assert "2  Maya — Cocktail bar" in board_text(whole, "waiting")


async def test_the_stats_screen_has_a_line_per_station(
    kiosk_settings: Settings, keys: Keys, clock: FrozenClock, make: Factory,
) -> None:
    two = _two(kiosk_settings)
    # a name from bar.toml that looks like markup is shown as written
    two = dataclasses.replace(two, stations=tuple(
        dataclasses.replace(s, name="Cocktail bar [b]up[/b]") if s.id == "bar" else s
        for s in two.stations))
    maya = make.guest("Maya")
    negroni = orders.place_order(two, maya, drink_id="negroni", now=clock())
    orders.place_order(two, maya, drink_id="flat-white", now=clock())
    clock.advance(timedelta(minutes=3))
    for status in (orders.PREPARING, orders.READY):
        orders.move(negroni.order.id, status, actor="barista", barista="Sam", now=clock())
    app = KioskApp(two, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        assert str(app.screen.query_one("#stats-stations", Label).render()).splitlines() == [
            "Cocktail bar [b]up[/b]: 1 order · 0 served · 1 open · wait p50 3m 00s",
            "Coffee corner: 1 order · 0 served · 1 open · wait p50 –",
        ]
