"""What every benchmark needs: a throwaway bar, a `bar serve` subprocess, /proc readings,
percentiles and the result table.

The server is the real one (`python -m bar serve`, gunicorn's gevent worker) on a free
127.0.0.1 port, over a temporary data directory, configured only through `BAR_*`
environment variables. This process opens the same data directory through the core
(`bar.datadir.init`) to set up guests, codes and orders, exactly as the CLI would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "bar.toml"
HOST = "127.0.0.1"  # benchmarks never talk to anything else

# Limits far above any load here: the benchmarks measure speed, not the bar's rules.
LOAD_RULES = {
    "BAR_RULES_MODE": "party",
    "BAR_RULES_MAX_QUEUE": "1000000",
    "BAR_RULES_MAX_OPEN_ORDERS_PER_GUEST": "1000000",
    # Every benchmark client comes from 127.0.0.1 and orders back to back: 0 is no limit.
    "BAR_LIMITS_REGISTRATIONS_PER_MINUTE": "0",
    "BAR_LIMITS_LOGINS_PER_MINUTE": "0",
    "BAR_LIMITS_ORDERS_PER_MINUTE": "0",
}


# -- numbers ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "—"
    value = seconds * 1000
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def mb(kib: float) -> str:
    return f"{kib / 1024:.0f} MB"


# -- results ----------------------------------------------------------------------------


@dataclass
class Aim:
    """One figure against its aim: met True/False, or None when it could not be measured."""

    label: str
    value: str
    aim: str
    met: bool | None


@dataclass
class Result:
    name: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    aims: list[Aim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # lost orders/messages, 5xx, BUSY
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "?",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (kB) and Threads of a process, from /proc/<pid>/status."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def open_files(pid: int, containing: str) -> int:
    """How many of a process's file descriptors point at a path containing `containing`."""
    count = 0
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if containing in os.readlink(fd):
                    count += 1
            except OSError:
                pass
    except OSError:
        pass
    return count


_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds used so far by a process (all its threads)."""
    user, system = proc_cpu_split(pid)
    return user + system


def proc_cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by a process (all its threads)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan"), float("nan")
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) / _TICK, int(fields[12]) / _TICK


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry.name))
    return found


# -- a throwaway bar --------------------------------------------------------------------


class Bar:
    """A temporary data directory, its `BAR_*` environment, and the core opened on it."""

    def __init__(self, name: str, **env: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"bar-bench-{name}-"))
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.ws_url = f"ws://{HOST}:{self.port}/ws"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BAR_")},
            "BAR_CONFIG": str(CONFIG),
            "BAR_DATA_DIR": str(self.dir / "data"),
            "BAR_SERVER_HOST": HOST,
            "BAR_SERVER_PORT": str(self.port),
            "BAR_SERVER_PUBLIC_URL": self.base,  # no probing of the LAN address
            **LOAD_RULES,
            **env,
        }
        from bar import datadir
        from bar.config import load_settings

        self.settings = load_settings(environ=self.env)
        self.keys, _ = datadir.init(self.settings)  # this thread's connection, keys, menu
        self.servers: list[Server] = []

    def drink_ids(self) -> list[str]:
        return [d.id for d in self.settings.menu]

    def start_server(self) -> Server:
        """`bar serve` on the bar's port."""
        return self.start_servers(1)[0]

    def start_servers(self, count: int) -> list[Server]:
        """`count` `bar serve` processes on this bar's data (the bar's port, then free
        ports): several servers share one PostgreSQL database (`BAR_DATABASE_URL`)."""
        started = []
        for _ in range(count):
            server = Server(self, None if not self.servers else free_port())
            self.servers.append(server)
            server.start()
            started.append(server)
        return started

    def close(self) -> None:
        from bar.db import db

        for server in self.servers:
            server.stop()
        db.close()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- setup through the core (what `bar codes create`, `bar admin create` do) ---------

    def invite_code(self, max_uses: int) -> str:
        from bar import registration
        from bar.clock import utcnow

        now = utcnow()
        row = registration.create_code(
            max_uses=max_uses, expires_at=now + dt.timedelta(days=1), notes="bench", now=now
        )
        return str(row.code)

    def admin(self, name: str = "bench-admin", password: str = "bench password 1") -> tuple[str, str]:
        from bar import admins
        from bar.clock import utcnow

        admins.create_admin(name, password, now=utcnow())
        return name, password

    def guests_in_process(
        self, count: int, *, orders: int = 0, spread: dt.timedelta = dt.timedelta(0)
    ) -> list[dict[str, Any]]:
        """Register `count` guests with an invite code, each with `orders` pending orders.

        One transaction for all (the core's own transactions nest as savepoints), so
        1,000 guests take a second or two rather than 1,000 fsyncs. With `spread`, the
        orders are placed over that much of the past, oldest first, as a queue builds.
        """
        from bar import orders as core_orders
        from bar import registration
        from bar.clock import utcnow
        from bar.db import write

        code = self.invite_code(count)
        drinks = self.drink_ids()
        guests = []
        start = utcnow() - spread
        step = spread / max(1, count * orders)
        with write():
            for i in range(count):
                reg = registration.register(
                    self.settings, self.keys, code=code, username=f"Guest {i:04d}", now=utcnow()
                )
                placed = []
                for j in range(orders):
                    placed.append(core_orders.place_order(
                        self.settings, reg.guest, drink_id=drinks[(i + j) % len(drinks)],
                        now=start + step * (i * orders + j),
                    ).info)
                guests.append({
                    "user_key": reg.guest.user_key, "token": reg.access_token,
                    "orders": [(o.order_id, o.number) for o in placed],
                })
        return guests

    def guests_over_http(self, count: int) -> list[dict[str, Any]]:
        """Register `count` guests through `POST /api/register`, as phones do."""
        import requests

        code = self.invite_code(count)
        guests = []
        with requests.Session() as http:
            for i in range(count):
                response = http.post(
                    f"{self.base}/api/register", json={"username": f"Guest {i:03d}"},
                    headers={"X-Registration-Code": code}, timeout=30,
                )
                response.raise_for_status()
                body = response.json()
                guests.append({"user_key": body["user"]["user_key"], "token": body["access_token"]})
        return guests


