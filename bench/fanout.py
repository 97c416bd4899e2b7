"""fanout: a status change reaching hundreds of guests' phones over WebSockets.

For each G (100, 1000, 5000): a fresh `bar serve` on the shipped settings (its event
loop has no per-guest setting). G guests, registered with an invite code and holding
one pending order each, connect from 4 client processes (one selector loop each), each
phone from its own loopback address, auth with their own tokens and subscribe to
`orders/<user_key>` and `display`. This process is the barista: it moves orders
through the core in-process, as the kiosk does (`bar.orders.advance`), and records
the commit time (`time.time()` right after the move returns). Every move must reach
every guest on `display` and its own guest on `orders/<user_key>`: one missing or
duplicated message fails the run.

Two phases per G:
- paced: one move every 250 ms (a very busy bar) — commit-to-receipt p50/p99, the aim;
- flood: moves back to back — messages/s the server sustains (and the latency then).
The server's RSS and thread count are read from /proc/<worker>/status: before any
socket, with all connected, and at the end (VmHWM is the peak); "db fds" counts the
worker's open descriptors on the database (two per open SQLite connection); the
notes give the CPU that G idle sockets cost. `--profile DIR` py-spies the worker
during the idle window and the moves.
"""

from __future__ import annotations

import time
from typing import Any

from bench.clients import phone_address, start_phones, stop_phones
from bench.common import (
    Aim,
    Bar,
    Profile,
    Result,
    mb,
    ms,
    open_files,
    percentile,
    proc_cpu,
    proc_status,
    summarise_trouble,
)

AIMS_P99 = {1000: 0.100, 5000: 0.250}
AIM_RSS_KB = 400 * 1024  # at 5000
PACE_S = 0.25
CLIENT_PROCS = 4


def run(quick: bool = False) -> Result:
    sizes = (20, 50) if quick else (100, 1000, 5000)
    paced_moves = 8 if quick else 48
    flood_moves = 10 if quick else 40
    started = time.monotonic()
    result = Result(
        "fanout",
        f"fanout — commit (barista, in-process core) → receipt (guest WebSocket); paced phase "
        f"{paced_moves} moves at {1 / PACE_S:.0f}/s, flood phase {flood_moves} moves back to back",
        ["guests", "connect", "p50", "p99", "own p99", "flood msg/s", "flood p99",
         "CPU/msg", "RSS idle/conn/peak MB", "threads", "db fds", "lost"],
    )
    for g in sizes:
        one(g, paced_moves, flood_moves, result, quick=quick)
    result.notes.append(
        "p50/p99: every message of the paced phase; own p99: the guest's own-channel message only; "
        "flood: moves committed back to back (the core's write rate), latency then includes the "
        "backlog. Each move sends G + 1 messages (display to all, the guest's own channel to one); "
        "latency covers every message of the phase; clients share the 2 cores with the server, "
        "so their reading time is included (as a phone's network would be)."
    )
    result.seconds = time.monotonic() - started
    return result


