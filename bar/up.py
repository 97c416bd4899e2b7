"""`bar up`: the web server in a child process and the kiosk in the foreground.

The server runs as `bar serve` in its own process (its own GIL: a busy TUI never
slows the phones down) with its output in `<data_dir>/server.log`, so it cannot
scribble over the TUI. Quitting the kiosk, or Ctrl+C, stops both.

`WebServer` is that child as the kiosk sees it: whether it is running, starting or
gone (and why), and a restart; `bar.health` turns that and `/healthz` into what the
kiosk's header says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bar.config import Settings
from bar.errors import ServerFailed
from bar.net import check_port_free
from bar.tls import loopback_opener

STARTUP_TIMEOUT = 20.0
PORT_FREE_TIMEOUT = 5.0  # a restart waits this long for the old server's port


def serve_command(settings: Settings) -> list[str]:
    command = [sys.executable, "-m", "bar", "--data-dir", str(settings.data_dir)]
    if settings.config_path:
        command += ["--config", str(settings.config_path)]
    return command + ["serve", "--host", settings.host, "--port", str(settings.port)]


def start_server(settings: Settings) -> subprocess.Popen[bytes]:
    """Start `bar serve` and wait until it answers /healthz."""
    log_path = settings.data_dir / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            serve_command(settings), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: the terminal's Ctrl+C goes to the kiosk, which then
            # stops the server in order, instead of both dying at once.
            start_new_session=True,
        )
    try:
        wait_until_serving(local_url(settings), process)
    except ServerFailed as failed:
        if process.poll() is not None:
            raise ServerFailed(f"the web server stopped at start: {_last_line(log_path)}") from None
        stop_server(process)
        raise ServerFailed(f"{failed.message}; see {log_path}") from None
    return process


def local_url(settings: Settings) -> str:
    """Where this machine reaches the `bar serve` of `settings` (loopback for a wildcard)."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    host = "[::1]" if host == "::" else f"[{host}]" if ":" in host else host
    scheme = "https" if settings.tls_cert or settings.tls_key else "http"
    return f"{scheme}://{host}:{settings.port}"


def watched_url(settings: Settings) -> str:
    """The web server a `bar kiosk` watches: the bar's `server.public_url` when set (a
    kiosk on a laptop that runs no server of its own), else this machine's."""
    return settings.public_url or local_url(settings)


def wait_until_serving(
    base_url: str, process: subprocess.Popen[Any], timeout: float = STARTUP_TIMEOUT
) -> None:
    """Wait until the `bar serve` in `process` answers `base_url`/healthz with a 200.

    Raises ServerFailed if the process exits first or `timeout` seconds pass.
    """
    url = f"{base_url}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"the web server stopped at start (exit status {process.returncode})")
        try:
            with loopback_opener().open(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise ServerFailed(f"the web server did not answer on {url} within {timeout:.0f} s")


def stop_server(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _last_line(path: Path) -> str:
    """The last line of the server's log (read from its end: the log grows all night)."""
    try:
        with open(path, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
            tail = log.read().decode(errors="replace")
    except OSError:
        return "no output"
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _exit_reason(status: int, log: Path) -> str:
    """Why the server stopped: the signal that killed it, or its exit status and the
    last line it wrote (a crash's last line says what went wrong)."""
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}: {_last_line(log)}"


@dataclass(frozen=True)
class ServerState:
    """`bar up`'s server as its process stands (not whether it answers: `bar.health`)."""

    running: bool  # the process is alive
    starting: bool = False  # a (re)start is under way
    reason: str = ""  # not running: why ("killed by SIGKILL", "exit status 1: <last line>")


class WebServer:
    """`bar up`'s own `bar serve`: started, watched, and restarted when it died.

    Thread-safe: the kiosk reads `state()` on one thread while a restart runs on another.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = local_url(settings)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._starting = False
        self._closed = False  # stopped for good: a restart under way must not leave one
        self._failed = ""  # why the last (re)start failed
        self._exited: tuple[subprocess.Popen[bytes], str] | None = None  # and why, read once

    def start(self) -> None:
        """Start `bar serve` and wait until it answers (raises ServerFailed)."""
        with self._lock:
            if self._starting or self._closed:
                raise ServerFailed("the web server is already starting")
            self._starting = True
        self._start()

    def restart(self, done: Callable[[], None] | None = None) -> bool:
        """Stop the server if it is still there and start a new one, on a thread of its
        own; `done()` is called after, whether it worked or not (`state()` says which).

        Returns False (and does nothing) while a start is under way already. From the
        moment it returns, `state()` says the server is starting.
        """
        with self._lock:
            if self._starting or self._closed:
                return False
            self._starting = True

        def run() -> None:
            try:
                self._start()
            except ServerFailed:
                pass  # kept in `_failed`: `state()` says why
            finally:
                if done is not None:
                    done()

        threading.Thread(target=run, name="bar-up-restart", daemon=True).start()
        return True

    def _start(self) -> None:
        """Stop the old server, start a new one; `_starting` is set by the caller."""
        with self._lock:
            old = self._process
        process = None
        try:
            if old is not None:
                stop_server(old)  # a server that stopped answering still holds the port
            self._wait_for_port()
            process = start_server(self.settings)
        except ServerFailed as failed:
            self._failed = failed.message
            raise
        except OSError as exc:  # e.g. the log cannot be opened: the same one line
            self._failed = f"the web server could not start: {exc}"
            raise ServerFailed(self._failed) from None
        finally:
            with self._lock:
                self._process, self._starting = process, False
                closed = self._closed
            if closed and process is not None:  # `bar up` quit while it started
                stop_server(process)

    def _wait_for_port(self, timeout: float = PORT_FREE_TIMEOUT) -> None:
        """Wait until the port is free; PortInUse (one clear line) if it stays taken.

        gunicorn's worker outlives a master killed outright by up to a second (it
        notices its parent is gone), still holding the port; another `bar up` may also
        have taken it since, and that one does not go away.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                check_port_free(self.settings.host, self.settings.port)
                return
            except ServerFailed:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server for good (`bar up` quits); a start under way stops it too."""
        with self._lock:
            process, self._process, self._closed = self._process, None, True
        if process is not None:
            stop_server(process)

    def state(self) -> ServerState:
        with self._lock:
            process, starting = self._process, self._starting
        if starting:
            return ServerState(running=False, starting=True)
        if process is None:
            return ServerState(running=False, reason=self._failed or "not started")
        status = process.poll()
        if status is None:
            return ServerState(running=True)
        if self._exited is None or self._exited[0] is not process:
            self._exited = (process, _exit_reason(status, self.settings.data_dir / "server.log"))
        return ServerState(running=False, reason=self._exited[1])

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None
