"""Pending cards show the wait the guest's phone shows, and follow the queue."""

from __future__ import annotations

import dataclasses

from bar import estimates, orders
from bar.clock import FrozenClock
from bar.config import Settings
from kiosk.app import KioskApp
from tests.conftest import Factory, with_stations
from tests.kiosk.conftest import SIZE, column_text, wait_for
from tests.kiosk.test_live import elsewhere


def card_line(app: KioskApp, status: str, number: int) -> str:
    """The drink line of card `#number` (the line under its header)."""
    lines = column_text(app, status).splitlines()
    header = next(i for i, line in enumerate(lines) if f"#{number} " in line)
    return lines[header + 1].replace("▌", " ").strip()  # without the cursor mark


async def test_pending_cards_show_the_guests_estimate(
    app: KioskApp, make: Factory, clock: FrozenClock, kiosk_settings: Settings
) -> None:
    first = make.order(make.guest("Ana"), drink_id="negroni")
    second = make.order(make.guest("Bo"), drink_id="espresso")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert card_line(app, "pending", 1).split() == ["Negroni", "about", "3", "min"]
        assert card_line(app, "pending", 2).split() == ["Espresso", "about", "6", "min"]
        # Word for word what the API gives the guest's phone.
        api = estimates.current(kiosk_settings, now=clock())
        assert card_line(app, "pending", 2).endswith(api[second.id].label)

        await pilot.press("c")  # Sam claims Ana's Negroni: its card shows who, not a wait
        assert card_line(app, "preparing", 1).split() == ["Negroni", "Sam"]
        assert "about 6 min" in card_line(app, "pending", 2)  # Sam is busy for 3 more

        clock.advance(minutes=2)
        elsewhere(lambda: orders.advance(first.id, barista="Sam", now=clock()))  # ready
        assert await wait_for(pilot, lambda: "about 3 min" in card_line(app, "pending", 2))
        assert "min" not in column_text(app, "ready")


async def test_the_kiosk_reads_tonights_prep_times(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    for _ in range(3):
        made = make.order(make.guest("Early"), drink_id="espresso")
        orders.advance(made.id, barista="Kim", now=clock())
        clock.advance(minutes=1)
        orders.advance(made.id, barista="Kim", now=clock())
        orders.advance(made.id, barista="Kim", now=clock())  # served
    make.order(make.guest("Ana"), drink_id="espresso")
    waiting = make.order(make.guest("Bo"), drink_id="negroni")
    app.prep_every = 0.05
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Espressos take a minute tonight; a Negroni, not made yet, the mean of all.
        assert "about 1 min" in card_line(app, "pending", 4)
        assert "about 2 min" in card_line(app, "pending", 5)

        def slow_negronis() -> None:
            for _ in range(3):
                made = make.order(make.guest("Cy"), drink_id="negroni")
                orders.advance(made.id, barista="Kim", now=clock())
                clock.advance(minutes=4)  # three of them: still under the timeout
                orders.advance(made.id, barista="Kim", now=clock())
                orders.advance(made.id, barista="Kim", now=clock())

        elsewhere(slow_negronis)
        # The tail thread re-reads the prep times; the next age tick shows them.
        assert await wait_for(
            pilot, lambda: "about 5 min" in card_line(app, "pending", waiting.number),
            timeout=5.0,
        )


async def test_a_kiosk_of_every_station_waits_each_card_on_its_own_stations_line(
    kiosk_settings: Settings, clock: FrozenClock, make: Factory
) -> None:
    two = dataclasses.replace(with_stations(kiosk_settings), show_join_code=False)
    orders.place_order(two, make.guest("Ana"), drink_id="negroni", now=clock())
    coffee = orders.place_order(two, make.guest("Bo"), drink_id="espresso", now=clock()).order
    app = KioskApp(two, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The coffee corner's first: the Negroni ahead is the cocktail bar's.
        assert "about 3 min" in card_line(app, "pending", coffee.number)
        assert card_line(app, "pending", coffee.number).endswith(
            estimates.current(two, now=clock())[coffee.id].label)
