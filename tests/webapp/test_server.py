"""Serving: the werkzeug thread for tests, and `bar serve` (gunicorn) as a real process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from bar import datadir, events, orders, registration, shop
from bar.clock import utcnow
from bar.config import Settings
from bar.db import db
from bar.errors import ServerFailed
from bar.tokens import Keys
from bar.up import wait_until_serving
from tests.conftest import ROOT, SAMPLE_CONFIG, make_settings
from tests.webapp.conftest import WsClient, wait_for
from webapp.server import HEADER_DEADLINE_S, gunicorn_options, run_in_thread

# How long a stop may take in these tests. Generous on purpose: on a busy machine a
# clean stop takes seconds; what shows it was clean is an event (every open socket
# closed by the server with 1001, exit status 0), not a stopwatch.
STOP_WITHIN_S = 30.0
# A bound, not a speed: `bar serve` starts in about a second, but on a busy 2-core
# machine (the suite under -n 4) importing gunicorn, gevent and Flask can take long.
START_WITHIN_S = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_in_thread_serves_the_app(app):
    server, base_url = run_in_thread(app)
    try:
        assert base_url == f"http://127.0.0.1:{server.server_port}"
        response = requests.get(f"{base_url}/healthz", timeout=5)
        assert response.json() == {"status": "ok", "sockets": 0, "guest_sockets": 0}
    finally:
        server.shutdown()
        server.server_close()


def test_gunicorn_runs_one_event_loop_worker(settings):
    options = gunicorn_options(settings, host="127.0.0.1", port=8123, capacity=5000)
    assert options["bind"] == "127.0.0.1:8123"
    assert options["workers"] == 1 and "threads" not in options
    assert options["worker_class"] == "gevent"
    # Room for every socket the hub admits, plus plain requests; a header deadline.
    assert options["worker_connections"] > 5000
    assert options["keepalive"] == HEADER_DEADLINE_S
    assert options["accesslog"] is None
    assert gunicorn_options(settings, host="::1", port=80)["bind"] == "[::1]:80"


class Served:
    """`bar serve` running as a real process on a free loopback port."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        """`env`: more of the server's environment (`BAR_SERVER_TLS_CERT`, …)."""
        self.data_dir = data_dir
        self.port = free_port()
        scheme = "https" if env and env.get("BAR_SERVER_TLS_CERT") else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        env = {**os.environ, "BAR_DATA_DIR": str(data_dir), "BAR_CONFIG": str(SAMPLE_CONFIG),
               **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bar", "serve", "--host", "127.0.0.1", "--port",
             str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_until_up(self, timeout: float = START_WITHIN_S) -> None:
        try:
            wait_until_serving(self.base_url, self.process, timeout)
        except ServerFailed as failed:
            self.close()
            out, err = self.process.communicate(timeout=5)
            pytest.fail(f"bar serve did not come up: {failed.message}\n{out}\n{err}")

    def signal(self, sig: int) -> None:
        self.signalled_at = time.monotonic()
        self.process.send_signal(sig)

    def wait(self, within: float = STOP_WITHIN_S) -> tuple[str, str, float]:
        """Wait for the exit; returns stdout, stderr and the seconds since `signal()`.

        Fails if the server is still running `within` seconds after the signal.
        """
        try:
            out, err = self.process.communicate(timeout=within)
        except subprocess.TimeoutExpired:
            pytest.fail(f"bar serve still running {within:g} s after the signal")
        return out, err, time.monotonic() - self.signalled_at

    def close(self) -> None:
        if self.process.poll() is None:
            # SIGTERM, not SIGKILL: killing the master would orphan its worker.
            self.process.terminate()
            try:
                self.process.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate(timeout=5)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    servers: list[Served] = []

    def start(env: dict[str, str] | None = None) -> Served:
        servers.append(Served(tmp_path / "data", env))
        servers[-1].wait_until_up()
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@contextmanager
def core_on(data_dir: Path) -> Iterator[Settings]:
    """This process using the served bar's database, as the kiosk or the CLI would."""
    settings = make_settings(data_dir)
    datadir.init(settings)
    try:
        yield settings
    finally:
        db.close()


def test_bar_serve_serves_and_stops_cleanly_on_sigterm(start_server):
    served = start_server()
    menu = requests.get(f"{served.base_url}/api/menu", timeout=5).json()
    assert menu["bar"]["name"] == "Friday Night Bar"

    # A change made by another process (this one, through the core) reaches a socket of
    # the gunicorn worker through the shared database.
    client = WsClient(served.base_url)
    client.subscribe(events.CONFIG)
    with core_on(served.data_dir):
        shop.set_open(False, now=utcnow())
    assert client.recv()["event"] == {
        "type": "SHOP_STATUS_CHANGED", "is_open": False, "queue_full": False}

    # An open WebSocket must not hold up shutdown: the server closes it itself, with
    # 1001 (a worker killed at the end of the grace period would send no close frame).
    served.signal(signal.SIGTERM)
    assert client.closed(timeout=STOP_WITHIN_S) == 1001
    out, err, _ = served.wait()
    assert served.process.returncode == 0, err
    # The first line says where, and how many pages the server can hold.
    first = out.splitlines()[0]
    assert first.startswith(f"Serving Friday Night Bar at {served.base_url} — room for ")
    assert re.search(r"room for \d+ open pages \(open-file limit \d+\)", first)
    assert "Traceback" not in err


def test_bar_serve_stops_on_ctrl_c(start_server):
    served = start_server()
    served.signal(signal.SIGINT)
    out, err, _ = served.wait()  # fails if it is still running long after Ctrl+C
    assert served.process.returncode == 0, err
    assert "Traceback" not in err


def test_bar_serve_expires_overdue_orders_without_any_page_open(start_server, tmp_path):
    with core_on(tmp_path / "data") as settings:
        now = utcnow()
        code = registration.create_code(max_uses=1, expires_at=now + timedelta(days=1), now=now)
        guest = registration.register(settings, Keys.load(), code=code.code,
                                      username="Ana", now=now).guest
        overdue = orders.place_order(settings, guest, drink_id="negroni",
                                     now=now - timedelta(minutes=20)).order
    start_server()
    with core_on(tmp_path / "data"):
        wait_for(lambda: orders.get_order(overdue.id).status == orders.EXPIRED, timeout=10)
        assert orders.get_order(overdue.id).cancel_reason == "not made in time"


def test_bar_serve_makes_a_planned_announcement_by_itself(start_server, tmp_path):
    from bar import timers

    served = start_server()
    client = WsClient(served.base_url)
    client.subscribe(events.ANNOUNCEMENTS)
    with core_on(tmp_path / "data"):
        timers.schedule_announcement("Last call!", due_at=utcnow(), now=utcnow())
    # No kiosk, no CLI left running: the server's own housekeeping sends it (every 5 s).
    message = client.recv(timeout=10)
    assert message["event"]["type"] == "ANNOUNCEMENT"
    assert message["event"]["message"] == "Last call!"


def test_keys_rotate_while_serving_keeps_old_tokens_and_signs_with_the_new_key(start_server, tmp_path):
    import jwt

    served = start_server()
    with core_on(tmp_path / "data") as settings:
        now = utcnow()
        code = registration.create_code(max_uses=1, expires_at=now + timedelta(days=1), now=now)
    joined = requests.post(f"{served.base_url}/api/register", json={"username": "Ana"},
                           headers={"X-Registration-Code": code.code}, timeout=5).json()
    old_kid = jwt.get_unverified_header(joined["access_token"])["kid"]

    env = {**os.environ, "BAR_DATA_DIR": str(settings.data_dir), "BAR_CONFIG": str(SAMPLE_CONFIG)}
    rotated = subprocess.run([sys.executable, "-m", "bar", "keys", "rotate"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=30)
    assert rotated.returncode == 0, rotated.stderr
    assert f"key {old_kid} still verifies" in rotated.stdout

    old = {"Authorization": f"Bearer {joined['access_token']}"}
    assert requests.get(f"{served.base_url}/api/orders", headers=old, timeout=5).status_code == 200
    fresh = requests.post(f"{served.base_url}/api/auth/refresh",
                          json={"refresh_token": joined["refresh_token"]}, timeout=5).json()
    new_kid = jwt.get_unverified_header(fresh["access_token"])["kid"]
    assert new_kid != old_kid  # the running server signs with the new key at once
    new = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert requests.get(f"{served.base_url}/api/orders", headers=new, timeout=5).status_code == 200


@pytest.mark.parametrize("command", ["serve", "up"])
def test_a_second_bar_on_a_taken_port_refuses_at_once_in_one_line(tmp_path, command):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "BAR_DATA_DIR": str(tmp_path / "data"), "BAR_CONFIG": str(SAMPLE_CONFIG)}
        done = subprocess.run(
            [sys.executable, "-m", "bar", command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: port {port} is in use — is another `bar up` running? Use --port"
    ]
    assert "Traceback" not in done.stdout + done.stderr
