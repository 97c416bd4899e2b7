"""burst: the Serverlesspresso load test — 500 orders from 50 guests, as fast as they can.

50 guests (threads with keep-alive sessions in 2 client processes) each place 10
orders back to back, all starting at the same instant. Measured: the time until
every order is acknowledged (201); then that none is lost — the `orders` rows are
counted and every acknowledged id must be among them — and that every NEW_ORDER
reached both an admin WebSocket subscriber (signed in through `POST
/api/admin/login`) and a kiosk-style tail (`bar.events.EventTail` polled every
20 ms in this process, as the kiosk does). Any 5xx, refused order, or a server log
line about SQLITE_BUSY / a locked database / a traceback fails the run.
"""

from __future__ import annotations

import threading
import time

import requests

from bench.clients import http_burst, ws_admin
from bench.common import (
    Aim,
    Bar,
    Result,
    ms,
    percentile,
    proc_cpu,
    spawn_context,
    start_clients,
    summarise_trouble,
)

AIM_S = 2.0  # issue 14 (5 s before)
TAIL_POLL_S = 0.02  # kiosk.app.KioskApp.poll_interval


def _tail(found: dict[str, float], stop: threading.Event, errors: list[str],
          ready: threading.Event) -> None:
    from bar import events
    from bar.db import db

    try:
        tail = events.EventTail()
        ready.set()
        while not stop.is_set():
            for event in tail.poll():
                if event.channel == events.ADMIN and event.type == events.NEW_ORDER:
                    found.setdefault(event.payload["order_id"], time.time())
            time.sleep(TAIL_POLL_S)
    except Exception as exc:  # e.g. SQLITE_BUSY: a failure of the run
        errors.append(f"event tail: {type(exc).__name__}: {exc}")
    finally:
        ready.set()
        db.close()


def run(quick: bool = False) -> Result:
    guests_n, per_guest = (10, 5) if quick else (50, 10)
    total = guests_n * per_guest
    procs = 2
    started = time.monotonic()
    result = Result(
        "burst", f"burst — {total} orders from {guests_n} guests, as fast as they can",
        ["measure", "value"],
    )
    with Bar("burst") as bar:
        admin, password = bar.admin()
        server = bar.start_server()
        t0 = time.monotonic()
        guests = bar.guests_over_http(guests_n)
        register_s = time.monotonic() - t0
        login = requests.post(f"{bar.base}/api/admin/login",
                              json={"username": admin, "password": password}, timeout=30)
        login.raise_for_status()
        admin_token = login.json()["access_token"]

        stop = threading.Event()
        ws_found: dict[str, float] = {}
        tail_found: dict[str, float] = {}
        errors: list[str] = []
        ws_ready, tail_ready = threading.Event(), threading.Event()
        listeners = [
            threading.Thread(target=ws_admin, args=(bar.ws_url, admin_token, ws_found, stop, errors,
                                                    ws_ready), daemon=True),
            threading.Thread(target=_tail, args=(tail_found, stop, errors, tail_ready), daemon=True),
        ]
        for thread in listeners:
            thread.start()
        ws_ready.wait(30)
        tail_ready.wait(30)

        ctx = spawn_context()
        out = ctx.Queue()
        inboxes = [ctx.Queue() for _ in range(procs)]
        clients = start_clients(ctx, http_burst, [
            (bar.base, guests[p::procs], bar.drink_ids(), per_guest, inboxes[p], out)
            for p in range(procs)
        ], out)
        worker = server.worker_pid()
        assert worker is not None
        start = time.time() + 1.0  # the sessions connect first
        for inbox in inboxes:
            inbox.put(start)
        while time.time() < start:
            time.sleep(0.01)
        cpu0 = proc_cpu(worker)
        done: list[tuple[str | None, int, float, float]] = []
        for _ in clients:
            done.extend(out.get(timeout=180))
        cpu1 = proc_cpu(worker)
        for client in clients:
            client.join(10)

        acked = {order_id for order_id, status, _, _ in done if status == 201 and order_id}
        deadline = time.time() + 15
        while time.time() < deadline and not (acked <= ws_found.keys() and acked <= tail_found.keys()):
            time.sleep(0.05)
        stop.set()
        for thread in listeners:
            thread.join(5)

        from bar.models import Order

        rows = {o.id for o in Order.select(Order.id)}
        trouble = server.trouble()
        server.stop()

    statuses: dict[int, int] = {}
    for _, status, _, _ in done:
        statuses[status] = statuses.get(status, 0) + 1
    all_acked = max((t for _, _, _, t in done), default=start) - start
    latencies = [t1 - t0 for _, _, t0, t1 in done]
    ws_last = max((ws_found[i] for i in acked if i in ws_found), default=start) - start
    tail_last = max((tail_found[i] for i in acked if i in tail_found), default=start) - start
    lost_rows = len(acked - rows)
    ws_missing = len(acked - ws_found.keys())
    tail_missing = len(acked - tail_found.keys())
    bad = {s: c for s, c in statuses.items() if s != 201}

    result.rows += [
        ["orders acknowledged (201)", f"{len(acked)} of {total}"],
        ["time until all acknowledged", f"{all_acked:.2f} s"],
        ["throughput", f"{len(acked) / all_acked:.0f} orders/s" if all_acked > 0 else "—"],
        ["per-order latency p50 / p99", f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}"],
        ["server CPU per order", ms((cpu1 - cpu0) / max(1, len(done)))],
        ["rows in `orders` (lost)", f"{len(rows)} ({lost_rows} lost)"],
        ["NEW_ORDER on the admin WebSocket", f"{len(acked) - ws_missing} of {len(acked)}, "
                                             f"last {ws_last:.2f} s after the start"],
        ["NEW_ORDER through EventTail (kiosk)", f"{len(acked) - tail_missing} of {len(acked)}, "
                                                f"last {tail_last:.2f} s after the start"],
        ["non-201 answers", str(sum(bad.values())) + (f" {bad}" if bad else "")],
        ["SQLITE_BUSY / errors in the server log", str(len(trouble))],
    ]
    result.notes.append(
        f"setup: {guests_n} guests registered over HTTP in {register_s:.2f} s "
        f"({register_s / guests_n * 1000:.0f} ms each, one at a time)"
    )
    if lost_rows:
        result.failures.append(f"{lost_rows} acknowledged orders are not in the database")
    if ws_missing:
        result.failures.append(f"{ws_missing} NEW_ORDER events never reached the admin WebSocket")
    if tail_missing:
        result.failures.append(f"{tail_missing} NEW_ORDER events never reached the EventTail")
    if bad:
        result.failures.append(f"answers other than 201: {bad}")
    if trouble:
        result.failures.append(summarise_trouble(trouble))
    for error in errors:
        result.failures.append(error)
    if not quick:
        result.aims.append(Aim(f"{total} orders acknowledged", f"{all_acked:.2f} s", f"< {AIM_S:.0f} s",
                               all_acked < AIM_S and len(acked) == total))
    result.aims.append(Aim("lost / SQLITE_BUSY / 5xx", f"{lost_rows} / {len(trouble)} / "
                           f"{sum(c for s, c in statuses.items() if s >= 500 or s == 0)}",
                           "0 / 0 / 0", not (lost_rows or trouble or bad or errors)))
    result.seconds = time.monotonic() - started
    return result
