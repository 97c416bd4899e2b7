"""The fan-out: one tailer pushes new events to the subscribed sockets.

`bar serve` runs on gevent (see `webapp.server`): every socket is a greenlet, not an
OS thread; in tests the werkzeug server runs the same code on threads.

The tailer follows `bar.events.EventTail` (waiting for the next commit costs no query,
whichever engine runs), frames each new event once and hands the same bytes to every
connection subscribed to its channel (`webapp.sockets`). Once a second it sweeps every
socket (pings, deadlines, stalled sends), and it ticks the bar's housekeeping
(`bar.housekeeping`: timers, pruning and the refusals held back, safe from any process).
It also hands each batch to the `bar.push.Pusher` (lock-screen notifications), which
sends from a thread of its own: a slow push service never holds up a socket.

Admission: the hub counts sockets per client address. Past a cap (in total, per
address, or anonymous per address) `take_slot` refuses before the upgrade, so the
page gets a 503 with Retry-After at once instead of hanging.
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from bar import events
from bar.clock import Clock
from bar.config import Settings
from bar.db import db
from bar.housekeeping import Housekeeping
from bar.payloads import GuestSignedOut
from bar.push import Pusher
from bar.refusals import Refusals
from webapp.sockets import CloseCode, Connection, text_frame

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 1.0
# Descriptors kept for what is not a WebSocket: plain requests, SQLite (3 per
# connection), the listening socket, logs.
RESERVED_FDS = 1024
RETRY_AFTER_S = 10


def socket_capacity() -> int:
    """How many WebSockets this process can hold: its open-file limit, less a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft - RESERVED_FDS)


@dataclass(eq=False)
class Slot:
    """One admitted socket, counted against its client address until given back."""

    address: str
    anonymous: bool = True
    guest: bool = False  # a guest signed in on it (a phone, not a TV board or a tablet)


class SocketRefused(Exception):
    """Too many sockets: refuse the upgrade with a 503 and Retry-After."""

    def __init__(self, code: str, message: str, retry_after: int = RETRY_AFTER_S) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass
class Admission:
    """How many sockets, from whom: the caps behind `Hub.take_slot`."""

    total: int
    per_address: int
    anonymous_per_address: int
    by_address: dict[str, int] = field(default_factory=dict)
    anonymous_by_address: dict[str, int] = field(default_factory=dict)
    open: int = 0
    guests: int = 0  # of the open sockets, those a guest signed in on (`/healthz`)


