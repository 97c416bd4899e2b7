"""A fake network receipt printer for tests: a TCP server on loopback that keeps every
byte it is sent, and can be switched off (connections refused) and on again on its port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from tests.escpos_render import Paper, read


class FakePrinter:
    """Listens on 127.0.0.1 (a free port); `received` is every byte of every connection,
    in the order the connections came. `off()` closes the port; `on()` opens it again.

    `reading=False`: a printer that accepts connections and never reads from them (nor
    answers) until `start_reading()`.
    """

    def __init__(self, *, reading: bool = True) -> None:
        self.port = 0
        self.reading = threading.Event()
        if reading:
            self.reading.set()
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self.connections = 0
        self.on()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(self._chunks)

    @property
    def paper(self) -> Paper:
        return read(self.received)

    def on(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def off(self) -> None:
        """Refuse connections from now on (as a printer switched off)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self.reading.set()  # a connection held unread is read (and its thread ends)
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed: switched off
            self.connections += 1
            self.reading.wait()
            with conn:
                conn.settimeout(5)
                data = bytearray()
                while chunk := conn.recv(65536):
                    data += chunk
            with self._lock:
                self._chunks.append(bytes(data))

    def start_reading(self) -> None:
        self.reading.set()

    def wait_for(self, condition: Callable[[Paper], bool], timeout: float = 30.0) -> bool:
        """Until what was printed satisfies `condition` (a bound, not a speed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.paper):
                return True
            time.sleep(0.05)
        return condition(self.paper)
