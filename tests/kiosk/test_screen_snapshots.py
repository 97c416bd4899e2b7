"""The barista's screens as pixels, at 160×48: invites, tonight, drinks, guests, the QR
code full screen, and the queue when the invites have run out.

A frozen clock, fixed codes and a fixed time zone make them the same every run. Update
with `pytest tests/kiosk/test_screen_snapshots.py --snapshot-update`, then look at the
SVGs. `BAR_ARTIFACTS=DIR` also saves each as DIR/kiosk-<screen>.svg.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer

from bar import guests, menu, orders
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import RegistrationCode
from kiosk.app import KioskApp
from kiosk.widgets.full_qr import FullQR
from kiosk.widgets.qr_panel import QRPanel
from tests import night
from tests.conftest import Factory
from tests.kiosk.conftest import wait_for

SIZE = (160, 48)
INVITE = "friday-night-invite"  # fixed codes: a random one would change the QR code


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


def invite(clock: FrozenClock, code: str, *, uses: int, used: int, hours: float = 6,
           notes: str = "", revoked: bool = False, by: str = "cli") -> None:
    RegistrationCode.create(
        code=code, created_at=clock(), created_by=by, expires_at=clock() + timedelta(hours=hours),
        max_uses=uses, use_count=used, notes=notes, revoked=revoked,
    )
    clock.advance(seconds=1)  # the newest first, in a known order


def a_night(make: Factory, clock: FrozenClock) -> None:
    """Six guests; orders served, cancelled, expired and open; one guest kicked."""
    start = clock()
    ana, bo, x, dee, mallory, eli = (make.guest(n) for n in
                                     ("Ana Lopez", "Bo", "[bold red]x", "Dee", "Mallory", "Eli"))
    served = make.order(ana)
    cancelled = make.order(bo, drink_id="espresso", note="<script>")
    make.order(x, drink_id="flat-white", modifiers={"milk": "oat"})
    for minutes, step in ((2, orders.PREPARING), (4, orders.READY), (5, orders.SERVED)):
        clock.now = start + timedelta(minutes=minutes)
        orders.move(served.id, step, actor="barista", barista="Sam", now=clock())
    clock.now = start + timedelta(minutes=6)
    orders.move(cancelled.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="out of beans [sorry]", now=clock())
    make.order(dee, drink_id="aperol-spritz")
    clock.now = start + timedelta(minutes=21)
    orders.expire_overdue(make.settings.rules, now=clock())  # #3, and #4 ordered at minute 6
    late = make.order(eli, drink_id="gin-tonic", note="[i]lots of ice")
    clock.now = start + timedelta(minutes=22)
    orders.move(late.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="no tonic left", now=clock())  # what z would recall
    guests.kick("Mallory", day_starts_at=make.settings.day_starts_at, now=clock())
    assert mallory.user_key
    menu.set_in_stock("espresso", False, now=clock())
    clock.now = start + timedelta(minutes=23)


def shoot(name: str, *keys: str, wait: Callable[[KioskApp], bool] | None = None
          ) -> Callable[[Pilot[None]], object]:
    """Press `keys`, wait until the screen shows what it reads, save it as an artifact."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, KioskApp)
        await pilot.press(*keys)
        if wait is not None:
            assert await wait_for(pilot, lambda: wait(app))
        # The footer follows the screen a frame later: its keys are part of the picture.
        assert await wait_for(pilot, lambda: bool(app.screen.query_one(Footer).children))
        await pilot.pause(0.1)
        if out := os.environ.get("BAR_ARTIFACTS"):
            app.save_screenshot(filename=f"kiosk-{name}.svg", path=out)

    return run_before


def test_invites_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    invite(clock, "old-friday-code", uses=25, used=3, hours=-20)
    invite(clock, "leaked-code", uses=25, used=2, revoked=True)
    invite(clock, "neighbours-code", uses=10, used=10, hours=30, notes="[b]the neighbours")
    invite(clock, INVITE, uses=50, used=5, by="Sam")
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("invites", "i"))


def test_tonight_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    a_night(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("tonight", "t"))


def test_drinks_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    a_night(make, clock)
    menu.edit_drink("negroni", {"price": 9}, now=clock())
    menu.edit_drink("margarita", {"price": 8.5}, now=clock())
    menu.retire("shirley-temple", now=clock())
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("drinks", "d", "down"))


def test_guests_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    a_night(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("guests", "g"))


def test_qr_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, clock: FrozenClock,
    keys: object,
) -> None:
    invite(clock, INVITE, uses=50, used=5)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")

    def drawn(app: KioskApp) -> bool:
        return bool(app.screen.query(FullQR)) and app.screen.query_one(FullQR).code == INVITE

    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("qr", "v", wait=drawn))


def test_queue_when_the_invites_ran_out(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    a_night(make, clock)
    RegistrationCode.update(use_count=RegistrationCode.max_uses).execute()
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")

    def said(app: KioskApp) -> bool:  # the screen may not be composed yet
        panels = app.screen.query(QRPanel)
        return bool(panels) and panels.first().no_invite == "used up"

    assert snap_compare(app, terminal_size=SIZE, run_before=shoot("no-invite", wait=said))
