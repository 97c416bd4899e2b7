"""night: a rush at a real bar — the queue full, a barista serving — and what each order
costs there, against `GET /healthz` on the same server at the same pace.

The stress runs (`orders`, `burst`) lift every limit and never serve a drink, so their
queue grows to thousands. Here the bar keeps its own rules (`max_queue` 20, two open
orders per guest, no per-minute limit so the pace is the bench's), and a barista
serves: a thread of this process, another process to the server as the kiosk is, takes
the oldest pending order through the core and moves it to preparing, ready and served,
at a steady number of drinks a second. Guests order a little faster than that, each
at a steady pace (`http_paced`), so the queue stays near 20 and some orders are
refused (409 `queue_full` or `too_many_open_orders`), as at a real rush.

Phases alternate: the guests order, then the same guests at the same pace ask
`GET /healthz` (the barista waits meanwhile, so the queue stays as it was), then nobody
asks anything. The pace is one the server keeps up with, so latency is the time to
serve a request; the server's CPU per request is its CPU over a phase less what it
spends at rest (the idle phase: the event tail's polls, the sweeps), ÷ requests.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.clients import http_paced
from bench.common import (
    Aim,
    Bar,
    Result,
    median,
    ms,
    percentile,
    phase_schedule,
    server_cpu_per_phase,
    spawn_context,
    start_clients,
    summarise_trouble,
)

AIM_CPU_S = 0.0025  # server CPU per order (issue 14)
MAX_QUEUE = 20


def _barista(rate: float, phases: list[tuple[str, float, float]], stop: threading.Event,
             queue: list[tuple[float, int]], served: list[int], errors: list[str]) -> None:
    """Serve the oldest pending order, `rate` drinks a second, during the ordering phases."""
    from bar import orders, shop
    from bar.clock import utcnow
    from bar.db import db
    from bar.models import Order

    def serving(now: float) -> bool:
        return any(kind == "orders" and start <= now < end for kind, start, end in phases)

    pause = 1 / rate
    try:
        while not stop.is_set():
            started = time.time()
            if serving(started):
                queue.append((started, shop.queue_length()))
                oldest = (Order.select(Order.id).where(Order.status == orders.PENDING)
                          .order_by(Order.created_at, Order.number).first())
                if oldest is not None:
                    for _ in ("preparing", "ready", "served"):
                        orders.advance(oldest.id, barista="Bench", now=utcnow())
                    served.append(1)
            time.sleep(max(0.0, pause - (time.time() - started)))
    except Exception as exc:  # e.g. SQLITE_BUSY: a failure of the run
        errors.append(f"barista: {type(exc).__name__}: {exc}")
    finally:
        db.close()


def run(quick: bool = False) -> Result:
    guests_n = 12 if quick else 16  # two open orders each: enough to fill the queue
    per_guest_s = 0.6 if quick else 0.4  # 20 or 40 requests/s in all
    barista_rate = 12.0 if quick else 25.0  # drinks/s: a little less than the orders
    procs = 2
    rounds = 1 if quick else 3
    phase_s = 1.5 if quick else 3.0
    gap_s = 0.4
    started = time.monotonic()
    pace = guests_n / per_guest_s
    result = Result(
        "night",
        f"night — a rush: {guests_n} guests ordering {pace:.0f}/s, a barista serving "
        f"{barista_rate:.0f} drinks/s, max_queue {MAX_QUEUE}",
        ["endpoint", "requests/s", "p50", "p99", "server CPU/req", "requests", "answers"],
    )
    rules = {
        "BAR_RULES_MAX_QUEUE": str(MAX_QUEUE),
        "BAR_RULES_MAX_OPEN_ORDERS_PER_GUEST": "2",
    }
    with Bar("night", **rules) as bar:
        server = bar.start_server()
        guests = bar.guests_over_http(guests_n)
        drinks = bar.drink_ids()
        ctx = spawn_context()
        out = ctx.Queue()
        inboxes = [ctx.Queue() for _ in range(procs)]
        workers = start_clients(ctx, http_paced, [
            (bar.base, guests[p::procs], drinks, per_guest_s, inboxes[p], out) for p in range(procs)
        ], out)

        # Warm-ups (not counted: the first one fills the queue), then rounds of
        # healthz/orders/idle in turning order.
        kinds: list[tuple[str, int | None]] = [("orders", None), ("healthz", None)]
        for r in range(rounds):
            three = ["healthz", "orders", "idle"]
            kinds.extend((kind, r) for kind in three[r % 3:] + three[:r % 3])
        phases = phase_schedule(kinds, warmup_s=2.0, phase_s=phase_s, gap_s=gap_s)
        for inbox in inboxes:
            inbox.put(phases)

        stop = threading.Event()
        queue: list[tuple[float, int]] = []
        served: list[int] = []
        errors: list[str] = []
        barista = threading.Thread(target=_barista, args=(barista_rate, phases, stop, queue, served,
                                                         errors), daemon=True)
        barista.start()

        worker_pid = server.worker_pid()
        assert worker_pid is not None
        cpu = server_cpu_per_phase(worker_pid, "night", kinds, phases, gap_s)

        merged: list[dict[str, list[float]]] = [{} for _ in phases]
        for _ in workers:
            for i, phase in enumerate(out.get(timeout=120)):
                for key, latencies in phase.items():
                    merged[i].setdefault(key, []).extend(latencies)
        for worker in workers:
            worker.join(10)
        stop.set()
        barista.join(10)
        trouble = server.trouble()
        server.stop()

    # The server's CPU at rest, per second (median over the idle phases).
    at_rest = median([sum(used) / (end - start)
                      for (kind, rnd), (_, start, end), used in zip(kinds, phases, cpu, strict=True)
                      if kind == "idle" and rnd is not None])
    per_kind: dict[str, dict[str, list[Any]]] = {
        k: {"rps": [], "lat": [], "ok": [], "cpu": [], "answers": {}} for k in ("healthz", "orders")
    }
    measured = zip(kinds, phases, merged, cpu, strict=True)
    for (kind, rnd), (_, start, end), answers, used in measured:
        if rnd is None or kind == "idle":
            continue  # warm-up, or measured above
        count = sum(len(v) for v in answers.values())
        stats = per_kind[kind]
        stats["rps"].append(count / (end - start))
        for key, latencies in answers.items():
            stats["lat"].extend(latencies)
            if key in ("200", "201"):
                stats["ok"].extend(latencies)
            stats["answers"][key] = stats["answers"].get(key, 0) + len(latencies)
        stats["cpu"].append((sum(used) - at_rest * (end - start)) / max(1, count))
        if any(key == "0" or key.startswith("5") for key in answers):
            result.failures.append(f"{kind}: errors {({k: len(v) for k, v in answers.items()})}")

    def answers_text(answers: dict[str, int]) -> str:
        return ", ".join(f"{n} × {key}" for key, n in sorted(answers.items(), key=lambda kv: -kv[1]))

    for kind, label in (("healthz", "GET /healthz"), ("orders", "POST /api/orders")):
        stats = per_kind[kind]
        result.rows.append([
            label, f"{median(stats['rps']):.0f}", ms(percentile(stats["lat"], 50)),
            ms(percentile(stats["lat"], 99)), ms(median(stats["cpu"])),
            str(sum(stats["answers"].values())), answers_text(stats["answers"]),
        ])
    orders_stats = per_kind["orders"]
    accepted = orders_stats["answers"].get("201", 0)
    result.rows.append([
        "  of which placed (201)", "", ms(percentile(orders_stats["ok"], 50)),
        ms(percentile(orders_stats["ok"], 99)), "", str(accepted), "",
    ])
    cpu_ratio = median(per_kind["orders"]["cpu"]) / median(per_kind["healthz"]["cpu"])
    result.rows.append(["orders ÷ healthz", "", "", "", f"{cpu_ratio:.1f}×", "", ""])

    in_phases = [n for when, n in queue
                 if any(kind == "orders" and rnd is not None and start <= when < end
                        for (kind, rnd), (_, start, end) in zip(kinds, phases, strict=True))]
    if in_phases:
        result.notes.append(
            f"queue length while guests ordered (sampled by the barista): p50 "
            f"{percentile(in_phases, 50):.0f}, min {min(in_phases)}, max {max(in_phases)}; "
            f"{len(served)} drinks served in the run"
        )
    order_cpu = median(per_kind["orders"]["cpu"])
    result.aims.append(Aim(f"server CPU per order at a queue of ~{MAX_QUEUE}", ms(order_cpu),
                           f"≤ {ms(AIM_CPU_S)}", order_cpu <= AIM_CPU_S))
    result.notes.append(
        f"{rounds} round(s) of {phase_s:.0f} s per endpoint after warm-ups; requests/s and CPU/req "
        "are medians over rounds; server CPU/req is the gunicorn worker's user+system CPU over "
        f"the phase, less its CPU at rest ({ms(at_rest)} per second, from the idle phases), ÷ "
        "requests answered, refusals included (the barista's moves run in this process, but "
        "the server reads and fans out their events)."
    )
    if trouble:
        result.failures.append(summarise_trouble(trouble))
    result.failures.extend(errors)
    result.seconds = time.monotonic() - started
    return result
