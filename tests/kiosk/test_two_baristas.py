"""Two kiosks on one database: each claims its own order and sees the other's claim."""

from __future__ import annotations

from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Order
from kiosk.app import KioskApp
from tests.conftest import Factory
from tests.kiosk.conftest import SIZE, column_text, wait_for


async def test_two_kiosks_claim_different_orders_and_see_each_other(
    kiosk_settings: Settings, make: Factory, clock: FrozenClock
) -> None:
    first = make.order(make.guest("Ana"), drink_id="negroni")
    second = make.order(make.guest("Bo"), drink_id="margarita")
    sam = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    kim = KioskApp(kiosk_settings, clock=clock, barista="Kim")
    async with sam.run_test(size=SIZE) as sam_pilot, kim.run_test(size=SIZE) as kim_pilot:
        await sam_pilot.press("c")  # Sam claims the oldest pending order (#1)
        assert await wait_for(kim_pilot, lambda: "#1" in column_text(kim, "preparing"))
        await kim_pilot.press("c")  # Kim's selection is now on #2, the only pending one
        assert await wait_for(sam_pilot, lambda: "#2" in column_text(sam, "preparing"))
        for app in (sam, kim):
            preparing = column_text(app, "preparing")
            assert "Sam" in preparing and "Kim" in preparing
            assert "nothing here" in column_text(app, "pending")
    assert Order.get_by_id(first.id).barista == "Sam"
    assert Order.get_by_id(second.id).barista == "Kim"
