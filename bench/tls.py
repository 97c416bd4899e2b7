"""tls: what HTTPS costs the server, against plain HTTP on the same bar in the same run.

One bar (SQLite), two `bar serve` processes on its data: one plain, one with
`server.tls_cert`/`tls_key` (a throwaway certificate from `tests.certs`). Three
measurements, plain and TLS alternating so neither always runs first:

- keep-alive: 4 client threads, each on one kept-alive connection, ask `GET /healthz` as
  fast as they are answered: requests/s of TLS as a share of plain. Once a phone holds a
  connection, encryption should cost little.
- new connections: a phone that just joined (or came back after the Wi-Fi dropped)
  opens a connection from its own loopback address, shakes hands, asks `/healthz` and
  closes. Latency p50/p99 and the server worker's CPU per connection: the handshake's
  price. Aim: ≤ 5 ms of server CPU per TLS connection, so 1,000 phones coming back at
  once cost at most 5 s of CPU (2.5 s on these 2 cores).
- sockets: N phones hold a signed-in WebSocket each (ws:// then wss://); the worker's
  RSS before and after, per socket. Aim: ≤ 100 KiB per WSS socket (1,000 phones in
  100 MiB).

Anything refused or failed (a non-200, a socket not accepted) fails the run.
"""

from __future__ import annotations

import http.client
import ssl
import tempfile
import threading
import time
from pathlib import Path

from bench.clients import phone_address, start_phones, stop_phones
from bench.common import (
    HOST,
    Aim,
    Bar,
    Result,
    Server,
    alternating_rounds,
    free_port,
    mb,
    median,
    ms,
    percentile,
    proc_cpu,
    proc_status,
    summarise_trouble,
)

THREADS = 4
AIM_KEEPALIVE = 0.80  # TLS requests/s ÷ plain, on kept-alive connections
AIM_HANDSHAKE_CPU_S = 0.005
AIM_SOCKET_KIB = 100


