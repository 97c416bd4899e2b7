"""Festival scale: several `bar serve` processes, kiosks and boards on one PostgreSQL bar.

Two real servers (gunicorn's gevent worker) on two loopback ports, each with a data
dir of its own (laptop B's is empty: `database.url` is all it has), one throwaway
PostgreSQL database (`tests.pg`). The module shares them; the tests run in file order,
and the last one kills a server.

    tokens      one server's token is good on the other; `bar keys rotate`, run as a
                CLI process elsewhere, is followed by both at once
    orders      ORDERS orders, half through each server, many guests at once: every
                (day, number) distinct, every NEW_ORDER on an admin socket of each
                server exactly once and in id order
    limits      the bar-wide limit on wrong invite codes counts both servers' attempts
    kiosk       a kiosk and a board on a third laptop (bar.toml: the URL and the
                public URL) show and move the servers' orders
    timers      two processes doing the housekeeping flat out: every expiry, reminder
                and announcement happens once
    kill -9     one server killed mid-burst: every order it acknowledged is there, and
                its unanswered attempts, retried on the other server, are made once

`BAR_FESTIVAL_ORDERS` changes the size of the order burst (2,000 by default, the issue's
figure; it prints how long it took).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
import requests
import websocket

from bar import datadir, events, orders, registration, timers, tokens
from bar.clock import utcnow
from bar.config import Settings, load_settings
from bar.db import db, disconnect
from bar.models import Event, Order, Scheduled, SigningKey
from bar.up import wait_until_serving
from tests.conftest import ENGINES, ROOT, SAMPLE_CONFIG, install_keys, make_settings, run_cli
from tests.pg import Cluster
from tests.webapp.conftest import WsClient, wait_for
from tests.webapp.test_server import free_port

ORDERS = int(os.environ.get("BAR_FESTIVAL_ORDERS", "2000"))
GUESTS = 40  # 20 a server
CLIENTS = 8  # phones ordering at once, per server
# Room for every order: the rules under test here are numbering, fan-out and durability.
ROOMY = {
    "BAR_RULES_MAX_QUEUE": "1000000", "BAR_RULES_MAX_OPEN_ORDERS_PER_GUEST": "1000000",
    "BAR_LIMITS_ORDERS_PER_MINUTE": "0", "BAR_LIMITS_REGISTRATIONS_PER_MINUTE": "0",
}
WAIT_S = 90.0  # a bound for a busy machine, not a speed


@dataclass
class Server:
    data_dir: Path
    process: subprocess.Popen[bytes]
    base_url: str

    def kill_hard(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill_hard()


@dataclass
class Festival:
    cluster: Cluster
    url: str
    root: Path
    settings: Settings  # laptop A's, which the test process uses too
    servers: list[Server]

    def env(self, data_dir: Path) -> dict[str, str]:
        return {**os.environ, **ROOMY, "BAR_DATA_DIR": str(data_dir),
                "BAR_CONFIG": str(SAMPLE_CONFIG), "BAR_DATABASE_URL": self.url}

    def open(self) -> None:
        """The test process back on the festival's database (a test may have left it)."""
        datadir.open_database(self.settings)


def serve(festival: Festival, *data_dirs: Path) -> list[Server]:
    """A `bar serve` per data dir, started together, once each answers."""
    servers = []
    for data_dir in data_dirs:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bar", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=festival.env(data_dir), start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        servers.append(Server(data_dir, process, f"http://127.0.0.1:{port}"))
    festival.servers.extend(servers)  # stopped by the fixture, whatever happens next
    for server in servers:
        wait_until_serving(server.base_url, server.process, timeout=WAIT_S)
    return servers