# Lines in the server's log that mean trouble.
TROUBLE = re.compile(
    r"Traceback|database is locked|SQLITE_BUSY|\bbusy\b|\bERROR\b|\[ERROR\]|CRITICAL|WORKER TIMEOUT|"
    r"Exception",
    re.IGNORECASE,
)


class Server:
    """`python -m bar serve` on the bar's port (or `port`); stopped with SIGTERM. `env`
    adds to the bar's environment (`BAR_SERVER_TLS_CERT` and `…_KEY`: HTTPS and WSS)."""

    def __init__(self, bar: Bar, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.bar = bar
        self.port = bar.port if port is None else port
        self.env = {**bar.env, **(env or {})}
        secure = "BAR_SERVER_TLS_CERT" in self.env
        self.base = f"{'https' if secure else 'http'}://{HOST}:{self.port}"
        self.ws_url = f"{'wss' if secure else 'ws'}://{HOST}:{self.port}/ws"
        self.log_path = bar.dir / ("server.log" if port is None else f"server-{port}.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self, timeout: float = 30.0) -> None:
        from bar.db import db
        from bar.errors import ServerFailed
        from bar.up import wait_until_serving

        db.close()  # the server migrates/initialises too: no open connection in the way
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bar", "serve", "--host", HOST, "--port", str(self.port)],
            env=self.env, cwd=self.bar.dir, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(self.base, self.proc, timeout)
        except ServerFailed as failed:
            self.stop()
            raise RuntimeError(f"bar serve: {failed.message}:\n{self.log()}") from None
        deadline = time.monotonic() + timeout
        while not self.worker_pid():  # answering means the worker is up; its pid shows soon
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"bar serve answered but shows no worker:\n{self.log()}")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def worker_pid(self) -> int | None:
        """The gunicorn worker (the master's child): it holds the app and the sockets."""
        kids = children(self.pid)
        return kids[0] if kids else None

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def trouble(self) -> list[str]:
        """Log lines that mention errors, tracebacks, BUSY or locked databases."""
        return [line for line in self.log().splitlines() if TROUBLE.search(line)]


def wait_until(when: float) -> None:
    """Sleep until the wall-clock time `when` (time.time()), in short steps."""
    while (left := when - time.time()) > 0:
        time.sleep(min(left, 0.05))


def alternating_rounds(baseline: str, measured: str, rounds: int) -> list[tuple[str, int | None]]:
    """A warm-up of each (round None, not counted), then `rounds` pairs of `baseline` and
    `measured`, their order swapped every other round so neither always runs first."""
    kinds: list[tuple[str, int | None]] = [(baseline, None), (measured, None)]
    for r in range(rounds):
        pair = [(baseline, r), (measured, r)]
        kinds.extend(pair if r % 2 == 0 else pair[::-1])
    return kinds


def phase_schedule(
    kinds: list[tuple[str, int | None]], *, warmup_s: float, phase_s: float, gap_s: float,
    warmups: int = 2,
) -> list[tuple[str, float, float]]:
    """(kind, start, end) wall-clock times for each phase, back to back with `gap_s`
    between them; the first `warmups` last `warmup_s`, the others `phase_s`."""
    t = time.time() + 0.5
    phases = []
    for i, (kind, _) in enumerate(kinds):
        length = warmup_s if i < warmups else phase_s
        phases.append((kind, t, t + length))
        t += length + gap_s
    return phases


def server_cpu_per_phase(
    worker_pid: int, name: str, kinds: list[tuple[str, int | None]],
    phases: list[tuple[str, float, float]], gap_s: float,
) -> list[tuple[float, float]]:
    """Follow the phases as they happen: the server's (user, system) CPU seconds in each.
    With `--profile`, each counted phase (round not None) is py-spied."""
    cpu: list[tuple[float, float]] = []
    for (kind, rnd), (_, start, end) in zip(kinds, phases, strict=True):
        profile = Profile(worker_pid, f"{name}-server-{kind}-{rnd}")
        wait_until(start - gap_s * 0.75)
        if rnd is not None:
            profile.start()  # only with --profile
        wait_until(start)
        before = proc_cpu_split(worker_pid)
        wait_until(end)
        after = proc_cpu_split(worker_pid)
        cpu.append((after[0] - before[0], after[1] - before[1]))
        profile.stop()
    return cpu


def summarise_trouble(lines: Iterable[str], limit: int = 3) -> str:
    lines = list(lines)
    shown = "; ".join(line.strip()[:160] for line in lines[:limit])
    return f"{len(lines)} line(s) in the server log: {shown}"


def spawn_context() -> Any:
    """Client processes start fresh (no inherited SQLite connection, no forked threads)."""
    import multiprocessing

    return multiprocessing.get_context("spawn")


def start_clients(ctx: Any, target: Any, args_per_process: list[tuple[Any, ...]], out: Any) -> list[Any]:
    """Start one client process per argument tuple; wait until each says "ready"."""
    clients = [ctx.Process(target=target, args=args, daemon=True) for args in args_per_process]
    for client in clients:
        client.start()
    for _ in clients:
        if out.get(timeout=60) != "ready":
            raise RuntimeError("a client process did not start")
    return clients


def settings_with(settings: Any, **rules: Any) -> Any:
    return dataclasses.replace(settings, rules=dataclasses.replace(settings.rules, **rules))


class Profile:
    """`py-spy record` on a process while a phase runs, if BENCH_PROFILE is set.

    `python -m bench --profile DIR` sets it: each profiled phase leaves DIR/<name>.txt,
    py-spy's "raw" collapsed stacks (one line per stack with its sample count), which
    `python -m bench.hot DIR/<name>*.txt` summarises. Off by default: py-spy is not a
    dependency, and sampling costs the profiled process a little.
    """

    def __init__(self, pid: int | None, name: str, *, gil: bool = False) -> None:
        self.pid, self.name, self.gil = pid, name, gil
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def enabled() -> bool:
        return bool(os.environ.get("BENCH_PROFILE"))

    def start(self) -> Profile:
        target = os.environ.get("BENCH_PROFILE")
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not target or self.pid is None or not Path(spy).exists():
            return self
        Path(target).mkdir(parents=True, exist_ok=True)
        args = [spy, "record", "-p", str(self.pid), "-o", str(Path(target) / f"{self.name}.txt"),
                "-f", "raw", "-r", "250", "--nonblocking"]
        if self.gil or os.environ.get("BENCH_PROFILE_GIL"):
            args.append("--gil")  # only samples holding the GIL: where Python CPU goes
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def __enter__(self) -> Profile:
        self.start()
        if self.proc is not None:
            time.sleep(0.3)  # attached before the phase starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
