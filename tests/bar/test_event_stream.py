"""One event stream across processes: the outbox read by id, woken on PostgreSQL by
LISTEN/NOTIFY. No event is ever skipped or read twice, however transactions interleave."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
import pytest

from bar import events, shop
from bar.clock import utcnow
from bar.db import db, write
from bar.models import Event
from bar.payloads import Announcement
from tests.conftest import ROOT
from tests.webapp.conftest import wait_for

postgres_only = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

INSERT = ("INSERT INTO event (channel, type, payload, created_at) "
          "VALUES ('announcements', 'ANNOUNCEMENT', %s, '2026-01-01T00:00:00.000000+00:00') RETURNING id")


def _raw_insert(conn: psycopg.Connection[Any], text: str) -> int:
    """An event written around `bar.db.write` (a psql session, a forgotten lock)."""
    row = conn.execute(INSERT, (json.dumps({"message": text}),)).fetchone()
    assert row is not None
    return int(row[0])


@postgres_only
def test_a_slow_transaction_holds_back_a_fast_one_so_the_tail_skips_neither(settings, keys):
    """The first transaction takes an id and stays open; the second, started later, must
    not commit a bigger id that a tail reads before the smaller one appears."""
    tail = events.EventTail()
    slow = psycopg.connect(settings.database_url, autocommit=True)
    fast = psycopg.connect(settings.database_url, autocommit=True)
    try:
        slow.execute("BEGIN")
        slow_id = _raw_insert(slow, "slow")
        fast_done = threading.Event()
        fast_id: list[int] = []

        def fast_writer() -> None:
            fast_id.append(_raw_insert(fast, "fast"))  # autocommit: one transaction
            fast_done.set()

        threading.Thread(target=fast_writer).start()
        # The fast one waits for the slow one's lock: nothing is visible, nothing is read.
        assert not fast_done.wait(0.5)
        assert tail.poll() == []
        slow.execute("COMMIT")
        assert fast_done.wait(10)
        assert fast_id[0] > slow_id
        seen = wait_for(lambda: tail.poll() or None)
        seen += _settle(tail)
        assert [e.id for e in seen] == [slow_id, fast_id[0]]
        assert [e.payload["message"] for e in seen] == ["slow", "fast"]
    finally:
        slow.close()
        fast.close()


@postgres_only
def test_a_rolled_back_id_is_a_gap_the_tail_steps_over(settings, keys):
    tail = events.EventTail()
    with psycopg.connect(settings.database_url, autocommit=True) as slow, \
            psycopg.connect(settings.database_url, autocommit=True) as fast:
        slow.execute("BEGIN")
        gone = _raw_insert(slow, "gone")
        writer = threading.Thread(target=lambda: _raw_insert(fast, "kept"))
        writer.start()
        time.sleep(0.2)
        slow.execute("ROLLBACK")
        writer.join(10)
        seen = wait_for(lambda: tail.poll() or None) + _settle(tail)
        assert [e.payload["message"] for e in seen] == ["kept"] and seen[0].id > gone


def _settle(tail: events.EventTail, quiet_s: float = 0.3) -> list[events.BarEvent]:
    """What the tail still reads until nothing new comes for `quiet_s`."""
    more: list[events.BarEvent] = []
    deadline = time.monotonic() + quiet_s
    while time.monotonic() < deadline:
        found = tail.poll()
        more += found
        if found:
            deadline = time.monotonic() + quiet_s
        tail.wait(0.05)
    return more


def test_writers_interleaving_at_random_reach_a_tail_once_each_in_id_order(settings, keys):
    """Threads write events (some through `write()`, with sleeps inside and between)
    while a tail in its own thread reads: it gets every committed event exactly once,
    in id order, and none that rolled back."""
    committed: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    read: list[int] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for i in range(15):
                try:
                    with write():
                        event_id = events.publish(events.ANNOUNCEMENTS,
                                                  Announcement(f"{seed}-{i}", None), now=utcnow())
                        time.sleep(rng.random() * 0.003)
                        if rng.random() < 0.2:
                            raise RuntimeError("rolled back")
                    with lock:
                        committed.append(event_id)
                except RuntimeError:
                    pass
                time.sleep(rng.random() * 0.003)
        finally:
            db.close()

    def reader() -> None:
        tail = events.EventTail(after=0)
        try:
            while not stop.is_set():
                read.extend(e.id for e in tail.poll())
                tail.wait(0.005)
            read.extend(e.id for e in tail.poll())
        finally:
            db.close()

    reading = threading.Thread(target=reader)
    reading.start()
    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    wait_for(lambda: set(read) >= set(committed))
    stop.set()
    reading.join(10)
    assert read == sorted(committed)  # each once, in id order, none rolled back
    assert read == [e.id for e in Event.select(Event.id).order_by(Event.id)]


def test_an_event_is_written_only_inside_write(keys):
    with pytest.raises(RuntimeError, match="inside bar.db.write"):
        events.publish(events.ANNOUNCEMENTS, Announcement("stray", None), now=utcnow())
    with write():
        assert events.publish(events.ANNOUNCEMENTS, Announcement("kept", None), now=utcnow()) > 0


@postgres_only
def test_a_tail_wakes_on_another_servers_commit_and_costs_no_query_while_idle(settings, keys):
    tail = events.EventTail()
    assert tail.poll() == []
    wait_for(lambda: tail._watch._listener.connected)  # type: ignore[attr-defined]
    tail.poll()  # the catch-up read once listening
    queries: list[str] = []
    db.obj.query_hooks.append(lambda event: queries.append(event.sql))
    try:
        tail.wait(0.2)
        assert tail.poll() == [] and queries == []  # nothing committed: nothing read
    finally:
        db.obj.query_hooks.clear()
    woke: list[float] = []

    def waiting() -> None:
        started = time.monotonic()
        tail.wait(30)
        woke.append(time.monotonic() - started)

    waiter = threading.Thread(target=waiting)
    waiter.start()
    time.sleep(0.2)
    with psycopg.connect(settings.database_url, autocommit=True) as other:  # another process's commit
        _raw_insert(other, "hello")
    waiter.join(30)
    assert woke and woke[0] < 15  # woken by the notification, not the 30 s timeout
    assert [e.payload["message"] for e in wait_for(lambda: tail.poll() or None)] == ["hello"]


@postgres_only
def test_a_listener_that_lost_its_connection_listens_again_and_catches_up(settings, keys):
    tail = events.EventTail()
    listener = tail._watch._listener  # type: ignore[attr-defined]
    wait_for(lambda: listener.connected)
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        # Its connection goes (the server restarted, the network broke)...
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE query LIKE 'LISTEN%%' AND datname = current_database()")
        _raw_insert(admin, "while away")  # ...and an event is committed meanwhile
    assert [e.payload["message"] for e in wait_for(lambda: tail.poll() or None)] == ["while away"]
    wait_for(lambda: listener.connected)
    shop.set_open(False, now=utcnow())
    assert [e.type for e in wait_for(lambda: tail.poll() or None)] == ["SHOP_STATUS_CHANGED"]


GEVENT_LISTENER = """
from gevent import monkey
monkey.patch_all()
import sys, time
import gevent, psycopg
from psycopg import waiting
from bar import events
from bar.db import connect

