"""The fan-out: one tailer thread per app pushes new events to the subscribed sockets.

The tailer polls `bar.events.EventTail` (one `PRAGMA data_version` per poll while
nothing changes), serialises each new event once and hands the same text to every
connection subscribed to its channel. It also runs the bar's housekeeping: the
timers of `bar.timers` and pruning old events, both idempotent and safe from any process.

A `Connection` wraps one simple-websocket socket. Its lock makes each message one
uninterrupted write (the hub thread and the socket's own handler thread both send);
while a subscription replays missed events it holds live events back, and it never
sends an event twice, so the client sees every event once and in id order.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bar import events, timers
from bar.clock import Clock
from bar.config import Settings
from bar.db import db

log = logging.getLogger(__name__)

# How long a send may block on a client that stopped reading before it is dropped:
# the hub thread sends to everyone, so one stalled phone must not hold up the rest.
SEND_TIMEOUT_S = 5.0
GOING_AWAY = 1001  # WebSocket close code: the server is shutting down
POLICY_VIOLATION = 1008


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Connection:
    """One WebSocket client: its channels, and a lock so messages never interleave.

    Events reach a connection from two threads: its own handler (the replay) and the
    hub (live). Each channel keeps a high-water mark, the highest event id sent on it:
    an event at or below it is a duplicate and is dropped, whichever thread brings it.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.channels: set[str] = set()
        self.user_key: str | None = None  # the guest signed in on it, if any
        self.closed = False
        self._lock = threading.Lock()
        self._sent_through: dict[str, int] = {}
        # While not None, live events wait here for a replay to finish.
        self._held: list[tuple[int, str, str]] | None = None
        _limit_send_time(getattr(ws, "sock", None))
        if getattr(ws, "sock", None) is not None:
            ws.sock = LockedSocket(ws.sock)

    def send(self, message: dict[str, Any] | str) -> bool:
        """Send one message; False (and the connection is dropped) if that failed."""
        text = message if isinstance(message, str) else dumps(message)
        with self._lock:
            return self._send(text)

    def deliver(self, event_id: int, channel: str, text: str) -> bool:
        """A live event from the hub: sent now, or held while a replay runs."""
        with self._lock:
            if self._held is not None:
                self._held.append((event_id, channel, text))
                return True
            return self._send_event(event_id, channel, text)

    def replay(self, event_id: int, channel: str, text: str) -> bool:
        """A missed event read by the handler: sent now, even while live ones are held."""
        with self._lock:
            return self._send_event(event_id, channel, text)

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
        """Send the held events the replay did not cover, then go live."""
        with self._lock:
            held, self._held = self._held or [], None
            for event_id, channel, text in held:
                if not self._send_event(event_id, channel, text):
                    return

    def close(self, code: int = 1000, message: str | None = None) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.ws.close(reason=code, message=message)
            except Exception:  # already closed by the peer is fine
                pass

    def _send_event(self, event_id: int, channel: str, text: str) -> bool:
        if event_id <= self._sent_through.get(channel, 0):
            return True  # a duplicate: the client has it
        if not self._send(text):
            return False
        self._sent_through[channel] = event_id
        return True

    def _send(self, text: str) -> bool:
        if self.closed:
            return False
        try:
            self.ws.send(text)
            return True
        except Exception as exc:  # any failure means this socket is gone
            log.debug("dropping a socket: %s", exc)
            self.closed = True
            self._abort()
            return False

    def _abort(self) -> None:
        # Not ws.close(): a polite close frame would block on the same stalled socket.
        # Shutting the socket down ends simple-websocket's reader, which ends the handler.
        sock = getattr(self.ws, "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class LockedSocket:
    """A socket whose writes go through one lock, whoever makes them.

    simple-websocket's own thread writes pings, pongs and close replies straight to
    the socket while the hub and the handler send events: without one lock on the
    write itself, two frames could interleave on the wire. `sendall` also means a
    frame is never cut short by a partial `send`.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._write_lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self._write_lock:
            self._sock.sendall(data)
        return len(data)

    sendall = send

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _limit_send_time(sock: Any) -> None:
    """Make a send on `sock` fail after SEND_TIMEOUT_S instead of blocking forever.

    SO_SNDTIMEO applies to sends only, so simple-websocket's reader (which reads only
    what select() says is there) is unaffected.
    """
    if not isinstance(sock, socket.socket):
        return
    seconds = int(SEND_TIMEOUT_S)
    micros = int((SEND_TIMEOUT_S - seconds) * 1_000_000)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, micros))
    except OSError:
        log.debug("cannot set a send timeout on this socket")


class Hub:
    """Channel subscriptions and the one thread that tails the event log for them."""

    def __init__(
        self, settings: Settings, *, clock: Clock, poll_interval: float = 0.01,
        housekeeping_every: float = 5.0, prune_every: float = 600.0,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.poll_interval = poll_interval
        self.housekeeping_every = housekeeping_every
        self.prune_every = prune_every
        self._lock = threading.Lock()
        self._channels: dict[str, set[Connection]] = {}
        self._connections: set[Connection] = set()
        self._position = 0
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._stopped = False  # for good: a late subscriber must not restart the tailer
        self._failed: Exception | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Start the tailer thread (once) and wait until it knows where the log ends."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("the hub has been stopped")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="bar-hub", daemon=True)
                self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the event tailer did not start")
        if self._failed is not None:
            raise RuntimeError(f"the event tailer failed to start: {self._failed}")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the tailer and close every connection, for good (shutdown and tests)."""
        self._stop.set()
        with self._lock:
            self._stopped = True
            thread, self._thread = self._thread, None
            connections = list(self._connections)
        for conn in connections:
            conn.close(GOING_AWAY, "server shutting down")
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- subscriptions -------------------------------------------------------------------

    def register(self, conn: Connection) -> None:
        """Know `conn` before it subscribes (so `sign_out` reaches it)."""
        self.subscribe(conn, ())

    def subscribe(self, conn: Connection, channels: Iterable[str]) -> int:
        """Add `channels` to `conn`; returns the last event id already dispatched.

        Every event with a higher id on those channels will reach `conn`. Once the hub
        has stopped, `conn` is closed instead.
        """
        if self._stopped:
            conn.close(GOING_AWAY, "server shutting down")
            return self._position
        self.start()
        with self._lock:
            self._connections.add(conn)
            for channel in channels:
                self._channels.setdefault(channel, set()).add(conn)
                conn.channels.add(channel)
            return self._position

    def unsubscribe(self, conn: Connection) -> None:
        with self._lock:
            self._connections.discard(conn)
            for channel in conn.channels:
                subscribers = self._channels.get(channel)
                if subscribers is not None:
                    subscribers.discard(conn)
                    if not subscribers:
                        del self._channels[channel]

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    # -- the tailer thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            tail = events.EventTail()
            self._position = tail.last_id
        except Exception as exc:  # reported to start()'s caller
            log.exception("event tailer failed to start")
            self._failed = exc
            self._ready.set()
            return
        self._ready.set()
        # The first rounds run at once: orders may have gone overdue while we were down.
        next_housekeeping = next_prune = time.monotonic()
        try:
            while not self._stop.wait(self.poll_interval):
                try:
                    self.dispatch(tail.poll())
                    if time.monotonic() >= next_housekeeping:
                        next_housekeeping = time.monotonic() + self.housekeeping_every
                        # Its events are picked up by the next poll: EventTail also
                        # notices this connection's own commits.
                        self.housekeeping()
                    if time.monotonic() >= next_prune:
                        next_prune = time.monotonic() + self.prune_every
                        self.prune()
                except Exception:  # the tailer must outlive any one failure
                    log.exception("event tailer error; carrying on")
                    self._stop.wait(0.5)
        finally:
            db.close()  # this thread's own connection

    def dispatch(self, batch: list[events.BarEvent]) -> None:
        """Send each event to its channel's subscribers, serialised once."""
        for event in batch:
            with self._lock:
                self._position = max(self._position, event.id)
                targets = list(self._channels.get(event.channel, ()))
            if event.type == events.GUEST_SIGNED_OUT and event.channel == events.ADMIN:
                self.sign_out(event.payload["user_key"])
            if not targets:
                continue
            text = dumps(event.to_message())
            failed = [conn for conn in targets if not conn.deliver(event.id, event.channel, text)]
            for conn in failed:
                self.unsubscribe(conn)

    def sign_out(self, user_key: str) -> None:
        """Close every socket of a guest the host signed out (`bar guests kick`)."""
        with self._lock:
            theirs = [conn for conn in self._connections if conn.user_key == user_key]
        for conn in theirs:
            # The guest channel's copy of the event tells the page why, just before.
            conn.close(POLICY_VIOLATION, "signed_out")

    def housekeeping(self) -> int:
        """Run the bar's timers (expiry, reminders, last call, closing time); returns how
        many orders expired. Errors are logged, never raised."""
        try:
            return len(timers.run_due(self.settings, now=self.clock()).expired)
        except Exception:  # the next round tries again
            log.exception("running the bar's timers failed")
            return 0

    def prune(self) -> int:
        """Delete events older than the retention window. Errors are logged, never raised."""
        try:
            retention: timedelta = self.settings.event_retention
            return events.prune(older_than=retention, now=self.clock())
        except Exception:  # the next round tries again
            log.exception("pruning old events failed")
            return 0
