"""`bar.health`: when the web server counts as up, down (and since when) or stopped.

Against real servers: the web app on werkzeug in a thread (it can be shut down between
two checks), and `bar serve` as `bar up` starts it (`bar.up.WebServer`).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bar import health
from bar.clock import FrozenClock
from bar.config import Settings
from bar.db import db
from bar.health import Health, HealthWatch
from bar.tokens import Keys
from bar.up import WebServer
from tests.webapp.test_server import free_port
from webapp import create_app
from webapp.server import run_in_thread


@pytest.fixture
def web(settings: Settings, keys: Keys, clock: FrozenClock) -> Iterator[tuple[str, Any]]:
    """The web app serving on a free port in this process; yields (base URL, server)."""
    app = create_app(settings, clock=clock)
    server, url = run_in_thread(app)
    yield url, server
    app.extensions["bar"].hub.stop()
    server.shutdown()
    server.server_close()
    db.close()


def test_up_with_the_phones_then_down_after_two_misses_since_the_first(
    web: tuple[str, Any], clock: FrozenClock
) -> None:
    url, server = web
    watch = HealthWatch(url, timeout=1.0)
    assert watch.check(clock()) == Health(health.UP, phones=0)
    server.shutdown()
    server.server_close()
    first_miss = clock.advance(seconds=3)
    assert watch.check(first_miss).state == health.UP  # one miss: a slow answer, maybe
    down = watch.check(clock.advance(seconds=3))
    assert (down.state, down.since, down.restartable) == (health.DOWN, first_miss, False)
    assert watch.check(clock.advance(seconds=3)).since == first_miss  # still since then


def test_a_server_never_seen_up_is_down_since_nobody_knows_when(clock: FrozenClock) -> None:
    watch = HealthWatch(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    checked = watch.check(clock())
    assert (checked.state, checked.since) == (health.DOWN, None)


@pytest.fixture
def own_server(settings: Settings, keys: Keys) -> Iterator[WebServer]:
    """`bar up`'s server on a free loopback port."""
    served = WebServer(dataclasses.replace(settings, host="127.0.0.1", port=free_port()))
    served.start()
    yield served
    served.stop()


def test_bar_ups_server_killed_is_stopped_at_once_with_why_and_restarts(
    own_server: WebServer, clock: FrozenClock
) -> None:
    watch = HealthWatch(own_server.url, server=own_server)
    assert watch.check(clock()) == Health(health.UP, phones=0, own=True)
    first = own_server.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while own_server.state().running and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel takes a moment to report it gone
    stopped = watch.check(clock.advance(seconds=3))
    assert (stopped.state, stopped.reason, stopped.restartable) == (
        health.STOPPED, "killed by SIGKILL", True)
    assert watch.check(clock.advance(seconds=3)).since == stopped.since

    finished = threading.Event()
    assert own_server.restart(done=finished.set)
    assert watch.check(clock()).state == health.STARTING  # at once, while it starts
    assert not own_server.restart()  # one restart at a time
    assert finished.wait(60)
    assert watch.check(clock()) == Health(health.UP, phones=0, own=True)
    assert own_server.pid not in (None, first)


def test_a_restart_refused_says_why_in_one_line(
    own_server: WebServer, clock: FrozenClock
) -> None:
    """Another program took the port meanwhile: the restart gives up and says so."""
    watch = HealthWatch(own_server.url, server=own_server)
    assert own_server.pid is not None
    os.kill(own_server.pid, signal.SIGKILL)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 30
        while True:  # gunicorn's worker lets go of the port once it sees its master gone
            try:
                taken.bind(("127.0.0.1", own_server.settings.port))
                break
            except OSError:
                assert time.monotonic() < deadline, "the killed server kept its port"
                time.sleep(0.1)
        taken.listen()
        finished = threading.Event()
        assert own_server.restart(done=finished.set)
        assert finished.wait(60)
    stopped = watch.check(clock() + timedelta(seconds=1))
    assert stopped.state == health.STOPPED and stopped.restartable
    port = own_server.settings.port
    assert stopped.reason == f"port {port} is in use — is another `bar up` running? Use --port"