assert waiting.wait is not getattr(waiting, "wait_c", None), "psycopg's C wait would block the loop"
connect(sys.argv[1], "unused.db")
tail = events.EventTail()
assert tail.poll() == []
ticks = []

def ticker():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.01)

def other_server():
    gevent.sleep(0.5)
    with psycopg.connect(sys.argv[1], autocommit=True) as conn:
        conn.execute("INSERT INTO event (channel, type, payload, created_at) VALUES ('announcements', "
                     "'ANNOUNCEMENT', '{\\"message\\": \\"hi\\"}', '2026-01-01T00:00:00+00:00')")

gevent.spawn(ticker)
gevent.spawn(other_server)
started = time.monotonic()
found = []
while not found and time.monotonic() - started < 20:
    tail.wait(5.0)  # the listener greenlet waits on its socket meanwhile
    found = tail.poll()
waited = time.monotonic() - started
during = [t for t in ticks if started <= t <= started + waited]

# A writer waiting for another server's write lock waits on its socket too.
from bar import shop
from bar.clock import utcnow
from bar.postgres import WRITE_LOCK
holder = psycopg.connect(sys.argv[1], autocommit=True)
holder.execute("BEGIN")
holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
gevent.spawn_later(0.5, holder.execute, "COMMIT")
locked_at = time.monotonic()
shop.set_open(False, now=utcnow())
locked = time.monotonic() - locked_at
while_locked = [t for t in ticks if locked_at <= t <= locked_at + locked]
print(len(during), round(waited, 2), len(while_locked), round(locked, 2),
      [e.payload["message"] for e in found])
"""


@postgres_only
def test_under_gevent_the_loop_keeps_serving_while_the_listener_or_a_writer_waits(settings, keys):
    out = subprocess.run([sys.executable, "-c", GEVENT_LISTENER, settings.database_url],
                         cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    ticks, waited, locked_ticks, locked, messages = out.stdout.split(maxsplit=4)
    assert messages.strip() == "['hi']"
    # The ticker ran all along (every 10 ms: dozens of times in half a second or more),
    # and the wait ended on the notification, long before its 5 s; the same while a
    # writer waited half a second for the other server's write lock.
    assert int(ticks) >= 10 and float(waited) < 5.0
    assert float(locked) >= 0.4 and int(locked_ticks) >= 10