@pytest.fixture(scope="module")
def festival(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _session_keys: Path
) -> Iterator[Festival]:
    if "postgresql" not in ENGINES:
        pytest.skip("PostgreSQL is not among BAR_TEST_ENGINES")
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.empty_database()
    root = tmp_path_factory.mktemp("festival")
    url = cluster.url(name)
    settings = dataclasses.replace(
        make_settings(root / "laptop-a", max_queue=1_000_000, max_open_orders_per_guest=1_000_000),
        database_url=url, orders_per_minute=0, registrations_per_minute=0,
    )
    # Laptop A was a party's: its key files are taken in by `bar init`.
    install_keys(settings, _session_keys)
    datadir.init(settings)
    db.close()
    festival = Festival(cluster, url, root, settings, [])
    try:
        serve(festival, root / "laptop-a", root / "laptop-b")  # nothing in laptop B's yet
        yield festival
    finally:
        for server in festival.servers:
            if server.process.poll() is None:
                server.process.terminate()  # all at once: each takes a few seconds
        for server in festival.servers:
            server.stop()
        disconnect()
        cluster.drop_database(name)


def guests(festival: Festival, count: int, prefix: str) -> list[str]:
    """`count` new guests' access tokens (joined through the core, as `bar` would)."""
    festival.open()
    keys = tokens.Keys.load()
    code = registration.create_code(max_uses=count, expires_at=utcnow() + timedelta(days=1),
                                    now=utcnow())
    made = [registration.register(festival.settings, keys, code=code.code,
                                  username=f"{prefix}{i}", now=utcnow()).access_token
            for i in range(count)]
    db.close()
    return made