def _unverified() -> ssl.SSLContext:
    """The bench's own server on loopback: its certificate is not the point here. One
    context for every connection: making one loads the system's CAs (tens of ms)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


UNVERIFIED = _unverified()


def run(quick: bool = False) -> Result:
    started = time.monotonic()
    rounds = 1 if quick else 3
    phase_s = 1.0 if quick else 3.0
    connections = 50 if quick else 300
    phones = 50 if quick else 500
    result = Result(
        "tls",
        f"tls — one bar, a plain and an HTTPS bar serve; keep-alive: {THREADS} threads; new "
        f"connections: {connections} per round, each from its own address; sockets: {phones} phones",
        ["server", "keep-alive req/s", "new conn. p50 / p99", "CPU per new conn.",
         "RSS per socket", "refused"],
    )
    from tests.certs import issue

    with tempfile.TemporaryDirectory(prefix="bar-bench-certs-") as certs_dir:
        certs = issue(Path(certs_dir))
        with Bar("tls") as bar:
            plain = bar.start_server()
            secure = Server(bar, free_port(), env={"BAR_SERVER_TLS_CERT": str(certs.cert),
                                      "BAR_SERVER_TLS_KEY": str(certs.key)})
            bar.servers.append(secure)
            secure.start()
            servers = {"plain": plain, "tls": secure}
            kept = _keepalive(servers, rounds, phase_s, result)
            fresh = _new_connections(servers, rounds, connections, result)
            sockets = _sockets(bar, servers, phones, result)
            trouble = [line for s in servers.values() for line in s.trouble()]
    if trouble:
        result.failures.append(summarise_trouble(trouble))

    for name in servers:
        refused = kept[name][1] + fresh[name][3]
        result.rows.append([
            "HTTP" if name == "plain" else "HTTPS", f"{kept[name][0]:.0f}",
            f"{ms(fresh[name][0])} / {ms(fresh[name][1])}", ms(fresh[name][2]),
            f"{sockets[name]:.0f} KiB", str(refused),
        ])
        if refused:
            result.failures.append(f"{name}: {refused} request(s) failed or refused")
    # Each round's pair ran back to back: their ratio holds while the machine's load moves.
    ratio = median([tls / plain for plain, tls in zip(kept["plain"][2], kept["tls"][2], strict=True)
                    if plain])
    if not quick:
        result.aims.extend([
            Aim("keep-alive: HTTPS ÷ HTTP requests/s", f"{ratio:.0%}", f"≥ {AIM_KEEPALIVE:.0%}",
                ratio >= AIM_KEEPALIVE),
            Aim("server CPU per new HTTPS connection", ms(fresh["tls"][2]),
                f"≤ {ms(AIM_HANDSHAKE_CPU_S)}", fresh["tls"][2] <= AIM_HANDSHAKE_CPU_S),
            Aim("RSS per WSS socket", f"{sockets['tls']:.0f} KiB", f"≤ {AIM_SOCKET_KIB} KiB",
                sockets["tls"] <= AIM_SOCKET_KIB),
        ])
    result.notes.append(
        f"keep-alive HTTPS ÷ HTTP: the median of each round's pair, {ratio:.0%}; {rounds} round(s) "
        f"of {phase_s:.0f} s per server after 1 s warm-ups, medians. CPU per new connection: the "
        "worker's user+system CPU over the round ÷ connections (handshake, request, close), "
        "with an ECDSA P-256 certificate (an RSA key costs the server more per handshake)."
    )
    result.seconds = time.monotonic() - started
    return result


def _connection(server: Server, address: str | None = None) -> http.client.HTTPConnection:
    if server.base.startswith("https:"):
        return http.client.HTTPSConnection(HOST, server.port, timeout=30, context=UNVERIFIED,
                                           source_address=(address, 0) if address else None)
    return http.client.HTTPConnection(HOST, server.port, timeout=30,
                                      source_address=(address, 0) if address else None)


def _ask(server: Server, until: float, counts: list[int], errors: list[int], i: int) -> None:
    """Thread `i`: `/healthz` on one kept-alive connection until `until` (monotonic)."""
    conn = _connection(server)
    try:
        while time.monotonic() < until:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                counts[i] += 1
            else:
                errors[i] += 1
    except OSError:
        errors[i] += 1
    finally:
        conn.close()


def _keepalive(servers: dict[str, Server], rounds: int, phase_s: float,
               result: Result) -> dict[str, tuple[float, int, list[float]]]:
    """Per server: (median requests/s over the rounds, failed requests, each round's rate)."""
    rates: dict[str, list[float]] = {name: [] for name in servers}
    failed = dict.fromkeys(servers, 0)
    for name, rnd in alternating_rounds("plain", "tls", rounds):
        length = 1.0 if rnd is None else phase_s
        counts = [0] * THREADS
        errors = [0] * THREADS
        end = time.monotonic() + length

        threads = [threading.Thread(target=_ask, args=(servers[name], end, counts, errors, i))
                   for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if rnd is not None:
            rates[name].append(sum(counts) / length)
            failed[name] += sum(errors)
    result.notes.append("keep-alive req/s per round: " + "; ".join(
        f"{name} {', '.join(f'{r:.0f}' for r in values)}" for name, values in rates.items()))
    return {name: (median(rates[name]), failed[name], rates[name]) for name in servers}


def _new_connections(servers: dict[str, Server], rounds: int, count: int,
                     result: Result) -> dict[str, tuple[float, float, float, int]]:
    """Per server: (latency p50, p99, worker CPU per connection, failed)."""
    latencies: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, list[float]] = {name: [] for name in servers}
    failed = dict.fromkeys(servers, 0)
    for n, (name, rnd) in enumerate(alternating_rounds("plain", "tls", rounds)):
        server = servers[name]
        worker = server.worker_pid()
        assert worker is not None
        before = proc_cpu(worker)
        for i in range(count if rnd is not None else 10):
            address = phone_address(n * count + i, network=30)
            began = time.perf_counter()
            conn = _connection(server, address)
            try:
                conn.request("GET", "/healthz", headers={"Connection": "close"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            finally:
                conn.close()
            if rnd is None:
                continue
            latencies[name].append(time.perf_counter() - began)
            failed[name] += not ok
        if rnd is not None:
            cpu[name].append((proc_cpu(worker) - before) / count)
    result.notes.append("server CPU per new connection per round: " + "; ".join(
        f"{name} {', '.join(ms(c) for c in values)}" for name, values in cpu.items()))
    return {name: (percentile(latencies[name], 50), percentile(latencies[name], 99),
                   median(cpu[name]), failed[name]) for name in servers}


def _sockets(bar: Bar, servers: dict[str, Server], phones: int, result: Result) -> dict[str, float]:
    """Per server: the worker's RSS growth per signed-in WebSocket, in KiB."""
    guests = bar.guests_in_process(phones)
    grown: dict[str, float] = {}
    for name, server in servers.items():
        for i, guest in enumerate(guests):
            guest["address"] = phone_address(i, network=40 if name == "plain" else 50)
        worker = server.worker_pid()
        assert worker is not None
        before = proc_status(worker)["VmRSS"]
        pipes, processes, errors = start_phones(server.ws_url, guests, procs=2)
        try:
            time.sleep(1.0)  # let the worker settle what the handshakes allocated
            after = proc_status(worker)["VmRSS"]
        finally:
            stop_phones(pipes, processes)
        if errors:
            result.failures.append(f"{name} sockets: {errors[0]}")
        grown[name] = (after - before) / phones
        result.notes.append(f"{name}: worker RSS {mb(before)} → {mb(after)} with {phones} sockets")
    return grown

