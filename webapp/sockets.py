"""One WebSocket client on the server side: its frames, its outbox, its deadlines.

Every server frame is built here (server frames are unmasked, so an event's frame is
built once and the same bytes go to every phone). A socket's `Outbox` writes what the
kernel takes at once and queues the rest for a flusher, so a slow phone never holds up
the others; one that stops reading for SEND_TIMEOUT_S, or falls MAX_BACKLOG behind, is
dropped. The hub calls `Connection.tend` once a second for pings and deadlines, one
loop for every socket instead of a timer each.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import IntEnum
from typing import Any

log = logging.getLogger(__name__)


class CloseCode(IntEnum):
    """The WebSocket close codes this server sends (RFC 6455, 7.4.1)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # the server is shutting down
    POLICY_VIOLATION = 1008  # bad token, signed out, too slow to say hello
    TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013


# A phone that takes no bytes for this long has gone (its Wi-Fi dropped mid-send).
SEND_TIMEOUT_S = 5.0
# What a socket may owe its phone before it is dropped: thousands of events (a live
# event's frame is one bytes object shared by every socket that queues it). A replay
# waits for the phone below REPLAY_HIGH_WATER instead of queueing it all at once.
MAX_BACKLOG = 1024 * 1024
REPLAY_HIGH_WATER = 64 * 1024
# Wi-Fi NATs forget idle flows after a minute or so; a ping every 25 s keeps them, and
# a phone that has not answered by the next one is gone.
PING_EVERY_S = 25.0
# A socket must authenticate or subscribe this soon, or it is only holding memory.
FIRST_MESSAGE_TIMEOUT_S = 5.0

PING_FRAME = b"\x89\x00"


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented WebSocket text frame (what a server sends)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


def _sender(sock: Any) -> Callable[[bytes], int]:
    """A send that never waits: what the kernel took now (0 when nothing fits)."""
    if isinstance(sock, ssl.SSLSocket):
        # HTTPS: one TLS record write on the non-blocking OS socket (gevent's). OpenSSL
        # writes a record whole or keeps it; after a "want write" the flusher's
        # `sendall` goes on with the same bytes first, as OpenSSL requires.
        def send_tls(data: bytes) -> int:
            tls = getattr(sock, "_sslobj", None)  # gevent's and the stdlib's alike
            if tls is None:
                raise BrokenPipeError("the TLS connection is shut")
            try:
                return int(tls.write(data))
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                return 0

        return send_tls
    # gevent's socket keeps the OS socket in `_sock` (simple-websocket relies on it
    # too); a thread's socket is one. MSG_DONTWAIT on it returns at once either way.
    raw = getattr(sock, "_sock", sock)
    return lambda data: int(raw.send(data, socket.MSG_DONTWAIT))


