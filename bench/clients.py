"""The client side of the benchmarks: code that runs in spawned processes.

Nothing here imports the bar: a client is a phone, it only speaks HTTP and WebSocket
to 127.0.0.1. Each function is a process entry point (picklable, top level).
"""

from __future__ import annotations

import json
import selectors
import ssl
import threading
import time
import uuid
from typing import Any

from bench.common import spawn_context, wait_until

# -- HTTP: guests placing orders -------------------------------------------------------


def _each_guest(run: Any, guests: list[dict[str, Any]]) -> None:
    """`run(index, guest)` for every guest at once, one thread each; returns when all end."""
    threads = [threading.Thread(target=run, args=(i, g)) for i, g in enumerate(guests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def http_phases(
    base: str, guests: list[dict[str, Any]], drinks: list[str], inbox: Any, out: Any,
) -> None:
    """One thread per guest, each with its own keep-alive session, through the phases.

    Puts "ready" on `out`, then reads the phases from `inbox`: (kind, start, end) in
    time.time(), kind "healthz" or "orders". A request counts for a phase if it
    completes before the phase ends. Puts on `out`, per phase: (latencies in s,
    {status: count}).
    """
    import requests

    out.put("ready")
    phases: list[tuple[str, float, float]] = inbox.get()

    results: list[list[tuple[list[float], dict[int, int]]]] = []
    lock = threading.Lock()

    def run(index: int, guest: dict[str, Any]) -> None:
        mine: list[tuple[list[float], dict[int, int]]] = []
        auth = {"Authorization": f"Bearer {guest['token']}"}
        with requests.Session() as http:
            for kind, start, end in phases:
                latencies: list[float] = []
                statuses: dict[int, int] = {}
                wait_until(start)
                n = index
                while time.time() < end:
                    t0 = time.perf_counter()
                    try:
                        if kind == "healthz":
                            status = http.get(f"{base}/healthz", timeout=30).status_code
                        else:
                            n += 1
                            status = http.post(
                                f"{base}/api/orders",
                                json={"drink_id": drinks[n % len(drinks)]},
                                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                                timeout=30,
                            ).status_code
                    except requests.RequestException:
                        status = 0
                    took = time.perf_counter() - t0
                    if time.time() <= end:
                        latencies.append(took)
                        statuses[status] = statuses.get(status, 0) + 1
                mine.append((latencies, statuses))
        with lock:
            results.append(mine)

    _each_guest(run, guests)
    merged = []
    for p in range(len(phases)):
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        for mine in results:
            latencies.extend(mine[p][0])
            for status, count in mine[p][1].items():
                statuses[status] = statuses.get(status, 0) + count
        merged.append((latencies, statuses))
    out.put(merged)


def http_paced(
    base: str, guests: list[dict[str, Any]], drinks: list[str], per_guest_s: float,
    inbox: Any, out: Any,
) -> None:
    """Like `http_phases`, but each guest sends one request every `per_guest_s` seconds
    (sooner if late) instead of back to back: a load the server can keep up with, so
    latency is the time to serve a request, not the time spent queueing for one.

    Kind "healthz", "orders" or "idle" (no requests: the server's CPU at rest). Puts on
    `out`, per phase: ({status or "409 <code>": [latencies in s]}).
    """
    import requests

    out.put("ready")
    phases: list[tuple[str, float, float]] = inbox.get()

    results: list[list[dict[str, list[float]]]] = []
    lock = threading.Lock()

    def run(index: int, guest: dict[str, Any]) -> None:
        mine: list[dict[str, list[float]]] = []
        auth = {"Authorization": f"Bearer {guest['token']}"}
        with requests.Session() as http:
            for kind, start, end in phases:
                found: dict[str, list[float]] = {}
                if kind == "idle":
                    mine.append(found)
                    continue
                # Guests spread over the interval, not all at its start.
                due = start + per_guest_s * index / max(1, len(guests))
                n = index
                while True:
                    wait_until(due)
                    if time.time() >= end:
                        break
                    due += per_guest_s
                    t0 = time.perf_counter()
                    try:
                        if kind == "healthz":
                            response = http.get(f"{base}/healthz", timeout=30)
                        else:
                            n += 1
                            response = http.post(
                                f"{base}/api/orders", json={"drink_id": drinks[n % len(drinks)]},
                                headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, timeout=30,
                            )
                        took = time.perf_counter() - t0
                        key = str(response.status_code)
                        if 400 <= response.status_code < 500:
                            key += " " + str(response.json()["error"]["code"])
                    except (requests.RequestException, ValueError, KeyError):
                        took, key = time.perf_counter() - t0, "0"
                    if time.time() <= end:
                        found.setdefault(key, []).append(took)
                mine.append(found)
        with lock:
            results.append(mine)

    _each_guest(run, guests)
    merged: list[dict[str, list[float]]] = []
    for p in range(len(phases)):
        phase: dict[str, list[float]] = {}
        for mine in results:
            for key, latencies in mine[p].items():
                phase.setdefault(key, []).extend(latencies)
        merged.append(phase)
    out.put(merged)


def http_burst(
    base: str, guests: list[dict[str, Any]], drinks: list[str], per_guest: int,
    inbox: Any, out: Any,
) -> None:
    """Each guest (a thread) places `per_guest` orders back to back from a start time.

    Puts "ready" on `out`, reads the start time (time.time()) from `inbox`, then puts
    on `out` a list of (order_id or None, status, t_sent, t_acknowledged).
    """
    import requests

    out.put("ready")
    start: float = inbox.get()

    done: list[tuple[str | None, int, float, float]] = []
    lock = threading.Lock()

    def run(index: int, guest: dict[str, Any]) -> None:
        mine = []
        auth = {"Authorization": f"Bearer {guest['token']}"}
        with requests.Session() as http:
            http.get(f"{base}/healthz", timeout=30)  # the connection, before the clock starts
            wait_until(start)
            for n in range(per_guest):
                t0 = time.time()
                order_id, status = None, 0
                try:
                    response = http.post(
                        f"{base}/api/orders",
                        json={"drink_id": drinks[(index + n) % len(drinks)]},
                        headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, timeout=60,
                    )
                    status = response.status_code
                    if status == 201:
                        order_id = response.json()["order"]["order_id"]
                except requests.RequestException:
                    pass
                mine.append((order_id, status, t0, time.time()))
        with lock:
            done.extend(mine)

    _each_guest(run, guests)
    out.put(done)


# -- WebSocket: guests watching their orders and the board ------------------------------


class FrameReader:
    """Server-to-client WebSocket frames from a byte stream (unmasked, per RFC 6455)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._fragments: list[bytes] = []
        self._opcode = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Complete messages as (opcode, payload); control frames come through as they are."""
        self.buffer += data
        buf, i, found = self.buffer, 0, []
        while len(buf) - i >= 2:
            b0, b1 = buf[i], buf[i + 1]
            fin, opcode, length, j = b0 & 0x80, b0 & 0x0F, b1 & 0x7F, i + 2
            if length == 126:
                if len(buf) - j < 2:
                    break
                length, j = int.from_bytes(buf[j:j + 2], "big"), j + 2
            elif length == 127:
                if len(buf) - j < 8:
                    break
                length, j = int.from_bytes(buf[j:j + 8], "big"), j + 8
            mask = None
            if b1 & 0x80:
                if len(buf) - j < 4:
                    break
                mask, j = bytes(buf[j:j + 4]), j + 4
            if len(buf) - j < length:
                break
            payload = bytes(buf[j:j + length])
            if mask:
                payload = bytes(b ^ mask[k % 4] for k, b in enumerate(payload))
            i = j + length
            if opcode >= 8:  # control frames are never fragmented
                found.append((opcode, payload))
            elif not fin:
                self._opcode = opcode or self._opcode
                self._fragments.append(payload)
            elif opcode == 0:
                self._fragments.append(payload)
                found.append((self._opcode, b"".join(self._fragments)))
                self._fragments = []
            else:
                found.append((opcode, payload))
        del buf[:i]
        return found


def phone_address(index: int, per_address: int = 1, network: int = 10) -> str:
    """The loopback address of phone `index` (in 127.<network>…): its own, or shared by
    `per_address` phones (tabs, a household NAT), so per-address caps behave as at a party."""
    slot = index // per_address
    return f"127.{network + slot // 62_500}.{slot // 250 % 250}.{1 + slot % 250}"


def connect_from(address: str, host: str, port: int, timeout: float = 30) -> Any:
    """A TCP connection to host:port from the loopback `address`."""
    import socket

    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(timeout)
    sock.connect((host, port))
    return sock


def ws_guests(url: str, guests: list[dict[str, Any]], control: Any) -> None:
    """Hold one WebSocket per guest, subscribed to its own channel and `display`.

    Each guest's socket comes from `guest["address"]` (a loopback address) if given.

    One selector loop reads every socket (a thread per socket would spend this
    2-core machine on context switches); the receipt time is taken as the bytes are
    read, before any parsing. Talks to the benchmark over `control` (a Pipe end):
    → ("ready", n) once all are subscribed, or ("error", text)
    ← ("collect", moves, deadline): moves = [(number, status, user_key, commit_t, phase)]
    → ("result", {...}) once every expected message arrived or the deadline passed
    ← ("close",)
    """
    from urllib.parse import urlsplit

    import websocket

    target = urlsplit(url)
    # wss:// to the bench's own server on loopback: its certificate is not the point.
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    sockets: list[Any] = []
    try:
        for guest in guests:
            sock = None
            if guest.get("address"):
                sock = connect_from(guest["address"], target.hostname or "", target.port or 80)
                if target.scheme == "wss":  # given a socket, websocket-client does no TLS
                    sock = unverified.wrap_socket(sock, server_hostname=target.hostname)
            ws = websocket.create_connection(url, timeout=30, skip_utf8_validation=True,
                                             socket=sock, sslopt={"context": unverified})
            ws.send(json.dumps({"type": "auth", "token": guest["token"]}))
            reply = json.loads(ws.recv())
            if reply.get("type") != "auth_ok":
                raise RuntimeError(f"auth refused: {reply}")
            channels = [f"orders/{guest['user_key']}", "display"]
            ws.send(json.dumps({"type": "subscribe", "channels": channels}))
            while True:  # unread notifications may come first
                reply = json.loads(ws.recv())
                if reply.get("type") == "subscribed":
                    break
                if reply.get("type") == "error":
                    raise RuntimeError(f"subscribe refused: {reply}")
            sockets.append(ws)
    except Exception as exc:  # reported, then the benchmark decides
        control.send(("error", f"{type(exc).__name__}: {exc} (after {len(sockets)} sockets)"))
        for ws in sockets:
            ws.close()
        return
    control.send(("ready", len(sockets)))

    selector = selectors.DefaultSelector()
    readers = [FrameReader() for _ in sockets]
    # Per socket: (is_display, number, status) -> receipt time; duplicates counted.
    received: list[dict[tuple[bool, int, str], float]] = [{} for _ in sockets]
    duplicates = [0]
    closed = [0]
    for index, ws in enumerate(sockets):
        selector.register(ws.sock, selectors.EVENT_READ, index)
    control_fd = control.fileno()
    selector.register(control_fd, selectors.EVENT_READ, -1)

    def read(index: int) -> None:
        ws = sockets[index]
        try:
            data = ws.sock.recv(65536)
        except (TimeoutError, BlockingIOError):
            return
        except OSError:
            data = b""
        now = time.time()
        if not data:
            selector.unregister(ws.sock)
            closed[0] += 1
            return
        for opcode, payload in readers[index].feed(data):
            if opcode == 1:
                message = json.loads(payload)
                if message.get("type") != "event":
                    continue
                event = message["event"]
                key = (message["channel"] == "display", int(event["number"]), str(event["status"]))
                if key in received[index]:
                    duplicates[0] += 1
                else:
                    received[index][key] = now
            elif opcode == 9:  # ping: answer, or the server drops us
                try:
                    ws.pong(payload)
                except Exception:
                    pass

    expected_moves: list[tuple[int, str, str, float, str]] | None = None
    deadline = 0.0
    while True:
        timeout = 0.5 if expected_moves is None else max(0.0, min(0.2, deadline - time.time()))
        for key, _ in selector.select(timeout):
            if key.data >= 0:
                read(key.data)
                continue
            command = control.recv()
            if command[0] == "close":
                for ws in sockets:
                    try:
                        ws.close(timeout=1)
                    except Exception:
                        pass
                return
            if command[0] == "collect":
                expected_moves, deadline = command[1], command[2]
        if expected_moves is not None:
            complete = _complete(guests, received, expected_moves)
            if complete or time.time() >= deadline:
                control.send(("result", _report(guests, received, expected_moves,
                                                duplicates[0], closed[0])))
                expected_moves = None


def start_phones(ws_url: str, guests: list[dict[str, Any]], procs: int) -> tuple[
    list[Any], list[Any], list[str]
]:
    """Hold `guests`' WebSockets in `procs` client processes (`ws_guests`), and wait until
    each has connected and subscribed its share. Returns their control pipes, the
    processes, and the errors they reported; `stop_phones` ends them."""
    ctx = spawn_context()
    pipes, processes = [], []
    for p in range(procs):
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=ws_guests, args=(ws_url, guests[p::procs], theirs),
                              daemon=True)
        process.start()
        pipes.append(mine)
        processes.append(process)
    errors = []
    for pipe in pipes:
        if not pipe.poll(180):
            errors.append("a client process did not connect within 180 s")
            continue
        reply = pipe.recv()
        if reply[0] != "ready":
            errors.append(str(reply[1]))
    return pipes, processes, errors


def stop_phones(pipes: list[Any], processes: list[Any]) -> None:
    """Tell the client processes of `start_phones` to close their sockets, and end them."""
    for pipe in pipes:
        try:
            pipe.send(("close",))
        except (OSError, BrokenPipeError):
            pass
    for process in processes:
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join(5)


def _expected(guest: dict[str, Any], moves: list[tuple[int, str, str, float, str]]):  # noqa: ANN202
    for number, status, user_key, commit, phase in moves:
        yield (True, number, status), commit, phase
        if user_key == guest["user_key"]:
            yield (False, number, status), commit, phase


def _complete(guests: list[dict[str, Any]], received: list[dict[Any, float]],
              moves: list[tuple[int, str, str, float, str]]) -> bool:
    for guest, got in zip(guests, received, strict=True):
        for key, _, _ in _expected(guest, moves):
            if key not in got:
                return False
    return True


def _report(guests: list[dict[str, Any]], received: list[dict[Any, float]],
            moves: list[tuple[int, str, str, float, str]], duplicates: int,
            closed: int) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {}
    last_receipt: dict[str, float] = {}
    own: dict[str, list[float]] = {}
    missing = 0
    for guest, got in zip(guests, received, strict=True):
        for key, commit, phase in _expected(guest, moves):
            t = got.get(key)
            if t is None:
                missing += 1
                continue
            latencies.setdefault(phase, []).append(t - commit)
            last_receipt[phase] = max(last_receipt.get(phase, 0.0), t)
            if not key[0]:
                own.setdefault(phase, []).append(t - commit)
    return {"latencies": latencies, "own": own, "last_receipt": last_receipt,
            "missing": missing, "duplicates": duplicates, "closed": closed,
            "expected": sum(1 for g in guests for _ in _expected(g, moves))}


def ws_admin(url: str, token: str, found: dict[str, float], stop: threading.Event,
             errors: list[str], ready: threading.Event) -> None:
    """An admin socket on `admin` (a thread): order_id -> receipt time of each NEW_ORDER."""
    import websocket

    try:
        ws = websocket.create_connection(url, timeout=30, skip_utf8_validation=True)
        ws.send(json.dumps({"type": "auth", "token": token}))
        ws.send(json.dumps({"type": "subscribe", "channels": ["admin"]}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("type") == "subscribed":
                break
            if reply.get("type") == "error":
                raise RuntimeError(str(reply))
    except Exception as exc:
        errors.append(f"admin socket: {exc}")
        ready.set()
        return
    ready.set()
    ws.settimeout(0.2)
    try:
        while not stop.is_set():
            try:
                opcode, data = ws.recv_data(control_frame=False)
            except websocket.WebSocketTimeoutException:
                continue
            now = time.time()
            if opcode != 1:
                continue
            message = json.loads(data)
            if message.get("type") == "event" and message["event"].get("type") == "NEW_ORDER":
                found.setdefault(message["event"]["order_id"], now)
    except Exception as exc:
        if not stop.is_set():
            errors.append(f"admin socket: {exc}")
    finally:
        try:
            ws.close(timeout=1)
        except Exception:
            pass
