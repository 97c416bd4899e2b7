"""Round trips to PostgreSQL: an order's statements share them (a group commit in
psycopg's pipeline mode), and a pooled connection is handed out without asking the
server, yet never one the server ended. Counted in libpq's own protocol trace."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import pq

from bar import orders, shop
from bar.db import db

postgres_only = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _round_trips(trace: Path) -> int:
    """How often the client sent something and then waited for the server's answer."""
    trips, sent = 0, False
    for line in trace.read_text().splitlines():
        side = line.split("\t", 1)[0]
        if side == "F":
            sent = True
        elif side == "B" and sent:
            trips, sent = trips + 1, False
    return trips


@postgres_only
def test_an_order_takes_five_round_trips_and_its_connection_no_check(make, clock, tmp_path):
    guest = make.guest()
    orders.place_order(make.settings, guest, drink_id="negroni", now=clock())  # counts kept
    db.close()  # back to the pool: taken again below, as by the next request
    trace = tmp_path / "trace"
    with open(trace, "w") as out:
        db.connect(reuse_if_open=True)
        conn = db.connection()
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        db.close()
        placed = orders.place_order(make.settings, guest, drink_id="negroni", now=clock())
        conn.pgconn.untrace()
    assert placed.created and placed.info.number == 2
    # BEGIN with the lock; the savepoint with the facts; the order, the queue count and
    # the events; the release; the commit. No `SELECT 1` from the pool.
    assert _round_trips(trace) == 5
    assert 'Query\t "SELECT 1"' not in trace.read_text()
    assert shop.queue_length() == 2


@postgres_only
def test_a_pooled_connection_the_server_ended_is_not_handed_out(settings, keys):
    assert shop.is_open()
    db.close()  # kept in the pool
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'").fetchall()
    assert ended and all(done for done, in ended)
    assert shop.is_open()  # on a new connection, not the ended one
