"""The queue screen as pixels: a frozen clock and fixed data make it the same every run.

Update with `pytest tests/kiosk/test_snapshots.py --snapshot-update`, then look at the
SVG. `BAR_ARTIFACTS=DIR` also saves the screen as DIR/kiosk.svg.

At 160×48 and 80×24 the kiosk watches a real `bar serve` (its own data dir: its clock
is the real one, and must not expire the frozen clock's orders), so the header says
"server up · 0 phones" as under `bar up`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from bar import orders
from bar.clock import FrozenClock
from bar.config import Settings
from bar.health import HealthWatch
from bar.models import RegistrationCode
from bar.up import WebServer
from kiosk.app import KioskApp
from kiosk.widgets.header import HeaderBar
from kiosk.widgets.qr_panel import QRPanel
from tests.conftest import Factory, make_settings
from tests.kiosk.conftest import SIZE, label_text, wait_for
from tests.webapp.test_server import free_port

WIDE, SMALL = (160, 48), (80, 24)

INVITE = "friday-night-invite"  # a fixed code: a random one would change the QR code


def fill_the_bar(make: Factory, clock: FrozenClock) -> None:
    """Five guests, three columns, two identical Negronis; then seven minutes pass."""
    start = clock()

    def order_at(minutes: float, name: str, **kw: Any) -> str:
        clock.now = start + timedelta(minutes=minutes)
        return make.order(make.guest(name), **kw).id

    order_at(0, "Ana Lopez", note="no garnish please")
    made = order_at(1, "Dee", drink_id="flat-white", modifiers={"milk": "oat", "size": "large"})
    order_at(3, "Bo")
    order_at(4, "[bold red]x", drink_id="espresso-martini", note="<script>")
    done = order_at(5.5, "Eli", drink_id="aperol-spritz")
    clock.now = start + timedelta(minutes=6)
    orders.move(made, orders.PREPARING, actor="barista", barista="Kim", now=clock())
    orders.advance(done, barista="Sam", now=clock())
    orders.advance(done, barista="Sam", now=clock())
    RegistrationCode.create(
        code=INVITE, created_at=clock(), created_by="cli", expires_at=clock() + timedelta(hours=6),
        max_uses=50, use_count=5,
    )
    clock.now = start + timedelta(minutes=7)


async def code_shown(pilot: Pilot[None]) -> None:
    """The QR code is read on a worker thread: wait until it is on screen."""

    def shown() -> bool:  # the screen may not be composed yet
        panels = pilot.app.screen.query(QRPanel)
        return bool(panels) and panels.first().code is not None

    assert await wait_for(pilot, shown)


def save_artifact(app: KioskApp) -> None:
    if out := os.environ.get("BAR_ARTIFACTS"):
        app.save_screenshot(filename="kiosk.svg", path=out)


def test_queue_screen(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    fill_the_bar(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")

    async def settle(pilot: Pilot[None]) -> None:
        await code_shown(pilot)
        await pilot.pause(0.1)
        save_artifact(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_queue_screen_cursor_on_preparing(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock,
) -> None:
    fill_the_bar(make, clock)
    app = KioskApp(kiosk_settings, clock=clock, barista="Sam")
    assert snap_compare(app, terminal_size=SIZE, press=["right"], run_before=code_shown)


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """A `bar serve` with a data dir of its own, on a free loopback port."""
    data = Path(tmp_path_factory.mktemp("server")) / "data"
    data.mkdir()
    served = WebServer(dataclasses.replace(make_settings(data), host="127.0.0.1", port=free_port()))
    served.start()
    yield served
    served.stop()


def watching(settings: Settings, clock: FrozenClock, server: WebServer) -> KioskApp:
    app = KioskApp(settings, clock=clock, barista="Sam", health=HealthWatch(server.url, server=server))
    app.health_every = 0.2
    return app


async def server_up(pilot: Pilot[None]) -> None:
    await code_shown(pilot)

    def up() -> bool:
        headers = pilot.app.screen.query(HeaderBar)
        return bool(headers) and label_text(pilot.app, "#server") == "server up · 0 phones"  # type: ignore[arg-type]

    assert await wait_for(pilot, up, 30)
    await pilot.pause(0.1)


def test_queue_screen_wide(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock, idle_server: WebServer,
) -> None:
    """The QR code beside the columns; the active column's title marked."""
    fill_the_bar(make, clock)
    app = watching(kiosk_settings, clock, idle_server)
    assert snap_compare(app, terminal_size=WIDE, run_before=server_up)


def test_queue_screen_80x24(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock, idle_server: WebServer,
) -> None:
    """No room for the code: the join URL and how to see the QR under the columns; the
    footer keeps the keys that move orders and `?`."""
    fill_the_bar(make, clock)
    app = watching(kiosk_settings, clock, idle_server)
    assert snap_compare(app, terminal_size=SMALL, run_before=server_up)


def test_queue_screen_80x24_after_a_claim(
    snap_compare: Callable[..., bool], kiosk_settings: Settings, make: Factory,
    clock: FrozenClock, idle_server: WebServer,
) -> None:
    """The cursor went with Ana's claimed order into Preparing, now the marked column."""
    fill_the_bar(make, clock)
    app = watching(kiosk_settings, clock, idle_server)
    assert snap_compare(app, terminal_size=SMALL, press=["c"], run_before=server_up)
