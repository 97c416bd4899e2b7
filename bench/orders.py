"""orders: guests placing orders over HTTP, against a bare endpoint on the same server.

N guests (threads with keep-alive sessions, in client processes separate from the
server) hammer `POST /api/orders`, and in alternating phases of the same run
`GET /healthz`. The figure is orders' requests/s as a share of /healthz's, per round
(each round has one phase of each, in alternating order, so drift on a shared
machine hits both). The server's own CPU per request (from /proc) is reported too:
it does not depend on how much CPU the clients took.
"""

from __future__ import annotations

import time
from typing import Any

from bench.clients import http_phases
from bench.common import (
    Aim,
    Bar,
    Result,
    alternating_rounds,
    median,
    ms,
    percentile,
    phase_schedule,
    server_cpu_per_phase,
    spawn_context,
    start_clients,
    summarise_trouble,
)

AIM_RATIO = 0.50
AIM_CPU_S = 0.0025  # server CPU per order (issue 14)


def run(quick: bool = False) -> Result:
    guests_n = 4 if quick else 16
    procs = 2
    rounds = 1 if quick else 3
    phase_s = 1.0 if quick else 3.0
    gap_s = 0.4
    started = time.monotonic()
    result = Result(
        "orders", f"orders — {guests_n} guests over HTTP keep-alive, {procs} client processes",
        ["endpoint", "requests/s", "p50", "p99", "server CPU/req", "requests", "non-2xx"],
    )
    with Bar("orders") as bar:
        server = bar.start_server()
        guests = bar.guests_over_http(guests_n)
        drinks = bar.drink_ids()
        ctx = spawn_context()
        out = ctx.Queue()
        inboxes = [ctx.Queue() for _ in range(procs)]
        workers = start_clients(ctx, http_phases, [
            (bar.base, guests[p::procs], drinks, inboxes[p], out) for p in range(procs)
        ], out)

        kinds = alternating_rounds("healthz", "orders", rounds)
        phases = phase_schedule(kinds, warmup_s=1.0, phase_s=phase_s, gap_s=gap_s)
        for inbox in inboxes:
            inbox.put(phases)

        worker_pid = server.worker_pid()
        assert worker_pid is not None
        cpu = server_cpu_per_phase(worker_pid, "orders", kinds, phases, gap_s)

        merged: list[tuple[list[float], dict[int, int]]] = [([], {}) for _ in phases]
        for _ in workers:
            for i, (latencies, statuses) in enumerate(out.get(timeout=120)):
                merged[i][0].extend(latencies)
                for status, count in statuses.items():
                    merged[i][1][status] = merged[i][1].get(status, 0) + count
        for worker in workers:
            worker.join(10)
        trouble = server.trouble()
        server.stop()

    per_kind: dict[str, dict[str, list[Any]]] = {
        k: {"rps": [], "lat": [], "cpu": [], "sys": [], "count": [], "bad": []} for k in ("healthz", "orders")
    }
    ratios: dict[int, dict[str, float]] = {}
    measured = zip(kinds, phases, merged, cpu, strict=True)
    for (kind, rnd), (_, start, end), (latencies, statuses), used in measured:
        if rnd is None:
            continue  # warm-up
        good = sum(c for s, c in statuses.items() if 200 <= s < 300)
        bad = sum(c for s, c in statuses.items() if not 200 <= s < 300)
        rps = good / (end - start)
        stats = per_kind[kind]
        stats["rps"].append(rps)
        stats["lat"].extend(latencies)
        stats["cpu"].append(sum(used) / max(1, good + bad))
        stats["sys"].append(used[1] / max(1, good + bad))
        stats["count"].append(good + bad)
        stats["bad"].append({s: c for s, c in statuses.items() if not 200 <= s < 300})
        ratios.setdefault(rnd, {})[kind] = rps
        if any(s >= 500 or s == 0 for s in statuses):
            result.failures.append(f"{kind}: errors {dict(statuses)}")
        elif bad:
            result.notes.append(f"{kind}: non-2xx answers {dict(statuses)}")

    for kind in ("healthz", "orders"):
        stats = per_kind[kind]
        label = "GET /healthz" if kind == "healthz" else "POST /api/orders"
        result.rows.append([
            label, f"{median(stats['rps']):.0f}", ms(percentile(stats["lat"], 50)),
            ms(percentile(stats["lat"], 99)),
            f"{ms(median(stats['cpu']))} ({ms(median(stats['sys']))} sys)",
            str(sum(stats["count"])), str(sum(sum(b.values()) for b in stats["bad"])),
        ])
    round_ratios = [r["orders"] / r["healthz"] for r in ratios.values() if r.get("healthz")]
    ratio = median(round_ratios)
    cpu_ratio = median(per_kind["healthz"]["cpu"]) / median(per_kind["orders"]["cpu"])
    spread = (f" (rounds: {', '.join(f'{x:.0%}' for x in round_ratios)})"
              if len(round_ratios) > 1 else "")
    result.rows.append(["orders ÷ healthz", f"{ratio:.0%}", "", "", f"{cpu_ratio:.0%}", "", ""])
    result.aims.append(Aim("orders req/s ÷ /healthz req/s", f"{ratio:.0%}{spread}",
                           f"≥ {AIM_RATIO:.0%}", ratio >= AIM_RATIO))
    order_cpu = median(per_kind["orders"]["cpu"])
    result.aims.append(Aim("server CPU per order", ms(order_cpu), f"≤ {ms(AIM_CPU_S)}",
                           order_cpu <= AIM_CPU_S))
    result.notes.append(
        f"{rounds} round(s) of {phase_s:.0f} s per endpoint after 1 s warm-ups; requests/s is the "
        "median over rounds, the ratio the median of per-round ratios; server CPU/req is the "
        "gunicorn worker's user+system CPU time over the phase ÷ requests (its ratio is the "
        "CPU-bound ceiling of the figure, independent of the clients' share of the 2 cores)."
    )
    if trouble:
        result.failures.append(summarise_trouble(trouble))
    result.seconds = time.monotonic() - started
    return result
