"""engines: the same load on SQLite with one `bar serve`, and on PostgreSQL with two
`bar serve` processes sharing one database, in the same run.

PostgreSQL is a throwaway cluster of our own (`tests.pg.Cluster`, on a Unix socket),
durable as SQLite is here (`fsync` on, `synchronous_commit` on; SQLite runs with
`synchronous = FULL`). For each setup, on fresh data:

- orders: as `orders`, 16 guests in 2 client processes, each process on one server
  (so with two servers, half the orders go through each), rounds of `POST /api/orders`
  and `GET /healthz` in alternating order; the figure is orders/s as a share of the
  same setup's /healthz/s. Server CPU per order counts every `bar serve` worker and,
  on PostgreSQL, every process of the cluster (the database's work is done there).
- fan-out: G phones on WebSockets, half on each server, each subscribed to its own
  channel and `display`; this process is the barista, moving orders through the core
  (as the kiosk does) once every 250 ms: every move reaches every phone, on PostgreSQL
  through the events table, `NOTIFY` and each server's listener. Commit → receipt
  p50/p99, next to /healthz's p99 asked of each server every 50 ms meanwhile (the
  same-run baseline: what any answer takes on this machine at that moment).

Anything lost (a missing or doubled message, a 5xx) fails the run.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.clients import http_phases, phone_address, start_phones, stop_phones
from bench.common import (
    Aim,
    Bar,
    Result,
    Server,
    alternating_rounds,
    children,
    median,
    ms,
    percentile,
    phase_schedule,
    proc_cpu,
    spawn_context,
    start_clients,
    summarise_trouble,
    wait_until,
)

PACE_S = 0.25
HEALTHZ_EVERY_S = 0.05
AIM_RATIO = 0.50  # orders ÷ /healthz, as `orders`
AIM_P99_S = 0.100  # fan-out at 1,000 phones, as `fanout`


def run(quick: bool = False) -> Result:
    started = time.monotonic()
    guests_n = 4 if quick else 16
    rounds = 1 if quick else 3
    phase_s = 1.0 if quick else 3.0
    phones = 40 if quick else 1000
    moves = 8 if quick else 48
    result = Result(
        "engines",
        f"engines — SQLite with 1 bar serve vs PostgreSQL with 2 on one database; orders: "
        f"{guests_n} guests over HTTP; fan-out: {phones} phones, a move every {PACE_S * 1000:.0f} ms",
        ["setup", "/healthz req/s", "orders req/s", "orders ÷ healthz", "orders p50 / p99",
         "CPU/order (bar + db)", "fan-out p50", "fan-out p99", "/healthz p99 meanwhile", "lost"],
    )
    from tests.pg import Cluster, find_initdb

    initdb = find_initdb()
    if initdb is None:
        result.failures.append("PostgreSQL is not installed (initdb): apt-get install postgresql")
        return result
    cluster = Cluster(initdb, durable=True)

    def fresh() -> dict[str, str]:
        return {"BAR_DATABASE_URL": cluster.url(cluster.empty_database())}

    try:
        for name, servers, shared in (("SQLite, 1 server", 1, False),
                                      ("PostgreSQL, 2 servers", 2, True)):
            postmaster = _postmaster(cluster) if shared else None
            cells, ratio = _orders(name, fresh() if shared else {}, servers, postmaster,
                                   guests_n, rounds, phase_s, result)
            fan = _fanout(name, fresh() if shared else {}, servers, phones, moves, result)
            result.rows.append([name, *cells, *fan])
            if not quick:
                result.aims.append(Aim(f"{name}: orders ÷ /healthz", f"{ratio:.0%}",
                                       f"≥ {AIM_RATIO:.0%}", ratio >= AIM_RATIO))
    finally:
        from bar.db import disconnect

        disconnect()  # this process's pool and listener, before the cluster goes
        cluster.stop()
    result.notes.append(
        f"orders: {rounds} round(s) of {phase_s:.0f} s per endpoint after 1 s warm-ups, medians; "
        "CPU/order: user+system CPU of every bar serve worker (and of every PostgreSQL process) "
        "over the orders phases ÷ orders. Both setups share the same 2 cores with the clients, so "
        "two servers do not double the rate: they show what one database shared by two costs."
    )
    result.seconds = time.monotonic() - started
    return result


def _postmaster(cluster: Any) -> int:
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


def _cpu(workers: list[int], postmaster: int | None) -> tuple[float, float]:
    """(bar serve workers, PostgreSQL) CPU seconds so far."""
    database = 0.0
    if postmaster is not None:
        database = proc_cpu(postmaster) + sum(proc_cpu(p) for p in children(postmaster))
    return sum(proc_cpu(w) for w in workers), database


def _workers(servers: list[Server]) -> list[int]:
    found = [s.worker_pid() for s in servers]
    assert all(found), "a server has no worker"
    return [w for w in found if w is not None]


def _orders(name: str, env: dict[str, str], count: int, postmaster: int | None, guests_n: int,
            rounds: int, phase_s: float, result: Result) -> tuple[list[str], float]:
    """The row's cells (/healthz req/s, orders req/s, ratio, p50/p99, CPU per order), and
    the ratio."""
    procs, gap_s = 2, 0.4
    with Bar("engines-orders", **env) as bar:
        servers = bar.start_servers(count)
        guests = bar.guests_over_http(guests_n)
        drinks = bar.drink_ids()
        ctx = spawn_context()
        out = ctx.Queue()
        inboxes = [ctx.Queue() for _ in range(procs)]
        clients = start_clients(ctx, http_phases, [
            (servers[p % count].base, guests[p::procs], drinks, inboxes[p], out) for p in range(procs)
        ], out)
        kinds = alternating_rounds("healthz", "orders", rounds)
        phases = phase_schedule(kinds, warmup_s=1.0, phase_s=phase_s, gap_s=gap_s)
        for inbox in inboxes:
            inbox.put(phases)
        workers = _workers(servers)
        cpu: list[tuple[float, float]] = []
        for _, start, end in phases:
            wait_until(start)
            before = _cpu(workers, postmaster)
            wait_until(end)
            after = _cpu(workers, postmaster)
            cpu.append((after[0] - before[0], after[1] - before[1]))
        merged: list[tuple[list[float], dict[int, int]]] = [([], {}) for _ in phases]
        for _ in clients:
            for i, (latencies, statuses) in enumerate(out.get(timeout=120)):
                merged[i][0].extend(latencies)
                for status, n in statuses.items():
                    merged[i][1][status] = merged[i][1].get(status, 0) + n
        for client in clients:
            client.join(10)
        trouble = [line for s in servers for line in s.trouble()]

    rates: dict[str, list[float]] = {"healthz": [], "orders": []}
    latencies: dict[str, list[float]] = {"healthz": [], "orders": []}
    per_round: dict[int, dict[str, float]] = {}
    order_cpu: list[tuple[float, float]] = []
    for (kind, rnd), (_, start, end), (lat, statuses), used in zip(kinds, phases, merged, cpu,
                                                                   strict=True):
        if rnd is None:
            continue
        good = sum(n for s, n in statuses.items() if 200 <= s < 300)
        if any(s >= 500 or s == 0 for s in statuses):
            result.failures.append(f"{name}: {kind} errors {dict(statuses)}")
        rate = good / (end - start)
        rates[kind].append(rate)
        latencies[kind].extend(lat)
        per_round.setdefault(rnd, {})[kind] = rate
        if kind == "orders":
            order_cpu.append((used[0] / max(1, good), used[1] / max(1, good)))
    if trouble:
        result.failures.append(f"{name}: {summarise_trouble(trouble)}")
    ratios = [r["orders"] / r["healthz"] for r in per_round.values() if r.get("healthz")]
    bar_cpu = median([c[0] for c in order_cpu])
    db_cpu = median([c[1] for c in order_cpu])
    result.notes.append(
        f"{name}: orders ÷ /healthz per round {', '.join(f'{x:.0%}' for x in ratios)}; "
        f"CPU per order {ms(bar_cpu)} in bar serve + {ms(db_cpu)} in the database server"
    )
    ratio = median(ratios)
    return [
        f"{median(rates['healthz']):.0f}", f"{median(rates['orders']):.0f}", f"{ratio:.0%}",
        f"{ms(percentile(latencies['orders'], 50))} / {ms(percentile(latencies['orders'], 99))}",
        ms(bar_cpu + db_cpu),
    ], ratio


def _fanout(name: str, env: dict[str, str], count: int, phones: int, moves_n: int,
            result: Result) -> list[str]:
    """fan-out p50, p99, /healthz p99 meanwhile, lost."""
    import requests

    from bar import orders
    from bar.clock import utcnow

    with Bar("engines-fanout", **env) as bar:
        guests = bar.guests_in_process(phones, orders=1)
        for index, guest in enumerate(guests):
            guest["address"] = phone_address(index)
        servers = bar.start_servers(count)
        pipes: list[Any] = []
        clients: list[Any] = []
        errors: list[str] = []
        procs = max(1, min(4, phones // 10) // count)
        for s, server in enumerate(servers):
            mine = guests[s::count]
            p, c, e = start_phones(server.ws_url, mine, procs)
            pipes += p
            clients += c
            errors += e
        if errors:
            stop_phones(pipes, clients)
            result.failures.append(f"{name}: could not connect: {errors[0]}")
            return ["—", "—", "—", "FAIL"]
        time.sleep(0.5)

        healthz: list[float] = []
        stop = threading.Event()

        def ask() -> None:  # the baseline: any answer from each server, meanwhile
            with requests.Session() as http:
                while not stop.is_set():
                    for server in servers:
                        t0 = time.perf_counter()
                        http.get(f"{server.base}/healthz", timeout=30).raise_for_status()
                        healthz.append(time.perf_counter() - t0)
                    stop.wait(HEALTHZ_EVERY_S)

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        ids = [(g["orders"][0][0], g["user_key"]) for g in guests]
        moves: list[tuple[int, str, str, float, str]] = []
        next_at = time.time() + 0.1
        for j in range(moves_n):
            wait_until(next_at)
            order_id, user_key = ids[j % phones]
            order = orders.advance(order_id, barista="bench", now=utcnow())
            moves.append((order.number, order.status, user_key, time.time(), "paced"))
            next_at += PACE_S
        deadline = time.time() + 30
        for pipe in pipes:
            pipe.send(("collect", moves, deadline))
        reports = []
        for pipe in pipes:
            if pipe.poll(60):
                reports.append(pipe.recv()[1])
            else:
                errors.append("a client process did not report")
        stop.set()
        asking.join(10)
        stop_phones(pipes, clients)
        trouble = [line for s in servers for line in s.trouble()]

    paced = [x for r in reports for x in r["latencies"].get("paced", [])]
    missing = sum(r["missing"] for r in reports)
    doubled = sum(r["duplicates"] for r in reports)
    closed = sum(r["closed"] for r in reports)
    for problem in (errors and "; ".join(errors),
                    missing and f"{missing} expected messages never arrived",
                    doubled and f"{doubled} messages arrived twice",
                    closed and f"the servers closed {closed} sockets",
                    trouble and summarise_trouble(trouble)):
        if problem:
            result.failures.append(f"{name} fan-out: {problem}")
    p99 = percentile(paced, 99)
    if phones >= 1000:
        result.aims.append(Aim(f"{name}: fan-out p99 at {phones} phones", ms(p99),
                               f"< {ms(AIM_P99_S)}", p99 < AIM_P99_S if paced else None))
    lost = "0" if not (missing or doubled or closed or errors) else "FAIL"
    return [ms(percentile(paced, 50)), ms(p99), ms(percentile(healthz, 99)), lost]
