"""The hub and its sockets: one tailer, frames built once, per-connection order, drops,
pings and deadlines, admission caps. Each connection is one end of a real socket pair;
the test reads WebSocket frames from the other end, as a phone would."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bar import events, orders
from bar.clock import FrozenClock
from bar.config import Settings
from tests.webapp.conftest import wait_for
from webapp import fanout, sockets
from webapp.fanout import Hub, SocketRefused
from webapp.sockets import PING_FRAME, Connection, Outbox, text_frame


class Phone:
    """The far end of a socket pair: reads the server's frames."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()
        self.frames: list[tuple[int, bytes]] = []

    def read(self, timeout: float = 0.2) -> list[tuple[int, bytes]]:
        """Read what has arrived within `timeout`; returns every frame so far."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self._buffer += chunk
                self._parse()
        except (TimeoutError, OSError):
            pass
        return self.frames

    def messages(self, timeout: float = 0.2) -> list[dict[str, Any]]:
        return [json.loads(p) for op, p in self.read(timeout) if op == 0x1]

    def _parse(self) -> None:
        while len(self._buffer) >= 2:
            opcode, size = self._buffer[0] & 0x0F, self._buffer[1] & 0x7F
            assert not self._buffer[1] & 0x80, "server frames are never masked"
            start = 2
            if size == 126:
                size, start = struct.unpack("!H", self._buffer[2:4])[0], 4
            elif size == 127:
                size, start = struct.unpack("!Q", self._buffer[2:10])[0], 10
            if len(self._buffer) < start + size:
                return
            self.frames.append((opcode, bytes(self._buffer[start:start + size])))
            del self._buffer[:start + size]


class ServerSide:
    """What `Connection` uses of simple-websocket's `Server`, on a real socket: `sock`,
    `close()` (a close frame), the `event` receive() waits on, `connected`, `pong_received`."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: Any = sock
        self.event = threading.Event()
        self.connected = True
        self.pong_received = True
        self.closed_with: tuple[Any, Any] | None = None

    def close(self, reason: Any = None, message: Any = None) -> None:
        self.closed_with = (reason, message)
        body = struct.pack("!H", reason or 1000) + (message or "").encode()
        self.sock.send(struct.pack("!BB", 0x88, len(body)) + body)


@pytest.fixture
def pairs() -> Iterator[list[socket.socket]]:
    made: list[socket.socket] = []
    yield made
    for sock in made:
        sock.close()


@pytest.fixture
def new_conn(pairs: list[socket.socket]) -> Any:
    def make() -> tuple[Connection, Phone]:
        server, phone = socket.socketpair()
        pairs.extend([server, phone])
        return Connection(ServerSide(server)), Phone(phone)

    return make


@pytest.fixture
def hub(settings: Settings, keys: Any, clock: FrozenClock) -> Iterator[Hub]:
    hub = Hub(settings, clock=clock, housekeeping_every=0.02)
    yield hub
    hub.stop()


@pytest.fixture
def connect(hub: Hub, new_conn: Any) -> Any:
    def subscribed(*channels: str) -> tuple[Connection, Phone]:
        conn, phone = new_conn()
        hub.subscribe(conn, channels)
        return conn, phone

    return subscribed


def event_types(phone: Phone) -> list[str]:
    return [m["event"]["type"] for m in phone.messages() if m["type"] == "event"]


def test_text_frames_follow_rfc_6455_lengths():
    for size, header in [(5, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)]:
        frame = text_frame("x" * size)
        assert frame[0] == 0x81 and len(frame) == header + size


def test_events_reach_only_their_channels_subscribers(connect, make):
    guest = make.guest("Ana")
    _, mine = connect(events.guest_channel(guest.user_key))
    _, board = connect(events.DISPLAY)
    _, admin = connect(events.ADMIN)
    _, other = connect(events.guest_channel("someone-else"))
    make.order(guest)
    wait_for(lambda: mine.read() and board.read() and admin.read())
    assert [m["channel"] for m in mine.messages()] == [events.guest_channel(guest.user_key)]
    assert event_types(board) == ["NEW_ORDER"]
    assert "user_key" not in board.messages()[0]["event"]
    assert admin.messages()[0]["event"]["username"] == "Ana"
    assert other.read() == []


def test_one_tailer_thread_however_many_subscribers(hub, connect):
    for _ in range(5):
        connect(events.DISPLAY)
    assert hub.running
    names = [t.name for t in threading.enumerate()]
    assert names.count("bar-hub") == 1