class Outbox:
    """Every write to one socket, in order, none of them waiting for the phone.

    simple-websocket writes its pongs and close frames through it too (it replaces
    `ws.sock`), so frames never interleave. A write goes straight to the kernel when
    nothing is queued (`MSG_DONTWAIT`, whether the socket is gevent's or a thread's);
    what the kernel does not take is queued and written by a flusher.
    """

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self._send_now = _sender(sock)
        self._lock = threading.Lock()
        self._queued: list[bytes] = []
        self._queued_bytes = 0
        self._flushing_since: float | None = None
        self.failed = False
        self.on_close: Callable[[], None] = lambda: None

    def send(self, data: bytes) -> int:
        """simple-websocket's write: the whole of `data`, or an OSError."""
        if not self.write(bytes(data)):
            raise BrokenPipeError("the socket is gone")
        return len(data)

    sendall = send

    def write(self, data: bytes) -> bool:
        """Queue `data` behind what is already queued; False if the socket is gone."""
        with self._lock:
            if self.failed:
                return False
            if self._flushing_since is None:
                try:
                    sent = self._send_now(data)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    self._fail()
                    return False
                if sent == len(data):
                    return True
                data = data[sent:]
                self._flushing_since = time.monotonic()
                threading.Thread(target=self._flush, name="bar-flush", daemon=True).start()
            if self._queued_bytes + len(data) > MAX_BACKLOG:
                self._fail()
                return False
            self._queued.append(data)
            self._queued_bytes += len(data)
            return True

    def drain(self, below: int, timeout: float) -> bool:
        """Wait (this thread or greenlet only) until less than `below` bytes are queued;
        False if the socket failed or `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._queued_bytes >= below and not self.failed:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return not self.failed

    def stalled(self, now: float) -> bool:
        """Has a queued write been waiting on the phone longer than SEND_TIMEOUT_S?"""
        since = self._flushing_since
        return since is not None and now - since > SEND_TIMEOUT_S

    def abort(self) -> None:
        """Drop the connection now (ends the reader, and so the socket's handler)."""
        with self._lock:
            self._fail()

    def close(self) -> None:
        """simple-websocket's reader is done with the socket (the phone left, or sent
        something that ended it). The socket itself stays open for `linger`: closing it
        with unread bytes would reset the connection before the phone reads why."""
        with self._lock:
            self.failed = True
        self.on_close()

    def linger(self, timeout: float) -> None:
        """End politely: let the queued frames (a close frame) go, half-close, and read
        until the phone closes too, for up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._flushing_since is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            self.sock.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.sock.settimeout(left)
                if not self.sock.recv(1 << 16):
                    return
        except OSError:  # reset, timed out or already shut: nothing more to wait for
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)  # recv, fileno, … for simple-websocket's reader

    def _flush(self) -> None:
        while True:
            with self._lock:
                if self.failed or not self._queued:
                    self._flushing_since = None
                    return
                chunk = b"".join(self._queued)
                self._queued.clear()
                self._queued_bytes = 0
            try:
                # Blocks this flusher only; the sweep aborts it if the phone stalls.
                self.sock.sendall(chunk)
            except OSError:
                with self._lock:
                    self._fail()
                    self._flushing_since = None
                return
            with self._lock:
                self._flushing_since = time.monotonic() if self._queued else None
                if self._flushing_since is None:
                    return

    def _fail(self) -> None:
        # Not a polite close frame: that would queue behind the stalled bytes. Shutting
        # the socket down ends simple-websocket's reader, which ends the handler.
        self.failed = True
        self._queued.clear()
        self._queued_bytes = 0
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Connection:
    """One WebSocket client: its channels, its deadlines, and one lock for its writes.

    Events reach a connection from two places: its own handler (the replay) and the
    hub (live). Each channel keeps a high-water mark, the highest event id sent on it:
    an event at or below it is a duplicate and is dropped, whichever brings it.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.outbox = Outbox(ws.sock)
        self.outbox.on_close = self._wake
        ws.sock = self.outbox
        self.channels: set[str] = set()
        self.user_key: str | None = None  # the guest signed in on it, if any
        self.expires_at: datetime | None = None  # its token's expiry
        self.greet_by: float | None = time.monotonic() + FIRST_MESSAGE_TIMEOUT_S
        self.next_ping = time.monotonic() + PING_EVERY_S
        self.closed = False
        self._lock = threading.Lock()
        self._sent_through: dict[str, int] = {}
        # While not None, live events wait here for a replay to finish.
        self._held: list[tuple[int, str, bytes]] | None = None

    def send(self, message: dict[str, Any]) -> bool:
        """Send one message; False (and the connection is dropped) if that failed."""
        frame = text_frame(dumps(message))
        with self._lock:
            return self._write(frame)

    def deliver(self, event_id: int, channel: str, frame: bytes) -> bool:
        """A live event from the hub: written now, or held while a replay runs."""
        with self._lock:
            if self._held is not None:
                self._held.append((event_id, channel, frame))
                return True
            return self._write_event(event_id, channel, frame)

    def replay(self, event_id: int, channel: str, frame: bytes) -> bool:
        """A missed event read by the handler: written now, even while live ones are held.

        Paced by the phone: a long replay waits for it rather than filling the backlog."""
        if not self.outbox.drain(REPLAY_HIGH_WATER, SEND_TIMEOUT_S):
            return False
        with self._lock:
            return self._write_event(event_id, channel, frame)

    def hold(self) -> None:
        """Hold live events back (call before subscribing channels that will be replayed)."""
        with self._lock:
            if self._held is None:
                self._held = []

    def seen(self, channels: Iterable[str], through: int) -> None:
        """The client already has every event up to `through` on `channels`."""
        with self._lock:
            for channel in channels:
                self._sent_through[channel] = max(self._sent_through.get(channel, 0), through)

    def release(self) -> None:
        """Write the held events the replay did not cover, then go live."""
        with self._lock:
            held, self._held = self._held or [], None
            for event_id, channel, frame in held:
                if not self._write_event(event_id, channel, frame):
                    return

    def greeted(self) -> None:
        """The first auth or subscribe arrived: no first-message deadline any more."""
        self.greet_by = None

    def close(self, code: int = CloseCode.NORMAL, message: str | None = None) -> None:
        """Say goodbye with `code` and wake the handler, which then ends."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.ws.close(reason=int(code), message=message)
            except Exception:  # already closed by the peer is fine
                pass
        self._wake()

    def abort(self) -> None:
        """Drop without a goodbye (the phone is not reading: a close frame would wait)."""
        self.closed = True
        self.outbox.abort()
        self._wake()

    def tend(self, now: datetime, clock: float) -> None:
        """The sweep's per-socket round: deadlines, pings and stalled sends."""
        if self.closed:
            return
        if self.outbox.stalled(clock) or self.outbox.failed:
            self.abort()
        elif self.greet_by is not None and clock > self.greet_by:
            self.send({"type": "error", "code": "timeout", "message": "send auth or subscribe first"})
            self.close(CloseCode.POLICY_VIOLATION, "timeout")
        elif self.expires_at is not None and self.expires_at <= now:
            self.send({"type": "error", "code": "token_expired",
                       "message": "token expired: reconnect with a fresh token"})
            self.close(CloseCode.POLICY_VIOLATION, "token_expired")
        elif clock >= self.next_ping:
            if not getattr(self.ws, "pong_received", True):
                self.abort()  # no answer to the last ping: the phone is gone
                return
            self.ws.pong_received = False
            self.next_ping = clock + PING_EVERY_S
            with self._lock:
                self._write(PING_FRAME)

    def _wake(self) -> None:
        # simple-websocket's receive() waits on this event: end the wait, and the
        # handler's loop, now (it raises ConnectionClosed once `connected` is False).
        self.ws.connected = False
        event = getattr(self.ws, "event", None)
        if event is not None:
            event.set()

    def _write_event(self, event_id: int, channel: str, frame: bytes) -> bool:
        if event_id <= self._sent_through.get(channel, 0):
            return True  # a duplicate: the client has it
        if not self._write(frame):
            return False
        self._sent_through[channel] = event_id
        return True

    def _write(self, frame: bytes) -> bool:
        if self.closed:
            return False
        if self.outbox.write(frame):
            return True
        log.debug("dropping a socket that stopped reading")
        self.closed = True
        self._wake()
        return False
