"""Writers in several processes at once (several `bar serve`s on one database): the
bar's rules hold exactly, as if each order had been placed alone, on both engines."""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import peewee
import psycopg
import pytest

from bar import datadir, orders, shop
from bar.clock import utcnow
from bar.db import db, is_busy
from bar.errors import QueueFull, TooManyOpenOrders
from bar.models import Event, Guest, Order
from bar.postgres import WRITE_LOCK
from tests.conftest import make_settings

PROCESSES = 4
THREADS = 8


def _place_in_threads(data_dir: str, rules: dict[str, Any], tasks: list[tuple[str, str | None]],
                      results: Any) -> None:
    """One process (a server): its threads each place one order, all at once."""
    settings = dataclasses.replace(make_settings(Path(data_dir), **rules), orders_per_minute=0)
    datadir.open_database(settings)  # on the test's engine: BAR_DATABASE_URL
    outcomes: list[tuple[str, Any]] = []
    start = threading.Barrier(len(tasks))

    def place(user_key: str, key: str | None) -> None:
        start.wait()
        try:
            placed = orders.place_order(settings, user_key, drink_id="negroni",
                                        idempotency_key=key, now=utcnow())
            outcomes.append(("created" if placed.created else "again", placed.order.id))
        except (QueueFull, TooManyOpenOrders) as exc:
            outcomes.append((exc.code, None))
        finally:
            db.close()

    threads = [threading.Thread(target=place, args=task) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    results.put(outcomes)


def _in_processes(settings: Any, rules: dict[str, Any],
                  tasks: list[list[tuple[str, str | None]]]) -> list[tuple[str, Any]]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    procs = [context.Process(target=_place_in_threads,
                             args=(str(settings.data_dir), rules, mine, results))
             for mine in tasks]
    for proc in procs:
        proc.start()
    outcomes = [o for _ in procs for o in results.get(timeout=120)]
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    return outcomes


def test_servers_ordering_at_once_fill_the_queue_exactly_and_each_guest_to_the_limit(make, settings):
    rules = {"max_queue": 20, "max_open_orders_per_guest": 2}
    guests = [make.guest(f"Guest {i}").user_key for i in range(12)]
    # 32 attempts: guests 0-7 try three times, 8-11 twice; 24 could pass the per-guest
    # limit, the queue takes 20.
    attempts = [(guests[i % 12], None) for i in range(PROCESSES * THREADS)]
    tasks = [attempts[p::PROCESSES] for p in range(PROCESSES)]
    outcomes = _in_processes(settings, rules, tasks)

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds["created"] == 20 and kinds["created"] + kinds["queue_full"] + kinds[
        "too_many_open_orders"] == PROCESSES * THREADS
    placed = list(Order.select(Order, Guest).join(Guest))
    assert len(placed) == 20
    assert sorted(o.number for o in placed) == list(range(1, 21))  # distinct, no gap
    assert max(Counter(o.guest.user_key for o in placed).values()) <= 2
    assert {o.id for o in placed} == {order_id for kind, order_id in outcomes if kind == "created"}
    new_orders = Event.select().where(Event.type == "NEW_ORDER", Event.channel == "admin")
    assert sorted(e.payload["number"] for e in new_orders) == list(range(1, 21))


def test_one_idempotency_key_sent_to_every_server_makes_one_order(make, settings):
    guest = make.guest().user_key
    tasks = [[(guest, "tap-1")] * 4 for _ in range(2)]
    outcomes = _in_processes(settings, {}, tasks)
    assert Counter(kind for kind, _ in outcomes) == {"created": 1, "again": 7}
    assert {order_id for _, order_id in outcomes} == {Order.get().id}


postgres_only = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@postgres_only
def test_a_writer_waits_for_another_servers_write_transaction_up_to_the_busy_timeout(settings, keys):
    """The advisory lock is the write lock of every process: a writer waits for the
    other one to commit, and gives up (503 over the API: busy) after busy_timeout."""
    other = psycopg.connect(settings.database_url, autocommit=True)
    try:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))  # another server's write
        datadir.connect(dataclasses.replace(settings, busy_timeout=timedelta(milliseconds=300)))
        started = time.monotonic()
        with pytest.raises(peewee.OperationalError) as raised:
            shop.set_open(False, now=utcnow())
        assert is_busy(raised.value) and time.monotonic() - started >= 0.25
        assert shop.is_open()  # nothing written, and the connection is usable

        datadir.connect(settings)  # 5 s: the other commits meanwhile
        threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
        started = time.monotonic()
        assert shop.set_open(False, now=utcnow()) is True
        assert time.monotonic() - started >= 0.25 and not shop.is_open()
    finally:
        other.close()