def test_each_event_is_framed_once(connect, make, monkeypatch):
    framed: list[str] = []

    def spy(text: str) -> bytes:
        framed.append(text)
        return text_frame(text)

    monkeypatch.setattr(fanout, "text_frame", spy)
    phones = [connect(events.DISPLAY)[1] for _ in range(3)]
    make.order()
    wait_for(lambda: all(p.read() for p in phones))
    assert len(framed) == 1
    assert {p.frames[0][1] for p in phones} == {framed[0].encode()}


def test_subscribe_returns_the_last_dispatched_id(hub, make, new_conn):
    make.order()
    conn, phone = new_conn()
    position = hub.subscribe(conn, [events.DISPLAY])
    assert position == events.last_event_id()
    assert phone.read() == []  # only events after the position are delivered


def test_a_failed_write_drops_the_connection(hub, connect, make):
    broken, broken_phone = connect(events.DISPLAY)
    healthy, phone = connect(events.DISPLAY)
    broken_phone.sock.close()  # the phone is gone: the next write fails
    make.order()
    wait_for(lambda: phone.read())
    wait_for(lambda: hub.connection_count() == 1)
    assert broken.closed and broken.ws.event.is_set()  # its handler is woken to end
    make.order()
    wait_for(lambda: len(phone.read()) == 2)


def test_held_events_are_released_without_duplicates(new_conn):
    conn, phone = new_conn()

    def frame(channel: str, event_id: int) -> bytes:
        return text_frame(f"{channel}:{event_id}")

    conn.hold()
    conn.seen(["display"], 5)
    for event_id, channel in [(5, "display"), (6, "display"), (7, "display"), (6, "config")]:
        assert conn.deliver(event_id, channel, frame(channel, event_id))
    assert phone.read() == []
    assert conn.replay(6, "display", frame("display", 6))
    conn.release()
    assert [p for _, p in phone.read()] == [b"display:6", b"display:7", b"config:6"]
    # A live event the hub picked before the replay read it, arriving late.
    assert conn.deliver(7, "display", frame("display", 7))
    conn.deliver(8, "display", frame("display", 8))
    assert [p for _, p in phone.read()] == [b"display:6", b"display:7", b"config:6", b"display:8"]


def test_tailer_expires_overdue_orders_and_publishes_it(hub, connect, make, clock):
    guest = make.guest()
    _, phone = connect(events.guest_channel(guest.user_key))
    order = make.order(guest)
    wait_for(lambda: event_types(phone) == ["NEW_ORDER"])
    clock.advance(minutes=16)
    # The expiry is written on the tailer's own connection (whose data_version does not
    # change for its own commits): the events must still go out.
    wait_for(lambda: "ORDER_EXPIRED" in event_types(phone))
    assert orders.get_order(order.id).status == orders.EXPIRED
    assert event_types(phone) == ["NEW_ORDER", "ORDER_STATUS_CHANGED", "ORDER_EXPIRED"]


def test_stop_closes_every_connection_for_good(hub, connect, new_conn):
    conn, phone = connect(events.DISPLAY)
    hub.stop()
    assert conn.closed
    assert conn.ws.closed_with == (1001, "server shutting down")
    assert phone.read()[-1] == (0x8, struct.pack("!H", 1001) + b"server shutting down")
    assert not hub.running
    late, _ = new_conn()  # e.g. a page reconnecting during shutdown
    hub.subscribe(late, [events.DISPLAY])
    assert late.closed
    assert not hub.running


# -- the outbox: writes never wait for the phone -------------------------------------------


def test_concurrent_writers_keep_frames_whole(pairs):
    """Pongs from simple-websocket's reader and our events must never interleave."""
    left, right = socket.socketpair()
    pairs.extend([left, right])
    outbox = Outbox(left)
    block = 16 * 1024
    writers = [
        threading.Thread(target=lambda b=b: [outbox.send(bytes([b]) * block) for _ in range(10)])
        for b in (1, 2)
    ]
    received = bytearray()

    def read() -> None:
        while len(received) < 2 * 10 * block:
            chunk = right.recv(1 << 20)
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=20)
    reader.join(timeout=20)
    assert len(received) == 2 * 10 * block
    blocks = [received[i:i + block] for i in range(0, len(received), block)]
    assert all(len(set(b)) == 1 for b in blocks)


def test_a_phone_that_stops_reading_never_blocks_the_writer(pairs):
    left, right = socket.socketpair()
    pairs.extend([left, right])
    outbox = Outbox(left)
    chunk = b"x" * 4096
    started = time.monotonic()
    writes = 0
    while outbox.write(chunk):  # the kernel's buffer fills, then the backlog, then it gives up
        writes += 1
        assert writes < 10_000
    assert outbox.failed
    assert time.monotonic() - started < 5  # never waited for the phone
    assert writes * len(chunk) >= sockets.MAX_BACKLOG
    right.settimeout(5)
    drained = 0
    while chunk := right.recv(1 << 20):  # shut down: the phone sees the end, not a hang
        drained += len(chunk)
    assert drained < writes * 4096


