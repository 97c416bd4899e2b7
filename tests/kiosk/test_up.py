"""`bar up` for real: in a pseudo-terminal, the kiosk and the web server together."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.request

import pytest

from tests.conftest import SAMPLE_CONFIG
from tests.webapp.test_server import free_port


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _wait(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("quit_key", [b"q", b"\x03"], ids=["q", "ctrl-c"])
def test_bar_up_serves_phones_and_quitting_the_kiosk_stops_both(tmp_path, quit_key):
    port = free_port()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "BAR_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bar", "--config", str(SAMPLE_CONFIG), "up",
         "--host", "127.0.0.1", "--port", str(port), "--barista", "Sam"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()

    def read_screen() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=read_screen, daemon=True)
    reader.start()
    try:
        assert _wait(lambda: _healthy(port), 30), screen.decode(errors="replace")[-2000:]
        assert _wait(lambda: b"Scan to join" in screen, 30)
        assert b"/j/" in screen  # the first-run invite, printed and on the panel
        os.write(master, quit_key)
        assert process.wait(timeout=20) == 0
        assert not _healthy(port)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