def admin_token(festival: Festival) -> str:
    festival.open()
    token = tokens.issue_access(
        tokens.Keys.load(), user_key="admin:festival", username="boss", role="admin",
        issuer=festival.settings.issuer, ttl=timedelta(hours=1), now=utcnow())
    db.close()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Board:
    """An admin WebSocket on one server, collecting every NEW_ORDER it is sent."""

    def __init__(self, base_url: str, token: str) -> None:
        self.client = WsClient(base_url)
        assert self.client.auth(token)["type"] == "auth_ok"
        self.client.subscribe(events.ADMIN)
        self.new_orders: list[tuple[int, str]] = []  # (event id, order id)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                message = self.client.recv(timeout=0.5)
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:  # closed: the test's checks say what is missing
                return
            if message.get("type") == "event" and message["event"]["type"] == "NEW_ORDER":
                self.new_orders.append((message["id"], message["event"]["order_id"]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.close()


@dataclass
class Attempt:
    server: str
    token: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: int | None = None  # None: no answer (the server died first)
    order_id: str | None = None


def burst(
    plan: list[tuple[Server, list[str], int]], *, watch: Callable[[list[Attempt]], None] | None = None
) -> list[Attempt]:
    """For each (server, guests' tokens, count): CLIENTS phones place `count` orders
    between them on that server, all servers at once. `watch(attempts)` runs in this
    thread meanwhile (a kill -9)."""
    attempts: list[Attempt] = []
    lock = threading.Lock()

    def phone(server: Server, tokens_: list[str], left: list[int]) -> None:
        session = requests.Session()
        n = 0
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
                attempt = Attempt(server.base_url, tokens_[n % len(tokens_)])
                attempts.append(attempt)
            n += 1
            try:
                response = session.post(
                    f"{server.base_url}/api/orders", json={"drink_id": "espresso"}, timeout=30,
                    headers={**bearer(attempt.token), "Idempotency-Key": attempt.key})
            except requests.RequestException:
                return  # the server is gone: this attempt has no answer
            attempt.status = response.status_code
            if response.status_code == 201:
                attempt.order_id = response.json()["order"]["order_id"]

    threads = []
    for server, tokens_, count in plan:
        left = [count]
        for i in range(CLIENTS):
            mine = tokens_[i::CLIENTS]
            threads.append(threading.Thread(target=phone, args=(server, mine, left)))
    for thread in threads:
        thread.start()
    if watch is not None:
        watch(attempts)
    for thread in threads:
        thread.join(timeout=WAIT_S)
    return attempts


def assert_each_once_in_id_order(board: Board, order_ids: set[str]) -> None:
    """`board` got a NEW_ORDER for each of `order_ids`, once, in event id order."""
    wait_for(lambda: len(board.new_orders) >= len(order_ids), timeout=WAIT_S)
    got = list(board.new_orders)
    ids = [event_id for event_id, _ in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert len(got) == len(order_ids) and {order_id for _, order_id in got} == order_ids


def kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_a_token_from_one_server_is_good_on_the_other_and_both_follow_a_rotation(festival):
    a, b = festival.servers
    festival.open()
    code = registration.create_code(max_uses=5, expires_at=utcnow() + timedelta(days=1), now=utcnow())
    db.close()
    joined = requests.post(f"{a.base_url}/api/register", json={"username": "Ana"}, timeout=10,
                           headers={"X-Registration-Code": code.code})
    assert joined.status_code == 201, joined.text
    old = joined.json()["access_token"]
    for server in (a, b):
        assert requests.get(f"{server.base_url}/api/orders", headers=bearer(old), timeout=10).ok

    # Rotated from a third machine: a CLI with nothing but the URL.
    rotated = subprocess.run(
        [sys.executable, "-m", "bar", "keys", "rotate"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env=festival.env(festival.root / "laptop-c"))
    assert rotated.returncode == 0, rotated.stderr
    assert f"key {kid(old)} still verifies its tokens for 4h" in rotated.stdout
    festival.open()
    current = SigningKey.get(SigningKey.retired_at.is_null()).kid
    db.close()
    assert current != kid(old)

    # Both servers sign with the new key at once, and take both keys' tokens.
    refreshed = requests.post(f"{b.base_url}/api/auth/refresh", timeout=10,
                              json={"refresh_token": joined.json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    joined_on_a = requests.post(f"{a.base_url}/api/register", json={"username": "Bo"}, timeout=10,
                                headers={"X-Registration-Code": code.code})
    new_tokens = [refreshed.json()["access_token"], joined_on_a.json()["access_token"]]
    assert [kid(token) for token in new_tokens] == [current, current]
    for server in (a, b):
        for token in (old, *new_tokens):
            response = requests.get(f"{server.base_url}/api/orders", headers=bearer(token), timeout=10)
            assert response.status_code == 200, (server.base_url, response.text)
    forged = jwt.encode({"x": 1}, "not our key" * 4, algorithm="HS256", headers={"kid": "f" * 16})
    assert requests.get(f"{b.base_url}/api/orders", headers=bearer(forged), timeout=10).status_code == 401


def test_the_bar_wide_limits_count_every_servers_attempts(festival):
    """100 wrong invite codes a minute from all addresses together
    (`limits.wrong_codes_per_minute_total`): half on each server, and both refuse the
    next one. (Run after the test that joins over the API: this spends the minute's.)"""
    total = festival.settings.wrong_codes_per_minute_total
    for n in range(total):
        server = festival.servers[n % 2]
        checked = requests.get(f"{server.base_url}/api/invites/WRONG{n:03d}", timeout=10)
        assert checked.status_code == 200 and checked.json()["valid"] is False, checked.text
    for server in festival.servers:
        refused = requests.get(f"{server.base_url}/api/invites/WRONG999", timeout=10)
        assert refused.status_code == 429
        assert refused.json()["error"]["message"].startswith("Too many attempts on this bar")


def test_a_kiosk_and_a_board_on_another_laptop_need_only_the_url(festival, tmp_path, monkeypatch):
    from bar.health import HealthWatch
    from bar.up import watched_url
    from kiosk.app import KioskApp
    from kiosk.display import DisplayApp
    from kiosk.widgets.ticket_board import BoardColumn
    from tests.kiosk.conftest import column_text, label_text
    from tests.kiosk.conftest import wait_for as ui_wait_for

    a = festival.servers[0]
    # Laptop C has the bar's bar.toml (its menu and rules: its kiosk carries out the
    # timers too), the URL and where the servers are; its data dir is empty.
    settings = load_settings(SAMPLE_CONFIG, data_dir=tmp_path / "laptop-c", environ={
        "BAR_DATABASE_URL": festival.url, "BAR_SERVER_PUBLIC_URL": a.base_url})
    token = guests(festival, 1, "Zoë")[0]
    placed = requests.post(f"{a.base_url}/api/orders", json={"drink_id": "negroni"},
                           headers=bearer(token), timeout=10)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order"]["order_id"]
    datadir.attach(settings)  # as `bar kiosk` on laptop C
    assert not (settings.data_dir / "keys").exists()  # it signs nothing, and makes no key

    async def run_kiosk() -> None:
        app = KioskApp(settings, barista="Kim", health=HealthWatch(watched_url(settings)))
        async with app.run_test(size=(120, 40)) as pilot:
            assert await ui_wait_for(pilot, lambda: "Zoë" in column_text(app, "pending"), 30)
            assert await ui_wait_for(
                pilot, lambda: label_text(app, "#server").startswith("server up"), 30)
            await pilot.press("c")
            assert await ui_wait_for(
                pilot, lambda: Order.get_by_id(order_id).status == orders.PREPARING, 30)

    async def run_board() -> None:
        app = DisplayApp(settings)
        async with app.run_test(size=(160, 45)) as pilot:
            preparing = app.display_screen.query_one("#preparing", BoardColumn)
            assert await ui_wait_for(pilot, lambda: "Zoë" in preparing.plain, 30)

    asyncio.run(run_kiosk())
    asyncio.run(run_board())
    db.close()

    # A board on a database that holds no bar yet: one line, nothing made there.
    empty = festival.cluster.url(festival.cluster.empty_database())
    monkeypatch.setenv("BAR_DATABASE_URL", empty)
    shown = run_cli(tmp_path / "laptop-d", "display", ok=False)
    assert "no bar in PostgreSQL" in shown.output and "run `bar init` first" in shown.output
    disconnect()


def test_two_servers_take_orders_half_each_numbered_once_and_told_once_in_order(festival, capsys):
    a, b = festival.servers
    tokens_ = guests(festival, GUESTS, "Guest")
    admin = admin_token(festival)
    boards = [Board(server.base_url, admin) for server in (a, b)]
    try:
        started = time.monotonic()
        attempts = burst([(a, tokens_[::2], ORDERS // 2), (b, tokens_[1::2], ORDERS - ORDERS // 2)])
        placed_in = time.monotonic() - started
        assert [a_.status for a_ in attempts] == [201] * ORDERS
        order_ids = {a_.order_id for a_ in attempts if a_.order_id}
        assert len(order_ids) == ORDERS
        for board in boards:
            assert_each_once_in_id_order(board, order_ids)
        told_in = time.monotonic() - started
    finally:
        for board in boards:
            board.close()
    festival.open()
    numbered = list(Order.select(Order.day, Order.number).where(Order.id.in_(list(order_ids))).tuples())
    db.close()
    assert len(numbered) == ORDERS and len(set(numbered)) == ORDERS  # every (day, number) once
    halves = {server.base_url: sum(x.server == server.base_url for x in attempts) for server in (a, b)}
    with capsys.disabled():
        print(f"\nfestival: {ORDERS} orders ({halves[a.base_url]} + {halves[b.base_url]}) from "
              f"{GUESTS} guests through 2 servers in {placed_in:.1f} s ({ORDERS / placed_in:.0f}/s), "
              f"all on both admin sockets after {told_in:.1f} s; duplicate numbers 0, "
              f"NEW_ORDER per socket {len(boards[0].new_orders)} / {len(boards[1].new_orders)}")


def test_timers_run_once_however_many_processes_run_them(festival):
    festival.open()
    settings = festival.settings
    keys = tokens.Keys.load()
    code = registration.create_code(max_uses=20, expires_at=utcnow() + timedelta(days=1), now=utcnow())
    ana = registration.register(settings, keys, code=code.code, username="Late Ana", now=utcnow()).guest
    long_ago = utcnow() - timedelta(minutes=20)
    overdue = [orders.place_order(settings, ana, drink_id="espresso", now=long_ago).order.id
               for _ in range(40)]
    made_a_while_ago = utcnow() - timedelta(minutes=4)
    waiting = []
    for _ in range(10):
        order = orders.place_order(settings, ana, drink_id="espresso", now=utcnow()).order
        orders.move(order.id, orders.PREPARING, actor="barista", barista="Kim", now=made_a_while_ago)
        orders.move(order.id, orders.READY, actor="barista", barista="Kim", now=made_a_while_ago)
        waiting.append(order.id)
    planned = timers.schedule_announcement("Last call!", due_at=utcnow(), now=utcnow())
    db.close()

    helpers = [
        subprocess.Popen([sys.executable, "-m", "tests.webapp.housekeeper",
                          str(festival.root / f"keeper-{i}"), "2"],
                         cwd=ROOT, env=festival.env(festival.root / f"keeper-{i}"), text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for i in range(2)
    ]
    for helper in helpers:
        assert helper.stdout is not None and helper.stdout.readline().strip() == "ready"
    for helper in helpers:  # together: both run their rounds at the same time
        assert helper.stdin is not None
        helper.stdin.write("go\n")
        helper.stdin.flush()
    done = [json.loads(helper.communicate(timeout=WAIT_S)[0]) for helper in helpers]
    assert all(d["rounds"] >= 2 and d["failed"] == 0 for d in done), done

    festival.open()
    admin_events = list(Event.select().where(Event.channel == events.ADMIN))
    expired = [e.payload["order_id"] for e in admin_events if e.type == "ORDER_EXPIRED"]
    assert sorted(expired) == sorted(overdue)  # each once, by whichever process got there
    reminders = [e.payload["order_id"] for e in Event.select().where(Event.type == "ORDER_REMINDER")]
    assert sorted(reminders) == sorted(waiting)
    assert Event.select().where(Event.type == "ANNOUNCEMENT").count() == 1
    assert Scheduled.get_by_id(planned.id).outcome == "announced"
    db.close()


def test_a_server_killed_mid_burst_loses_no_acknowledged_order(festival):
    a, b = festival.servers
    tokens_ = guests(festival, 16, "Night")
    board = Board(a.base_url, admin_token(festival))

    def kill_b_mid_burst(attempts: list[Attempt]) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if sum(x.status == 201 and x.server == b.base_url for x in list(attempts)) >= 100:
                break
            time.sleep(0.005)
        b.kill_hard()  # requests are in flight right now

    try:
        attempts = burst([(a, tokens_[::2], 400), (b, tokens_[1::2], 1_000)], watch=kill_b_mid_burst)
        on_b = [x for x in attempts if x.server == b.base_url]
        acknowledged = [x for x in attempts if x.status == 201]
        unanswered = [x for x in on_b if x.status is None]
        assert all(x.status in (201, None) for x in attempts)
        assert sum(x.status == 201 for x in on_b) >= 100 and unanswered, "no kill mid-burst"
        assert sum(x.status == 201 for x in attempts if x.server == a.base_url) == 400

        festival.open()
        stored = dict(Order.select(Order.id, Order.idempotency_key).where(
            Order.id.in_([x.order_id for x in acknowledged])).tuples())
        db.close()
        assert {x.order_id: x.key for x in acknowledged} == stored  # every 201 is there
        # B's phones try again on A with the same Idempotency-Key: made once, either way.
        for attempt in unanswered:
            retry = requests.post(f"{a.base_url}/api/orders", json={"drink_id": "espresso"},
                                  timeout=30, headers={**bearer(attempt.token),
                                                       "Idempotency-Key": attempt.key})
            assert retry.status_code in (200, 201), retry.text
            attempt.order_id = retry.json()["order"]["order_id"]
        made = {x.order_id for x in acknowledged + unanswered}
        festival.open()
        assert Order.select().where(Order.idempotency_key.in_([x.key for x in attempts])).count() \
            == len(made)
        db.close()
        # A's admin socket was told of every order, B's too, once each, in id order.
        assert_each_once_in_id_order(board, made)
    finally:
        board.close()
