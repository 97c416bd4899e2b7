"""Group commit (`bar.db.write_together`): writers that meet share one transaction, and
every rule still holds as if each had written alone."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import peewee
import pytest

from bar import orders, push
from bar.db import _Job, _Together, db, engine, sql, write, write_together
from bar.errors import QueueFull, TooManyOpenOrders
from bar.models import Event, Order, State
from tests.conftest import with_rules


def _in_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Run `target(i)` in `count` threads started together; their results or errors."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except Exception as exc:
            results[i] = exc
        finally:
            db.close()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_many_guests_at_once_fill_the_queue_exactly(make, clock, settings):
    capped = with_rules(settings, max_queue=20)
    guests = [make.guest(f"Guest {i}") for i in range(32)]
    results = _in_threads(32, lambda i: orders.place_order(
        capped, guests[i].user_key, drink_id="negroni", now=clock()).order.number)
    numbers = [r for r in results if isinstance(r, int)]
    assert sorted(numbers) == list(range(1, 21))
    assert [type(r) for r in results if not isinstance(r, int)] == [QueueFull] * 12
    assert Order.select().count() == 20
    assert Event.select().where(Event.type == "NEW_ORDER").count() == 60  # guest, admin, display


def test_one_guest_tapping_many_times_gets_their_limit_exactly(make, clock, settings):
    guest = make.guest()
    limited = with_rules(settings, max_open_orders_per_guest=2)
    results = _in_threads(10, lambda i: orders.place_order(
        limited, guest, drink_id="negroni", now=clock()).created)
    assert results.count(True) == 2
    assert all(isinstance(r, TooManyOpenOrders) for r in results if r is not True)
    assert Order.select().count() == 2


def test_one_idempotency_key_from_many_threads_makes_one_order(make, clock):
    guest = make.guest()
    results = _in_threads(8, lambda i: orders.place_order(
        make.settings, guest, drink_id="negroni", idempotency_key="tap-1", now=clock()))
    assert {r.order.id for r in results} == {Order.get().id}
    assert sum(r.created for r in results) == 1


def _put(key: str, fail: bool = False) -> Callable[[], str]:
    def work() -> str:
        State.insert(key=key, value=1).execute()
        if fail:
            raise RuntimeError(f"{key} refused")
        return key
    return work


def test_a_group_shares_one_transaction_and_a_failing_writer_undoes_only_its_own(keys):
    """While the first writer holds the group, the others queue; they then commit as one
    group in which one fails: its row is gone, the others' are there."""
    holding, release = threading.Event(), threading.Event()

    def first() -> str:
        State.insert(key="first", value=1).execute()
        holding.set()
        release.wait(10)
        return "first"

    works = [first, _put("a"), _put("b", fail=True), _put("c")]

    def run(i: int) -> Any:
        if i:
            holding.wait(10)  # the first leads; the rest queue behind it
        return write_together(works[i])

    releaser = threading.Timer(0.5, release.set)
    releaser.start()
    results = _in_threads(4, run)
    releaser.join()
    assert results[0] == "first" and results[1] == "a" and results[3] == "c"
    assert isinstance(results[2], RuntimeError)
    assert sorted(s.key for s in written_here()) == ["a", "c", "first"]


def _idle_connections() -> int:
    """Connections given back and kept for the next user: SQLite's few kept open, or
    those waiting in PostgreSQL's pool."""
    database: Any = engine().database
    return len(database._idle if engine().name == "sqlite" else database._connections)


def _insert_dup_reading_its_id() -> None:
    State.insert(key="dup", value=2).execute()


def _insert_dup_unread() -> None:
    # Nothing of its answer is read: in a group on PostgreSQL it is sent without waiting
    # for the answer (a pipeline), so its failure comes back later, still its writer's.
    db.execute_sql(sql("INSERT INTO state (key, value) VALUES ('dup', '2')"))


def _insert_dup_unread_then_raise() -> None:
    _insert_dup_unread()
    raise peewee.IntegrityError("refused before the answer came")


@pytest.mark.parametrize("refused", [
    _insert_dup_reading_its_id, _insert_dup_unread, _insert_dup_unread_then_raise])