def one(g: int, paced_moves: int, flood_moves: int, result: Result, *, quick: bool) -> None:
    from bar import orders
    from bar.clock import utcnow

    procs = min(CLIENT_PROCS, max(1, g // 10))
    with Bar(f"fanout{g}") as bar:
        guests = bar.guests_in_process(g, orders=1)
        for index, guest in enumerate(guests):
            guest["address"] = phone_address(index)
        server = bar.start_server()
        worker = server.worker_pid()
        assert worker is not None
        idle = proc_status(worker)

        t_connect = time.monotonic()
        pipes, clients, errors = start_phones(bar.ws_url, guests, procs)
        connect_s = time.monotonic() - t_connect
        if errors:
            result.failures.append(f"G={g}: could not connect: {errors[0]}")
            result.rows.append([str(g), "FAIL"] + [""] * (len(result.columns) - 2))
            stop_phones(pipes, clients)
            return
        time.sleep(0.5)  # let the handshakes' garbage settle before measuring
        connected = proc_status(worker)
        # What G idle sockets cost the server with nothing happening.
        idle_cpu0, idle_t0 = proc_cpu(worker), time.monotonic()
        with Profile(worker, f"fanout-{g}-idle"):
            time.sleep(2.0)
        idle_cpu = (proc_cpu(worker) - idle_cpu0) / (time.monotonic() - idle_t0)
        db_fds = open_files(worker, "bar.db")  # one SQLite connection: the db and its -wal

        # The barista: every move is one core call on this process's own connection.
        ids = [(gst["orders"][0][0], gst["user_key"]) for gst in guests]
        moves: list[tuple[int, str, str, float, str]] = []

        def advance(j: int, phase: str) -> None:
            order_id, user_key = ids[j % g]
            order = orders.advance(order_id, barista="bench", now=utcnow())
            moves.append((order.number, order.status, user_key, time.time(), phase))

        profile = Profile(worker, f"fanout-{g}-moves").start()  # only with --profile
        cpu0 = proc_cpu(worker)
        next_at = time.time() + 0.1
        for j in range(paced_moves):
            while (left := next_at - time.time()) > 0:
                time.sleep(left)
            advance(j, "paced")
            next_at += PACE_S
        time.sleep(1.0)  # the paced phase's last messages, before the flood
        cpu1 = proc_cpu(worker)
        flood_start = time.time()
        for j in range(paced_moves, paced_moves + flood_moves):
            advance(j, "flood")
        flood_committed = time.time()

        deadline = time.time() + 30
        for pipe in pipes:
            pipe.send(("collect", moves, deadline))
        reports: list[dict[str, Any]] = []
        for pipe in pipes:
            if pipe.poll(60):
                reports.append(pipe.recv()[1])
            else:
                errors.append("a client process did not report")
        cpu2 = proc_cpu(worker)
        profile.stop()
        end = proc_status(worker)
        # SIGTERM with every socket still open: how long until the server has exited.
        t_stop = time.monotonic()
        server.stop()
        stop_s = time.monotonic() - t_stop
        stop_phones(pipes, clients)
        trouble = server.trouble()

    paced = [x for r in reports for x in r["latencies"].get("paced", [])]
    flood = [x for r in reports for x in r["latencies"].get("flood", [])]
    own = [x for r in reports for x in r["own"].get("paced", [])]
    missing = sum(r["missing"] for r in reports)
    duplicates = sum(r["duplicates"] for r in reports)
    closed = sum(r["closed"] for r in reports)
    expected = sum(r["expected"] for r in reports)
    flood_msgs = flood_moves * (g + 1)
    last = max((r["last_receipt"].get("flood", 0.0) for r in reports), default=0.0)
    rate = flood_msgs / (last - flood_start) if last > flood_start else float("nan")
    paced_msgs = paced_moves * (g + 1)
    cpu_per_msg = (cpu2 - cpu0) / (paced_msgs + flood_msgs)
    p99 = percentile(paced, 99)

    lost = "0" if not (missing or duplicates or closed or errors) else "FAIL"
    if errors:
        result.failures.append(f"G={g}: {'; '.join(errors)}")
    if missing:
        result.failures.append(f"G={g}: {missing} of {expected} expected messages never arrived")
    if duplicates:
        result.failures.append(f"G={g}: {duplicates} messages arrived twice on one socket")
    if closed:
        result.failures.append(f"G={g}: the server closed {closed} sockets")
    if trouble:
        result.failures.append(f"G={g}: {summarise_trouble(trouble)}")
    result.rows.append([
        str(g), f"{connect_s:.1f} s", ms(percentile(paced, 50)), ms(p99), ms(percentile(own, 99)),
        f"{rate:,.0f}", ms(percentile(flood, 99)), f"{cpu_per_msg * 1e6:.0f} µs",
        f"{idle.get('VmRSS', 0) / 1024:.0f}/{connected.get('VmRSS', 0) / 1024:.0f}/"
        f"{end.get('VmHWM', 0) / 1024:.0f}",
        f"{idle.get('Threads', 0)} → {connected.get('Threads', 0)}", str(db_fds), lost,
    ])
    result.notes.append(
        f"G={g}: flood committed {flood_moves} moves in {flood_committed - flood_start:.2f} s "
        f"({flood_moves / max(1e-9, flood_committed - flood_start):.0f} moves/s through the core); "
        f"server CPU {cpu1 - cpu0:.1f} s paced, {cpu2 - cpu1:.1f} s flood+collect; "
        f"{idle_cpu:.0%} of a core with {g} sockets connected and nothing happening; "
        f"SIGTERM with {g} sockets open: exited in {stop_s:.1f} s"
    )
    if not quick and g in AIMS_P99:
        aim = AIMS_P99[g]
        result.aims.append(Aim(f"p99 at {g} guests", ms(p99), f"< {ms(aim)}",
                               p99 < aim if paced else None))
    if not quick and g == 5000:
        result.aims.append(Aim("SIGTERM to exit, 5000 sockets open", f"{stop_s:.1f} s", "< 5 s",
                               stop_s < 5))
        rss = end.get("VmHWM", 0)
        result.aims.append(Aim("server RSS at 5000 guests (peak)", mb(rss), "< 400 MB",
                               rss < AIM_RSS_KB if rss else None))
