"""Kiosk test helpers: an app over a fresh data dir, bounded waits, reading what is shown.

`async def` tests run on a fresh event loop each (no plugin needed), in the test's
thread, which holds the database connection the `keys` fixture opened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from bar.clock import FrozenClock
from bar.config import Settings
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.widgets.order_column import OrderColumn

SIZE = (120, 40)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots differ from run to run."""
    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture
def kiosk_settings(settings: Settings) -> Settings:
    # A fixed public URL: no probing of this machine's network for the join URL.
    return dataclasses.replace(settings, public_url="http://bar.test:8000")


@pytest.fixture
def app(kiosk_settings: Settings, keys: Keys, clock: FrozenClock) -> KioskApp:
    """A kiosk over the test's data dir (data made before `run_test` is loaded at start)."""
    return KioskApp(kiosk_settings, clock=clock, barista="Sam")


# Generous: a busy machine repaints late; a condition that never holds fails all the same.
async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Let the app run until `condition()` holds; False after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await pilot.pause(0.05)
    return True


def column(app: KioskApp, status: str) -> OrderColumn:
    return app.queue_screen.query_one(f"#{status}", OrderColumn)


def column_text(app: KioskApp, status: str) -> str:
    """Every line the column would draw, scrolled or not, as plain text."""
    widget = column(app, status)
    top = int(widget.scroll_y)  # render_line counts from the first line on screen
    lines = range(-top, widget.virtual_size.height - top)
    return "\n".join(widget.render_line(y).text for y in lines)


def label_text(app: KioskApp, selector: str) -> str:
    return str(app.queue_screen.query_one(selector, Label).content)


def screen_lines(app: KioskApp) -> list[str]:
    """The rows of the screen in front as the terminal shows them, as plain text.

    Through the compositor (private, but the only way to read what a cropped or hidden
    widget leaves on screen): a widget's own state says what it holds, not what shows.
    """
    update = app.screen._compositor.render_full_update(simplify=True)
    return ["".join(strip.text for strip in row) for row in update.strips]
