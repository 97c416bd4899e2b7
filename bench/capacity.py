"""capacity: a full and hostile room, and a newcomer who still gets served at once.

One `bar serve` on the shipped settings. First the baseline, in an empty room: a
newcomer (from an address of its own, a fresh connection per request, as a phone that
just joined) times `GET /healthz`, `GET /api/menu` and a guest `POST /api/orders`.
Then the room fills and turns hostile:
- 1,000 phones (250 loopback addresses, 4 pages each, as tabs or a household NAT)
  hold a WebSocket each, signed in and subscribed to their orders and the board;
- 300 requests that send half their headers and stop, reopened as soon as the server
  drops them (a reconnect loop), from 75 addresses;
- 200 WebSockets that upgrade and never say a word, reopened likewise, from 50.
While they hang, the newcomer times the same requests again: the table shows both
rooms and their ratio (same run, same machine). Every phone must see each of the
newcomer's orders on the board (none lost); the notes give the server's RSS, thread
count and how often the hostile clients were dropped or refused.
"""

from __future__ import annotations

import http.client
import json
import selectors
import time
from typing import Any

from bench.clients import connect_from, phone_address, start_phones, stop_phones
from bench.common import (
    HOST,
    Aim,
    Bar,
    Result,
    mb,
    ms,
    percentile,
    proc_status,
    spawn_context,
    summarise_trouble,
)

PHONES = 1000
PAGES_PER_ADDRESS = 4
HALF_SENT = 300
ANONYMOUS = 200
TRIES = 20
# Tries spaced out, so the hostile room lasts past the server's 5 s deadlines and its
# reconnect loop is part of what the newcomer meets.
SPACING_S = 0.4
NEWCOMER = "127.250.0.1"
AIM_S = 1.0

UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
HALF = b"GET /api/menu HTTP/1.1\r\nHost: bench\r\nUser-Agent: slow"


def hostile(port: int, half_sent: int, anonymous: int, control: Any) -> None:
    """Keep `half_sent` half-sent requests and `anonymous` silent sockets open, reopening
    each as soon as the server drops it. → ("ready",) then, on ("close",), the counts."""
    selector = selectors.DefaultSelector()
    counts = {"dropped": 0, "refused": 0, "opened": 0, "failed": 0}

    def open_one(kind: str, index: int) -> None:
        address = phone_address(index, 4, network=200 if kind == "half" else 210)
        try:
            sock = connect_from(address, HOST, port, timeout=10)
            sock.sendall(HALF if kind == "half" else UPGRADE)
            sock.setblocking(False)
        except OSError:
            counts["failed"] += 1
            return
        counts["opened"] += 1
        selector.register(sock, selectors.EVENT_READ, (kind, index))

    for i in range(half_sent):
        open_one("half", i)
    for i in range(anonymous):
        open_one("anon", i)
    control.send(("ready",))
    while True:
        if control.poll():
            control.recv()
            control.send(("counts", counts))
            for key in list(selector.get_map().values()):
                key.fileobj.close()  # type: ignore[union-attr]
            return
        for key, _ in selector.select(0.1):
            sock, (kind, index) = key.fileobj, key.data
            try:
                data = sock.recv(65536)  # type: ignore[union-attr]
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 503"):
                counts["refused"] += 1
            if data and not data.startswith(b"HTTP/1.1 503"):
                continue  # the 101 of an upgrade, or a frame: stay silent
            selector.unregister(sock)
            sock.close()  # type: ignore[union-attr]
            counts["dropped"] += 1
            open_one(kind, index)


