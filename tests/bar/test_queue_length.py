"""The queue's length is kept (`bar.shop`): it always equals the orders it counts, and
`max_queue` is judged by it, not by counting the queue on every order."""

from __future__ import annotations

import random

import pytest

from bar import datadir, history, orders, shop
from bar.db import db, engine, write
from bar.errors import BarError, QueueFull
from bar.models import Counter, Order
from bar.status import QUEUE_STATUSES
from tests.conftest import with_rules


def counted() -> int:
    return Order.select().where(Order.status.in_(QUEUE_STATUSES)).count()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_length_follows_every_change(make, clock, settings, seed):
    """A random night: orders placed (some refused), moved by baristas and guests,
    expired; after every step the kept length is the orders' own count."""
    rng = random.Random(seed)
    rules = with_rules(settings, max_queue=8, max_open_orders_per_guest=3)
    guests = [make.guest(f"Guest {i}") for i in range(5)]
    for _ in range(120):
        step = rng.random()
        if step < 0.4:
            try:
                orders.place_order(rules, rng.choice(guests), drink_id="negroni", now=clock())
            except BarError:
                pass  # a refusal (queue full, the guest's limit) writes no order
        elif step < 0.9:
            placed = list(Order.select())
            if placed:
                order = rng.choice(placed)
                to, actor = rng.choice([(to, actor) for (src, to), actors in orders.TRANSITIONS.items()
                                        for actor in actors if src == order.status] or [("x", "x")])
                if to != "x":
                    orders.move(order.id, to, actor=actor, barista="Sam", now=clock(),
                                user_key=order.guest.user_key if actor == "guest" else None)
        else:
            clock.advance(minutes=rng.choice([1, 5, 20]))
            orders.expire_overdue(rules.rules, now=clock())
        assert shop.queue_length() == counted()
    assert counted() > 0  # the walk did fill a queue


def test_max_queue_is_judged_by_the_kept_length(make, clock, settings):
    capped = with_rules(settings, max_queue=3)
    with write():  # as if three orders were queued
        Counter.update(value=3).where(Counter.key == shop.QUEUE_KEY).execute()
    with pytest.raises(QueueFull):
        make.order(settings=capped)
    assert counted() == 0


def test_every_start_recounts_it(make, clock, settings):
    make.order()
    make.order(make.guest("Bo"))
    with write():
        Counter.update(value=40).where(Counter.key == shop.QUEUE_KEY).execute()
    db.close()
    datadir.open_database(settings)
    assert shop.queue_length() == 2
    with write():
        Counter.delete().execute()  # no kept count at all: the orders are counted
    assert shop.queue_length() == 2
    make.order(make.guest("Cy"))
    assert shop.queue_length() == 3


def test_a_refused_order_leaves_the_length_alone(make, clock, settings):
    capped = with_rules(settings, max_queue=1)
    make.order(settings=capped)
    with pytest.raises(QueueFull):
        make.order(make.guest("Bo"), settings=capped)
    assert shop.queue_length() == 1 == counted()


def _indexes(table: str) -> set[str]:
    """The names of `table`'s indexes, from the engine's own catalogue."""
    catalogue = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        if engine().name == "sqlite" else
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
    )
    return {name for (name,) in db.execute_sql(catalogue, (table,))}


def test_a_schema_3_database_is_brought_up_to_date(make, clock, settings):
    make.order()
    make.order(make.guest("Bo"))
    # As version 3 left it: an index on user_key alone, no kept count, no (user_key, status).
    db.execute_sql('DROP TABLE "counter"')
    db.execute_sql('DROP INDEX "orders_user_key_status"')
    db.execute_sql('CREATE INDEX "orders_user_key" ON "orders" ("user_key")')
    for table, column in (("drink", "photo"), ("orders", "drink_name"), ("orders", "price")):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')  # schema 5's
    db.execute_sql("UPDATE schema_version SET version = 3")
    db.close()
    datadir.open_database(settings)
    indexes = _indexes("orders")
    assert "orders_user_key_status" in indexes and "orders_user_key" not in indexes
    assert Counter.get(Counter.key == shop.QUEUE_KEY).value == 2 == shop.queue_length()
    with pytest.raises(QueueFull):
        make.order(make.guest("Cy"), settings=with_rules(settings, max_queue=2))


def test_a_recall_moves_the_kept_length_too(make, clock, settings):
    """A recall is a status change like any other (`bar.history`): an order it brings
    back into the queue (made, cancelled) counts again, and `max_queue` sees it."""
    made, cancelled = make.order(), make.order(make.guest("Bo"))
    for step in (orders.PREPARING, orders.READY):
        orders.move(made.id, step, actor="barista", barista="Sam", now=clock())
    orders.move(cancelled.id, orders.CANCELLED, actor="barista", barista="Sam", now=clock())
    assert shop.queue_length() == 0 == counted()
    history.recall(settings, barista="Sam", now=clock())  # cancelled -> pending
    assert shop.queue_length() == 1 == counted()
    history.recall(settings, barista="Sam", now=clock())  # ready -> preparing
    assert shop.queue_length() == 2 == counted()
    history.recall(settings, barista="Sam", now=clock())  # preparing -> pending
    assert shop.queue_length() == 2 == counted()
    with pytest.raises(QueueFull):
        make.order(make.guest("Cy"), settings=with_rules(settings, max_queue=2))
