"""`bar up`: the web server in a child process and the kiosk in the foreground.

The server runs as `bar serve` in its own process (its own GIL: a busy TUI never
slows the phones down) with its output in `<data_dir>/server.log`, so it cannot
scribble over the TUI. Quitting the kiosk, or Ctrl+C, stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bar.config import Settings
from bar.errors import ServerFailed

STARTUP_TIMEOUT = 20.0


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
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    host = "[::1]" if host == "::" else host
    try:
        wait_until_serving(f"http://{host}:{settings.port}", process)
    except ServerFailed as failed:
        if process.poll() is not None:
            raise ServerFailed(f"the web server stopped at start: {_last_line(log_path)}") from None
        stop_server(process)
        raise ServerFailed(f"{failed.message}; see {log_path}") from None
    return process


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
            with urllib.request.urlopen(url, timeout=1) as response:
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
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
