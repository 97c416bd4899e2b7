"""The hub: one tailer thread, events serialised once, per-connection ordering and drops."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bar import events, orders
from bar.clock import FrozenClock
from bar.config import Settings
from tests.webapp.conftest import wait_for
from webapp.fanout import Connection, Hub


class FakeSocket:
    """Stands in for a simple-websocket `Server`: records what is sent."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail
        self.closed_with: tuple[Any, Any] | None = None

    def send(self, text: str) -> None:
        if self.fail:
            raise OSError("broken pipe")
        self.sent.append(text)

    def close(self, reason: Any = None, message: Any = None) -> None:
        self.closed_with = (reason, message)

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(t) for t in self.sent]


@pytest.fixture
def hub(settings: Settings, keys: Any, clock: FrozenClock) -> Iterator[Hub]:
    hub = Hub(settings, clock=clock, housekeeping_every=0.02)
    yield hub
    hub.stop()


def connect(hub: Hub, *channels: str, fail: bool = False) -> Connection:
    conn = Connection(FakeSocket(fail=fail))
    hub.subscribe(conn, channels)
    return conn


def event_types(conn: Connection) -> list[str]:
    return [m["event"]["type"] for m in conn.ws.messages()]


def test_events_reach_only_their_channels_subscribers(hub, make):
    guest = make.guest("Ana")
    mine = connect(hub, events.guest_channel(guest.user_key))
    board = connect(hub, events.DISPLAY)
    admin = connect(hub, events.ADMIN)
    other = connect(hub, events.guest_channel("someone-else"))
    make.order(guest)
    wait_for(lambda: mine.ws.sent and board.ws.sent and admin.ws.sent)
    assert [m["channel"] for m in mine.ws.messages()] == [events.guest_channel(guest.user_key)]
    assert event_types(board) == ["NEW_ORDER"]
    assert "user_key" not in board.ws.messages()[0]["event"]
    assert admin.ws.messages()[0]["event"]["username"] == "Ana"
    assert other.ws.sent == []


def test_one_tailer_thread_however_many_subscribers(hub):
    for _ in range(5):
        connect(hub, events.DISPLAY)
    assert hub.running
    names = [t.name for t in threading.enumerate()]
    assert names.count("bar-hub") == 1


def test_each_event_is_serialised_once(hub, make):
    a, b = connect(hub, events.DISPLAY), connect(hub, events.DISPLAY)
    make.order()
    wait_for(lambda: a.ws.sent and b.ws.sent)
    # The very same string object went to both sockets.
    assert a.ws.sent[0] is b.ws.sent[0]


def test_subscribe_returns_the_last_dispatched_id(hub, make):
    make.order()
    conn = Connection(FakeSocket())
    position = hub.subscribe(conn, [events.DISPLAY])
    assert position == events.last_event_id()
    assert conn.ws.sent == []  # only events after the position are delivered


def test_a_failed_send_drops_the_connection(hub, make):
    broken = connect(hub, events.DISPLAY, fail=True)
    healthy = connect(hub, events.DISPLAY)
    make.order()
    wait_for(lambda: healthy.ws.sent)
    wait_for(lambda: hub.connection_count() == 1)
    assert broken.closed
    make.order()
    wait_for(lambda: len(healthy.ws.sent) == 2)


def test_held_events_are_released_without_duplicates():
    conn = Connection(FakeSocket())
    conn.hold()
    conn.seen(["display"], 5)
    for event_id, channel in [(5, "display"), (6, "display"), (7, "display"), (6, "config")]:
        assert conn.deliver(event_id, channel, f"{channel}:{event_id}")
    assert conn.ws.sent == []
    assert conn.replay(6, "display", "display:6")
    conn.release()
    assert conn.ws.sent == ["display:6", "display:7", "config:6"]
    # A live event the hub picked before the replay read it, arriving late.
    assert conn.deliver(7, "display", "display:7")
    conn.deliver(8, "display", "display:8")
    assert conn.ws.sent == ["display:6", "display:7", "config:6", "display:8"]


def test_tailer_expires_overdue_orders_and_publishes_it(hub, make, clock):
    guest = make.guest()
    conn = connect(hub, events.guest_channel(guest.user_key))
    order = make.order(guest)
    wait_for(lambda: event_types(conn) == ["NEW_ORDER"])
    clock.advance(minutes=16)
    # The expiry is written on the tailer's own connection (whose data_version does not
    # change for its own commits): the events must still go out.
    wait_for(lambda: "ORDER_EXPIRED" in event_types(conn))
    assert orders.get_order(order.id).status == orders.EXPIRED
    assert event_types(conn) == ["NEW_ORDER", "ORDER_STATUS_CHANGED", "ORDER_EXPIRED"]


def test_stop_closes_every_connection_for_good(hub):
    conn = connect(hub, events.DISPLAY)
    hub.stop()
    assert conn.closed
    assert conn.ws.closed_with == (1001, "server shutting down")
    assert not hub.running
    late = connect(hub, events.DISPLAY)  # e.g. a page reconnecting during shutdown
    assert late.closed
    assert not hub.running


def test_locked_socket_keeps_concurrent_frames_whole():
    """Pings from simple-websocket's thread and our events must never interleave."""
    import socket as socket_module

    from webapp.fanout import LockedSocket

    left, right = socket_module.socketpair()
    locked = LockedSocket(left)
    block = 64 * 1024
    writers = [
        threading.Thread(target=lambda b=b: [locked.send(bytes([b]) * block) for _ in range(40)])
        for b in (1, 2)
    ]
    received = bytearray()

    def read() -> None:
        while len(received) < 2 * 40 * block:
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
    left.close()
    right.close()
    assert len(received) == 2 * 40 * block
    blocks = [received[i:i + block] for i in range(0, len(received), block)]
    assert all(len(set(b)) == 1 for b in blocks)