class Hub:
    """Channel subscriptions, admission, and the one tailer that feeds them."""

    def __init__(
        self, settings: Settings, *, clock: Clock, poll_interval: float = 0.01,
        housekeeping_every: float = 5.0, prune_every: float = 600.0,
        max_sockets: int | None = None, refusals: Refusals | None = None,
        pusher: Pusher | None = None,
    ) -> None:
        self.settings = settings
        # Lock-screen notifications: handed each batch, sent from its own thread.
        self.pusher = pusher
        self.clock = clock
        self.poll_interval = poll_interval
        self.housekeeping = Housekeeping(
            settings, clock, timers_every=housekeeping_every, prune_every=prune_every,
            refusals=refusals,
        )
        self.admission = Admission(
            total=max_sockets if max_sockets is not None else socket_capacity(),
            per_address=settings.sockets_per_address,
            anonymous_per_address=settings.anonymous_sockets_per_address,
        )
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
        """Start the tailer (once) and wait until it knows where the log ends."""
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
            conn.close(CloseCode.GOING_AWAY, "server shutting down")
        if self.pusher is not None:
            self.pusher.stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- admission -----------------------------------------------------------------------

    def take_slot(self, address: str) -> Slot:
        """Count a new socket from `address`, or refuse it (`SocketRefused`)."""
        a = self.admission
        with self._lock:
            if self._stopped:
                raise SocketRefused("shutting_down", "the bar is restarting: try again shortly", 5)
            if a.open >= a.total:
                raise SocketRefused("server_full", "the bar has too many phones connected: "
                                    "try again in a minute")
            if a.per_address and a.by_address.get(address, 0) >= a.per_address:
                raise SocketRefused("too_many_sockets", "too many open pages from your "
                                    "address: close some tabs and try again")
            if (a.anonymous_per_address
                    and a.anonymous_by_address.get(address, 0) >= a.anonymous_per_address):
                raise SocketRefused("too_many_sockets", "too many open pages from your "
                                    "address that have not signed in: try again shortly")
            a.open += 1
            a.by_address[address] = a.by_address.get(address, 0) + 1
            a.anonymous_by_address[address] = a.anonymous_by_address.get(address, 0) + 1
            return Slot(address)

    def signed_in(self, slot: Slot, *, guest: bool = False) -> None:
        """The socket authenticated (as a guest, or an admin): it no longer counts as
        anonymous."""
        with self._lock:
            if slot.anonymous:
                slot.anonymous = False
                _decrement(self.admission.anonymous_by_address, slot.address)
            if guest and not slot.guest:
                slot.guest = True
                self.admission.guests += 1

    def give_back(self, slot: Slot) -> None:
        """The socket is gone (call once, whatever happened to it)."""
        a = self.admission
        with self._lock:
            a.open -= 1
            _decrement(a.by_address, slot.address)
            if slot.guest:
                slot.guest = False
                a.guests -= 1
            if slot.anonymous:
                slot.anonymous = False
                _decrement(a.anonymous_by_address, slot.address)

    # -- subscriptions -------------------------------------------------------------------

    def register(self, conn: Connection) -> None:
        """Know `conn` before it subscribes (so the sweep and `sign_out` reach it)."""
        self.subscribe(conn, ())

    def subscribe(self, conn: Connection, channels: Iterable[str]) -> int:
        """Add `channels` to `conn`; returns the last event id already dispatched.

        Every event with a higher id on those channels will reach `conn`. Once the hub
        has stopped, `conn` is closed instead.
        """
        if self._stopped:
            conn.close(CloseCode.GOING_AWAY, "server shutting down")
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

    def socket_counts(self) -> tuple[int, int]:
        """Open sockets, and those a guest is signed in on (the phones), right now."""
        a = self.admission
        with self._lock:
            return a.open, a.guests

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    # -- the tailer ----------------------------------------------------------------------

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
        next_sweep = time.monotonic() + SWEEP_EVERY_S
        try:
            while not self._stop.is_set():
                tail.wait(self.poll_interval)  # returns early when something was committed
                if self._stop.is_set():
                    break
                try:
                    self.dispatch(tail.poll())
                    # Its events are picked up by the next poll: EventTail also notices
                    # this process's own commits.
                    self.housekeeping.tick()
                    if time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + SWEEP_EVERY_S
                        self.sweep()
                except Exception:  # the tailer must outlive any one failure
                    log.exception("event tailer error; carrying on")
                    self._stop.wait(0.5)
        finally:
            self.housekeeping.finish()  # the refusals still held back
            db.close()  # this thread's own connection

    def dispatch(self, batch: list[events.BarEvent]) -> None:
        """Write each event to its channel's subscribers, framed once."""
        for event in batch:
            with self._lock:
                self._position = max(self._position, event.id)
                targets = list(self._channels.get(event.channel, ()))
            if event.channel == events.ADMIN and event.type == GuestSignedOut.type:
                self.sign_out(GuestSignedOut.from_payload(event.payload).user_key)
            if not targets:
                continue
            frame = text_frame(event.message_text())
            failed = [conn for conn in targets if not conn.deliver(event.id, event.channel, frame)]
            for conn in failed:
                self.unsubscribe(conn)
        if self.pusher is not None:
            self.pusher.offer(batch)

    def sweep(self) -> None:
        """Once a second: every socket's deadlines, pings and stalled sends."""
        with self._lock:
            connections = list(self._connections)
        now, clock = self.clock(), time.monotonic()
        for conn in connections:
            conn.tend(now, clock)

    def sign_out(self, user_key: str) -> None:
        """Close every socket of a guest the host signed out (`bar guests kick`)."""
        with self._lock:
            theirs = [conn for conn in self._connections if conn.user_key == user_key]
        for conn in theirs:
            # The guest channel's copy of the event tells the page why, just before.
            conn.close(CloseCode.POLICY_VIOLATION, "signed_out")


def _decrement(counts: dict[str, int], key: str) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)