def newcomer(port: int, token: str, order_log: list[tuple[int, str, str, float, str]],
             user_key: str, phase: str) -> dict[str, list[float]]:
    """Time each request TRIES times, each on a fresh connection from NEWCOMER."""
    timings: dict[str, list[float]] = {"GET /healthz": [], "GET /api/menu": [],
                                       "POST /api/orders": []}
    body = json.dumps({"drink_id": "negroni"})
    for _ in range(TRIES):
        time.sleep(SPACING_S)
        for label in timings:
            method, path = label.split()
            conn = http.client.HTTPConnection(HOST, port, timeout=30, source_address=(NEWCOMER, 0))
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            conn.request(method, path, body=body if method == "POST" else None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            timings[label].append(time.perf_counter() - started)
            conn.close()
            expected = 201 if method == "POST" else 200
            if response.status != expected:
                raise RuntimeError(f"{label}: {response.status} {payload[:200]!r}")
            if method == "POST":
                number = json.loads(payload)["order"]["number"]
                order_log.append((number, "pending", user_key, time.time(), phase))
    return timings


def run(quick: bool = False) -> Result:
    phones = 100 if quick else PHONES
    half_sent, anonymous = (30, 20) if quick else (HALF_SENT, ANONYMOUS)
    started = time.monotonic()
    result = Result(
        "capacity",
        f"capacity — a newcomer's requests (fresh connection each, {TRIES} tries) in an empty "
        f"room, then with {phones} phones connected, {half_sent} half-sent requests and "
        f"{anonymous} silent sockets hanging",
        ["request", "empty p50", "empty max", "hostile p50", "hostile max", "ratio p50"],
    )
    with Bar("capacity") as bar:
        guests = bar.guests_in_process(phones + 1)
        first = guests.pop()
        for index, guest in enumerate(guests):
            guest["address"] = phone_address(index, PAGES_PER_ADDRESS)
        server = bar.start_server()
        worker = server.worker_pid()
        assert worker is not None
        moves: list[tuple[int, str, str, float, str]] = []
        empty = newcomer(bar.port, first["token"], [], first["user_key"], "empty")

        pipes, clients, errors = start_phones(bar.ws_url, guests, 4 if not quick else 2)
        ctx = spawn_context()
        room, theirs = ctx.Pipe()
        attacker = ctx.Process(target=hostile, args=(bar.port, half_sent, anonymous, theirs),
                               daemon=True)
        attacker.start()
        room.poll(120) and room.recv()
        time.sleep(1.0)
        full = proc_status(worker)
        hostile_times = newcomer(bar.port, first["token"], moves, first["user_key"], "hostile")
        deadline = time.time() + 30
        for pipe in pipes:
            pipe.send(("collect", moves, deadline))
        reports = [pipe.recv()[1] for pipe in pipes if pipe.poll(60)]
        room.send(("close",))
        counts = room.recv()[1] if room.poll(30) else {}
        attacker.join(10)
        end = proc_status(worker)
        stop_phones(pipes, clients)
        trouble = server.trouble()

    for label in empty:
        e, h = empty[label], hostile_times[label]
        result.rows.append([label, ms(percentile(e, 50)), ms(max(e)), ms(percentile(h, 50)),
                            ms(max(h)), f"{percentile(h, 50) / percentile(e, 50):.1f}×"])
        if not quick:
            result.aims.append(Aim(f"{label} in the hostile room (max)", ms(max(h)),
                                   f"< {ms(AIM_S)}", max(h) < AIM_S))
    latencies = [x for r in reports for x in r["latencies"].get("hostile", [])]
    missing = sum(r["missing"] for r in reports) + (len(pipes) - len(reports))
    if errors:
        result.failures.append(f"phones could not connect: {errors[0]}")
    if missing:
        result.failures.append(f"{missing} board messages never reached a phone")
    if trouble:
        result.failures.append(summarise_trouble(trouble))
    result.notes.append(
        f"the newcomer's {TRIES} orders reached all {phones} phones' boards: p50 "
        f"{ms(percentile(latencies, 50))}, p99 {ms(percentile(latencies, 99))} after the 201"
    )
    result.notes.append(
        f"server with the room full: RSS {mb(full.get('VmRSS', 0))}, {full.get('Threads', 0)} "
        f"thread(s); peak RSS {mb(end.get('VmHWM', 0))}"
    )
    result.notes.append(
        f"hostile clients: {counts.get('opened', 0)} connections opened, "
        f"{counts.get('dropped', 0)} dropped by the server (header deadline, silent socket), "
        f"{counts.get('refused', 0)} upgrades refused with 503 (anonymous cap per address)"
    )
    result.seconds = time.monotonic() - started
    return result