def test_a_writer_whose_statement_fails_leaves_the_group_usable(keys, refused):
    """A statement the database refuses (PostgreSQL then refuses every statement of the
    transaction until it is rolled back to a savepoint): that writer's savepoint is
    undone, its `after_error` writes in the same transaction, and the group's other
    writers commit, whether or not the writer read the refused statement's answer."""
    holding, release = threading.Event(), threading.Event()

    def first() -> str:
        holding.set()
        release.wait(10)
        return "first"

    def duplicate() -> str:
        State.insert(key="undone", value=1).execute()  # undone with its savepoint
        refused()  # refused: the key is taken
        return "never"

    def noted(error: Exception) -> None:
        State.insert(key="noted", value=type(error).__name__).execute()

    with write():
        State.insert(key="dup", value=1).execute()

    def run(i: int) -> Any:
        if not i:
            return write_together(first)
        holding.wait(10)
        if i == 2:
            return write_together(duplicate, after_error=noted)
        time.sleep(0.05 * i)  # queued after the failing one
        return write_together(_put(f"w{i}"))

    releaser = threading.Timer(0.5, release.set)
    releaser.start()
    results = _in_threads(4, run)
    releaser.join()
    assert results[0] == "first" and results[1] == "w1" and results[3] == "w3"
    assert isinstance(results[2], peewee.IntegrityError)
    assert {s.key: s.value for s in written_here()} == {
        "dup": 1, "noted": "IntegrityError", "w1": 1, "w3": 1}


def test_writers_waiting_for_the_group_give_their_connection_back(keys):
    """A writer that waits for another's group holds no connection meanwhile: sixteen
    phones waiting for one commit must not keep sixteen open (and newcomers open more)."""
    holding, release = threading.Event(), threading.Event()
    opened = threading.Barrier(3)

    def first() -> str:
        holding.set()
        release.wait(10)
        return "first"

    def run(i: int) -> Any:
        if not i:
            return write_together(first)
        holding.wait(10)
        db.execute_sql("SELECT 1")  # a request's connection, open (its sign-out check)
        opened.wait(10)  # all three open at once
        return write_together(_put(f"w{i}"))

    db.close_idle()
    threads = [threading.Thread(target=lambda i=i: run(i)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while _idle_connections() < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _idle_connections() == 3  # the three waiting writers' connections
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert sorted(s.key for s in written_here()) == ["w1", "w2", "w3"]
    db.close_idle()


def test_inside_a_transaction_it_just_runs_there(keys):
    with pytest.raises(RuntimeError), write():
        assert write_together(_put("inner")) == "inner"
        assert State.get_or_none(State.key == "inner") is not None
        raise RuntimeError("the outer transaction fails")
    assert State.get_or_none(State.key == "inner") is None  # rolled back with it


# Under `bar serve` every request is a greenlet of one thread: a killed greenlet (a
# dropped connection at shutdown) must never leave the queue without a leader.
GEVENT_SCRIPT = """
from gevent import monkey
monkey.patch_all()
import sys, threading
import gevent, gevent.event
from bar import engine as dbm
from bar.db import db, init_db, write_together

init_db(sys.argv[1])
db.execute_sql("CREATE TABLE t (a)")
main_thread = monkey.get_original("threading", "get_native_id")
assert dbm.off_the_loop(main_thread) != main_thread(), "the commit ran on the loop's thread"

release = gevent.event.Event()

def slow():
    db.execute_sql("INSERT INTO t VALUES ('first')")
    release.wait()
    return "first"

def put(value):
    return lambda: db.execute_sql("INSERT INTO t VALUES (?)", (value,)) and value

first = gevent.spawn(write_together, slow)
gevent.sleep(0.05)
gone = gevent.spawn(write_together, put("gone"))
gevent.sleep(0.05)
gone.kill()  # waiting behind the leader: it is taken out of the queue
later = gevent.spawn(write_together, put("later"))
gevent.sleep(0.05)
release.set()
gevent.joinall([first, later], timeout=10)
rows = sorted(r[0] for r in db.execute_sql("SELECT a FROM t"))
print(first.value, later.value, rows)
"""


def test_a_greenlet_killed_while_queued_is_not_written_and_stalls_no_one(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT, str(tmp_path / "g.db")],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["first", "later", "['first',", "'later']"]


def test_a_caller_gone_before_leading_hands_the_lead_on():
    together = _Together()
    gone, waiting = _Job(lambda: None), _Job(lambda: None)
    together._queue = [gone, waiting]
    together._leader = gone  # made the next leader, but its greenlet was killed
    together._abandon(gone)
    assert together._leader is waiting and waiting.wake.is_set()
    assert together._queue == [waiting]


def written_here() -> list[State]:
    """The `state` rows these tests write (`bar init` made some of its own: the push key)."""
    return list(State.select().where(State.key != push.VAPID_KEY))
