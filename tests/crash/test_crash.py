"""Crashes: SIGKILL in the middle of the work loses nothing acknowledged, doubles nothing,
and leaves no half-written change.

    the web server   killed during a burst of orders; every order answered 201 is there
                     after a restart, and a retry with its Idempotency-Key returns it
    the kiosk        killed while it moves orders as fast as keys go; every order's row
                     agrees with its events (the change and its event are one transaction)
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bar import datadir, events, orders, registration
from bar.clock import utcnow
from bar.config import Settings
from bar.db import db, engine
from bar.models import Event, Order
from bar.up import wait_until_serving
from tests.conftest import ROOT, SAMPLE_CONFIG, make_settings
from tests.webapp.test_server import free_port

# Room for every order of the burst: the rules under test here are durability, not limits.
ROOMY = {
    "BAR_RULES_MAX_QUEUE": "100000", "BAR_RULES_MAX_OPEN_ORDERS_PER_GUEST": "100000",
    "BAR_LIMITS_ORDERS_PER_MINUTE": "0", "BAR_LIMITS_REGISTRATIONS_PER_MINUTE": "0",
}
GUESTS = 12


def start(args: list[str], data_dir: Path, **popen: object) -> subprocess.Popen[str]:
    """A `bar` process in its own process group (so SIGKILL takes all of it)."""
    env = {**os.environ, **ROOMY, "BAR_DATA_DIR": str(data_dir), "BAR_CONFIG": str(SAMPLE_CONFIG)}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, text=True, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **popen,  # type: ignore[call-overload]
    )


def kill_hard(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def serve(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = start(["-m", "bar", "serve", "--host", "127.0.0.1", "--port", str(port)], data_dir)
    base_url = f"http://127.0.0.1:{port}"
    wait_until_serving(base_url, process, timeout=90)  # a bound for a busy machine, not a speed
    return process, base_url


@pytest.fixture
def bar_dir(tmp_path: Path, engine: str) -> Iterator[tuple[Path, Settings]]:
    data_dir = tmp_path / "data"
    settings = dataclasses.replace(
        make_settings(data_dir, max_queue=100_000, max_open_orders_per_guest=100_000),
        orders_per_minute=0,
    )
    datadir.init(settings)
    yield data_dir, settings
    db.close()


def _intact() -> bool:
    """SQLite's file checks out (a PostgreSQL server was never killed: only bar was)."""
    if engine().name != "sqlite":
        return True
    return bool(db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok")


@dataclass
class Attempt:
    token: str
    key: str
    status: int | None = None  # None: no answer (the server died first)
    order_id: str | None = None


def test_server_killed_mid_burst_loses_no_acknowledged_order(bar_dir):
    data_dir, settings = bar_dir
    keys = datadir.open_bar(settings)
    code = registration.create_code(max_uses=GUESTS, expires_at=utcnow().replace(year=2100), now=utcnow())
    tokens = [
        registration.register(settings, keys, code=code.code, username=f"G{i}", now=utcnow()).access_token
        for i in range(GUESTS)
    ]
    db.close()

    process, base_url = serve(data_dir)
    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()

    def guest(token: str) -> None:
        session = requests.Session()
        while not stop.is_set():
            attempt = Attempt(token, str(uuid.uuid4()))
            with lock:
                attempts.append(attempt)
            try:
                response = session.post(
                    f"{base_url}/api/orders", json={"drink_id": "espresso"}, timeout=10,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": attempt.key},
                )
            except requests.RequestException:
                return  # the server is gone: this attempt has no answer
            attempt.status = response.status_code
            if response.status_code == 201:
                attempt.order_id = response.json()["order"]["order_id"]

    threads = [threading.Thread(target=guest, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while sum(a.status == 201 for a in list(attempts)) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    kill_hard(process)  # mid-burst: requests are in flight right now
    stop.set()
    for thread in threads:
        thread.join(timeout=15)

    acknowledged = [a for a in attempts if a.status == 201]
    unanswered = [a for a in attempts if a.status is None]
    assert len(acknowledged) >= 60, "the burst never got going"
    assert all(a.status in (201, None) for a in attempts)
    assert unanswered, "the kill came after the burst, not in the middle of it"

    # Start again: every acknowledged order is there, exactly once.
    process, base_url = serve(data_dir)
    try:
        datadir.open_bar(settings)
        assert _intact()
        stored = {o.id: o.idempotency_key for o in Order.select(Order.id, Order.idempotency_key)}
        for attempt in acknowledged:
            assert stored.get(attempt.order_id) == attempt.key
        # A retry returns the first order; an attempt that got no answer is made once.
        for attempt in acknowledged + unanswered:
            retry = requests.post(
                f"{base_url}/api/orders", json={"drink_id": "espresso"}, timeout=10,
                headers={"Authorization": f"Bearer {attempt.token}", "Idempotency-Key": attempt.key},
            )
            if attempt.status == 201:
                assert retry.status_code == 200
                assert retry.json()["order"]["order_id"] == attempt.order_id
            else:
                assert retry.status_code in (200, 201)
        db.close()
        assert Order.select().count() == len(acknowledged) + len(unanswered)
        new_orders = Event.select().where(Event.channel == events.ADMIN, Event.type == events.NEW_ORDER)
        assert new_orders.count() == Order.select().count()  # each with its event, none without
    finally:
        process.terminate()
        process.wait(timeout=10)


def _last_admin_status() -> dict[str, str]:
    """Each order's status as its events tell it (the last admin event wins)."""
    told: dict[str, str] = {}
    for event in Event.select().where(Event.channel == events.ADMIN).order_by(Event.id):
        if event.type in (events.NEW_ORDER, events.ORDER_STATUS_CHANGED):
            told[event.payload["order_id"]] = event.payload["status"]
    return told


def test_kiosk_killed_mid_change_leaves_rows_and_events_agreeing(bar_dir):
    data_dir, settings = bar_dir
    keys = datadir.open_bar(settings)
    code = registration.create_code(max_uses=50, expires_at=utcnow().replace(year=2100), now=utcnow())
    guest = registration.register(settings, keys, code=code.code, username="Ana", now=utcnow()).guest
    for _ in range(400):
        orders.place_order(settings, guest, drink_id="espresso", now=utcnow())

    moved_before = 0
    for _round in range(3):
        db.close()
        kiosk = start(["-m", "tests.crash.drive_kiosk", str(data_dir)], data_dir)
        assert kiosk.stdout is not None and kiosk.stdout.readline().strip() == "driving"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            changes = Event.select().where(Event.type == events.ORDER_STATUS_CHANGED).count()
            db.close()  # see the kiosk's latest commits on the next look
            if changes >= moved_before + 60:
                break
            time.sleep(0.02)
        kill_hard(kiosk)

        datadir.open_bar(settings)
        assert _intact()
        rows = {o.id: o for o in Order.select()}
        assert _last_admin_status() == {oid: o.status for oid, o in rows.items()}
        for order in rows.values():
            assert (order.barista is not None) == (order.status != orders.PENDING)
            assert (order.ready_at is not None) == (order.status in (orders.READY, orders.SERVED))
            assert (order.completed_at is not None) == (order.status == orders.SERVED)
        moved = Event.select().where(Event.type == events.ORDER_STATUS_CHANGED).count()
        assert moved >= moved_before + 60, "the kiosk was killed before it got going"
        moved_before = moved
