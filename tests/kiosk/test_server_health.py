"""The header says whether the web server is up; `bar up`'s own server, killed, is
announced by a banner that stays, and `R` starts a new one.

A real `bar serve` (gunicorn's gevent worker) on a free loopback port, started and
watched by the same `bar.up.WebServer` and `bar.health.HealthWatch` that `bar up` uses.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from bar import registration
from bar.clock import FrozenClock, utcnow
from bar.config import Settings
from bar.health import HealthWatch
from bar.tokens import Keys
from bar.up import WebServer
from kiosk.app import KioskApp
from kiosk.widgets.server_banner import ServerBanner
from tests.kiosk.conftest import SIZE, label_text, wait_for
from tests.webapp.conftest import WsClient
from tests.webapp.test_server import free_port

SLOW = 60.0  # seconds: a `bar serve` starting on a busy machine; the waits end sooner


@pytest.fixture
def server(kiosk_settings: Settings, keys: Keys) -> Iterator[WebServer]:
    """`bar up`'s server for the test's data dir, on a free loopback port."""
    settings = dataclasses.replace(kiosk_settings, host="127.0.0.1", port=free_port())
    served = WebServer(settings)
    served.start()
    yield served
    served.stop()


def banner(app: KioskApp) -> ServerBanner:
    return app.queue_screen.query_one(ServerBanner)


def banner_text(app: KioskApp) -> str:
    shown = banner(app)
    return str(shown.content) if shown.display else ""


async def test_a_killed_server_is_down_in_the_header_and_R_brings_it_back(
    server: WebServer, keys: Keys, clock: FrozenClock
) -> None:
    app = KioskApp(server.settings, clock=clock, barista="Sam",
                   health=HealthWatch(server.url, server=server))
    app.health_every = 0.2  # seconds: `bar up` checks every few
    async with app.run_test(size=SIZE) as pilot:
        header = lambda: label_text(app, "#server")  # noqa: E731
        assert await wait_for(pilot, lambda: header() == "server up · 0 phones", SLOW)
        assert banner_text(app) == ""

        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        down_at = f"{clock().astimezone():%H:%M}"
        assert await wait_for(pilot, lambda: header() == f"server DOWN since {down_at}", SLOW)
        assert banner_text(app) == (f"⚠ The web server stopped at {down_at} (killed by SIGKILL). "
                                    "Phones cannot order. Press R to restart it.")
        offered = lambda: "R" in app.queue_screen.active_bindings  # noqa: E731 (and in the footer)
        assert offered()
        # It stays: not a toast that times out.
        await pilot.pause(1.0)
        assert banner(app).display

        await pilot.press("R")
        assert await wait_for(pilot, lambda: header() == "server up · 0 phones", SLOW)
        assert server.pid not in (None, first)
        # A new server process, really serving.
        assert requests.get(f"{server.url}/healthz", timeout=5).json()["status"] == "ok"
        assert await wait_for(pilot, lambda: not banner(app).display)
        assert not offered()


async def test_the_header_counts_the_phones_connected(
    server: WebServer, keys: Keys, clock: FrozenClock
) -> None:
    app = KioskApp(server.settings, clock=clock, health=HealthWatch(server.url, server=server))
    app.health_every = 0.2
    now = utcnow()  # the real server checks tokens against the real clock
    code = registration.create_code(max_uses=5, expires_at=now + timedelta(hours=1), now=now).code
    guest = registration.register(server.settings, keys, code=code, username="Ana", now=now)
    async with app.run_test(size=SIZE) as pilot:
        header = lambda: label_text(app, "#server")  # noqa: E731
        assert await wait_for(pilot, lambda: header() == "server up · 0 phones", SLOW)
        board, phone = WsClient(server.url), WsClient(server.url)
        try:
            board.subscribe("display")  # the TV board is no phone
            assert phone.auth(guest.access_token)["type"] == "auth_ok"
            assert await wait_for(pilot, lambda: header() == "server up · 1 phone", SLOW)
        finally:
            board.close()
            phone.close()
        assert await wait_for(pilot, lambda: header() == "server up · 0 phones", SLOW)


async def test_a_kiosk_with_no_server_running_says_so(
    kiosk_settings: Settings, keys: Keys, clock: FrozenClock
) -> None:
    """`bar kiosk` on a data dir whose server is not running: true, and nothing to restart."""
    app = KioskApp(kiosk_settings, clock=clock,
                   health=HealthWatch(f"http://127.0.0.1:{free_port()}"))
    app.health_every = 0.2
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(
            pilot, lambda: label_text(app, "#server") == "server DOWN: not answering")
        assert banner_text(app) == ""  # not its own server: no banner, no R
        await pilot.press("R")  # nothing of ours to restart: nothing happens
        await pilot.pause(0.5)
        assert label_text(app, "#server") == "server DOWN: not answering"
        assert banner_text(app) == ""