def test_a_stalled_outbox_is_dropped_by_the_sweep(hub, connect, monkeypatch):
    monkeypatch.setattr(sockets, "SEND_TIMEOUT_S", 0.05)
    conn, phone = connect(events.DISPLAY)
    while conn.outbox._flushing_since is None:  # fill the kernel's buffer: a backlog starts
        assert conn.outbox.write(b"y" * 4096)
    time.sleep(0.1)
    hub.sweep()
    assert conn.closed and conn.outbox.failed


# -- the sweep: pings and deadlines --------------------------------------------------------


def test_the_sweep_pings_and_drops_a_socket_that_never_answers(hub, connect, monkeypatch):
    conn, phone = connect(events.DISPLAY)
    conn.greeted()
    conn.next_ping = 0
    hub.sweep()
    assert phone.read() == [(0x9, b"")] and PING_FRAME == b"\x89\x00"
    assert conn.ws.pong_received is False and not conn.closed
    conn.next_ping = 0
    hub.sweep()  # no pong since the last ping: gone
    assert conn.closed


def test_a_pong_keeps_the_socket(hub, connect):
    conn, phone = connect(events.DISPLAY)
    conn.greeted()
    conn.next_ping = 0
    hub.sweep()
    conn.ws.pong_received = True  # simple-websocket's reader sets it on a pong
    conn.next_ping = 0
    hub.sweep()
    assert not conn.closed and [op for op, _ in phone.read()] == [0x9, 0x9]


def test_a_socket_that_says_nothing_is_closed_after_the_first_message_deadline(hub, connect):
    conn, phone = connect()
    hub.sweep()
    assert not conn.closed
    conn.greet_by = time.monotonic() - 1
    hub.sweep()
    assert conn.closed and conn.ws.closed_with == (1008, "timeout")
    assert phone.messages()[0]["code"] == "timeout"


def test_an_expired_token_closes_the_socket(hub, connect, clock):
    conn, phone = connect(events.DISPLAY)
    conn.greeted()
    conn.expires_at = clock() + timedelta(minutes=1)
    hub.sweep()
    assert not conn.closed
    clock.advance(minutes=2)
    hub.sweep()
    assert conn.ws.closed_with == (1008, "token_expired")
    assert phone.messages()[0]["code"] == "token_expired"


# -- admission -------------------------------------------------------------------------------


def test_sockets_are_capped_per_address_and_anonymous_ones_more_tightly(settings, clock):
    hub = Hub(settings, clock=clock, max_sockets=1000)
    anonymous = [hub.take_slot("10.0.0.1") for _ in range(settings.anonymous_sockets_per_address)]
    with pytest.raises(SocketRefused) as refused:
        hub.take_slot("10.0.0.1")
    assert refused.value.code == "too_many_sockets" and refused.value.retry_after > 0
    for slot in anonymous:
        hub.signed_in(slot)
    signed = len(anonymous)
    while signed < settings.sockets_per_address:
        hub.signed_in(hub.take_slot("10.0.0.1"))
        signed += 1
    with pytest.raises(SocketRefused):
        hub.take_slot("10.0.0.1")
    hub.take_slot("10.0.0.2")  # another address is not affected
    hub.give_back(anonymous[0])
    hub.take_slot("10.0.0.1")  # a closed socket makes room


def test_the_total_cap_refuses_everyone_past_it(settings, clock):
    hub = Hub(settings, clock=clock, max_sockets=3)
    slots = [hub.take_slot(f"10.0.0.{i}") for i in range(3)]
    with pytest.raises(SocketRefused) as refused:
        hub.take_slot("10.0.0.9")
    assert refused.value.code == "server_full"
    hub.give_back(slots[0])
    hub.take_slot("10.0.0.9")


def test_a_long_replay_waits_for_the_phone_instead_of_overflowing(new_conn):
    conn, phone = new_conn()
    frames = [text_frame(f"{i:06d}" + "r" * 1000) for i in range(3000)]  # ~3 MB > MAX_BACKLOG
    assert sum(map(len, frames)) > 2 * sockets.MAX_BACKLOG
    reader = threading.Thread(target=lambda: [phone.read(0.05) for _ in range(400)
                                              if len(phone.frames) < len(frames)])
    reader.start()
    assert all(conn.replay(i + 1, "display", frame) for i, frame in enumerate(frames))
    reader.join(timeout=60)
    assert not conn.outbox.failed
    assert [p[:6] for _, p in phone.frames] == [f"{i:06d}".encode() for i in range(3000)]
