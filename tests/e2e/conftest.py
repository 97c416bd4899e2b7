"""Browser tests: the real web app in a thread, Debian's chromium driven by Playwright.

No browser is ever downloaded: the tests use /usr/bin/chromium. Without it they skip
(fail under CI=true). Every page gets a console watcher: a CSP violation or an
uncaught script error fails the test.

The app runs on the real clock (`utcnow`): the page compares timestamps and tokens
expire in real time. Tests move orders with the core (`bar.orders.advance`), as the
kiosk would, from the test's own thread and its own database connection.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bar import guests, orders, registration
from bar.clock import utcnow
from bar.config import Settings
from bar.models import Guest, Kick, Order
from bar.tokens import Keys
from webapp import create_app
from webapp.server import run_in_thread

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
MISSING = "install Debian's chromium: apt-get install chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"width": 360, "height": 640}
TV = {"width": 1280, "height": 720}
TIMEOUT_MS = 10_000  # every wait in these tests is bounded


def wait_for_js(page: Any, expression: str, arg: Any = None, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Wait until `expression` (or the function, called with `arg`) is truthy in the
    page; returns its value.

    Not `page.wait_for_function`: when its first check fails it polls by eval'ing the
    string in the page, which the pages' Content-Security-Policy (no 'unsafe-eval')
    forbids. `page.evaluate` goes through the debugger protocol instead.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value or time.monotonic() > deadline:
            assert value, f"never true within {timeout_ms} ms: {expression}"
            return value
        page.wait_for_timeout(50)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not session-wide: sync Playwright keeps an asyncio
    loop running in this thread, which would break later tests that call asyncio.run()
    (the Textual snapshot tests) in the same worker."""
    if not Path(CHROMIUM).exists():
        _unavailable(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Live:
    """The web app serving on a free port, and helpers acting on the bar's core."""

    app: Any
    url: str
    settings: Settings

    def code(self, max_uses: int = 50) -> str:
        now = utcnow()
        return registration.create_code(
            max_uses=max_uses, expires_at=now + timedelta(days=1), now=now
        ).code

    def guest(self, name: str) -> Guest:
        return registration.register(
            self.settings, self.app.extensions["bar"].keys, code=self.code(), username=name,
            now=utcnow(),
        ).guest

    def kick(self, guest: str) -> Kick:
        """What `bar guests kick GUEST` does (a name or a user key)."""
        return guests.kick(guest, day_starts_at=self.settings.day_starts_at, now=utcnow())

    def order(self, guest: Guest, drink_id: str = "negroni", **kw: Any) -> Order:
        return orders.place_order(
            self.settings, guest, drink_id=drink_id, now=utcnow(), **kw
        ).order

    def advance(self, order_id: str, barista: str = "Sam") -> Order:
        return orders.advance(order_id, barista=barista, now=utcnow())


@pytest.fixture
def live(settings: Settings, keys: Keys) -> Iterator[Live]:
    app = create_app(settings)
    server, base_url = run_in_thread(app, host="127.0.0.1", port=0)
    yield Live(app=app, url=base_url, settings=settings)
    server.shutdown()
    app.extensions["bar"].hub.stop()


@dataclass
class PageWatch:
    """What the page said: console errors, uncaught errors and any alert() dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    http_errors: list[tuple[int, str]] = field(default_factory=list)
    allowed: list[tuple[int, str]] = field(default_factory=list)

    def allow(self, status: int, path: str) -> None:
        """An HTTP error this test provokes on purpose (status, path prefix)."""
        self.allowed.append((status, path))

    def check(self) -> None:
        assert not self.dialogs, f"unexpected dialogs: {self.dialogs}"
        unexpected = [
            (status, path) for status, path in self.http_errors
            if not any(status == s and path.startswith(p) for s, p in self.allowed)
        ]
        assert not unexpected, f"unexpected HTTP errors: {unexpected}"
        bad = [e for e in self.errors if not _expected_noise(e)]
        assert not bad, f"errors in the page: {bad}"


def _expected_noise(message: str) -> bool:
    # HTTP errors are checked one by one above; a socket dropped at server shutdown
    # is not a bug of the page.
    return "Failed to load resource" in message or "WebSocket connection" in message


def watch(page: Any) -> PageWatch:
    seen = PageWatch()

    def on_console(msg: Any) -> None:
        if msg.type == "error" or "Content Security Policy" in msg.text:
            seen.errors.append(msg.text)

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(f"uncaught: {exc}"))
    page.on("dialog", on_dialog)
    page.on("response", lambda r: r.status >= 400 and seen.http_errors.append(
        (r.status, urlsplit(r.url).path)))
    page.set_default_timeout(TIMEOUT_MS)
    return seen


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    """A 360×640 phone page (light mode), and its watcher."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1,
        color_scheme="light", locale="en-GB",
    )
    page = context.new_page()
    seen = watch(page)
    yield page, seen
    context.close()
    seen.check()


@pytest.fixture
def phone_in(browser: Any) -> Iterator[Callable[..., tuple[Any, PageWatch]]]:
    """Phones like `phone`'s, each with its own locale (and size, if given)."""
    opened: list[tuple[Any, PageWatch]] = []

    def open_phone(locale: str, viewport: dict[str, int] = PHONE) -> tuple[Any, PageWatch]:
        context = browser.new_context(viewport=viewport, is_mobile=True, has_touch=True,
                                      device_scale_factor=1, color_scheme="light", locale=locale)
        page = context.new_page()
        opened.append((context, watch(page)))
        return page, opened[-1][1]

    yield open_phone
    for context, seen in opened:
        context.close()
        seen.check()


@pytest.fixture
def tv(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    context = browser.new_context(viewport=TV, device_scale_factor=1, locale="en-GB")
    page = context.new_page()
    seen = watch(page)
    yield page, seen
    context.close()
    seen.check()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return path


class Wifi:
    """The page's `/ws` through a switch, as a party's Wi-Fi behaves.

    `drop()` cuts the socket and keeps new ones failing until `restore()`. `sent` and
    `received` are the JSON messages each way; `rewrite`, if set, edits what the page
    sends before the server sees it.
    """

    def __init__(self, page: Any) -> None:
        self.page = page
        self.up = True
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.rewrite: Any = None
        self._sockets: list[Any] = []
        page.route_web_socket("**/ws", self._route)

    def _route(self, ws: Any) -> None:
        if not self.up:
            ws.close()  # the connection fails at once
            return
        server = ws.connect_to_server()

        def from_page(message: Any) -> None:
            body = json.loads(message)
            if self.rewrite is not None:
                body = self.rewrite(body)
            self.sent.append(body)
            server.send(json.dumps(body))

        def from_server(message: Any) -> None:
            self.received.append(json.loads(message))
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)
        self._sockets.append(ws)

    def drop(self) -> None:
        self.up = False
        self._sockets[-1].close()
        self.page.wait_for_selector("#live-indicator[data-state=offline]")

    def restore(self) -> None:
        self.up = True
        self.page.wait_for_selector("#live-indicator[data-state=live]", timeout=15_000)

    def subscribes(self) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["type"] == "subscribe"]
