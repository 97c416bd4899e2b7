"""Listing orders: a stable order, a keyset cursor, and `bar orders` printing every one."""

from __future__ import annotations

import json

import pytest

from bar import orders
from bar.cli.base import print_json_list
from bar.cli.reports import EVENTS_BATCH
from bar.db import write
from bar.errors import InvalidInput
from bar.models import Event, Order
from tests.conftest import run_cli, with_rules
from tests.crowd import insert_orders


@pytest.fixture
def crowd(make, clock) -> list[str]:
    """1,258 orders (the red team's count) from three guests, in every status."""
    guests = [make.guest(name) for name in ("Ana", "Bob", "Cai")]
    return insert_orders(guests, 1258, start=clock())


def _key(order: Order) -> tuple[object, ...]:
    return (order.created_at, order.number, order.id)


def _pages(limit: int, **kw: object) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = orders.list_orders(limit=limit, after=after, **kw)
        if not page:
            return pages
        pages.append([o.id for o in page])
        after = page[-1].id


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("statuses", [None, orders.OPEN_STATUSES])
def test_pages_hold_every_order_once_in_a_stable_order(crowd, newest_first, statuses):
    everything = orders.list_orders(limit=10_000, newest_first=newest_first, statuses=statuses)
    assert len(everything) == (1258 if statuses is None else sum(
        o.status in orders.OPEN_STATUSES for o in Order.select()))
    assert [_key(o) for o in everything] == sorted(map(_key, everything), reverse=newest_first)

    pages = _pages(97, newest_first=newest_first, statuses=statuses)
    assert all(len(p) == 97 for p in pages[:-1]) and len(pages) > 2
    assert [i for p in pages for i in p] == [o.id for o in everything]


def test_orders_placed_while_paging_are_neither_lost_nor_repeated(crowd, make, clock, settings):
    first = orders.list_orders(limit=100)  # newest first
    clock.advance(minutes=30)
    # Newer than the cursor: a fresh read from the top has it, the next page does not.
    newer = make.order(settings=with_rules(settings, max_queue=10_000))
    rest = orders.list_orders(limit=10_000, after=first[-1].id)
    seen = [o.id for o in first + rest]
    assert len(seen) == len(set(seen)) == 1258
    assert newer.id not in seen and set(seen) == set(crowd)


def test_iter_orders_reads_everything_in_batches(crowd):
    listed = [o.id for o in orders.iter_orders(batch=100)]
    assert listed == [o.id for o in orders.list_orders(limit=10_000, newest_first=False)]
    assert len(listed) == 1258


def test_an_unknown_cursor_is_invalid_input(crowd):
    with pytest.raises(InvalidInput, match="no order 'nope'"):
        orders.list_orders(after="nope")


def test_bar_orders_all_json_prints_every_order(crowd, settings):
    printed = json.loads(run_cli(settings.data_dir, "orders", "--all", "--json").output)
    assert len(printed) == 1258
    assert [o["order_id"] for o in printed] == [
        o.id for o in orders.list_orders(limit=10_000, newest_first=False)]


def test_bar_orders_prints_every_open_order_and_says_how_many(crowd, settings):
    open_count = Order.select().where(Order.status.in_(orders.OPEN_STATUSES)).count()
    assert open_count > 500
    out = run_cli(settings.data_dir, "orders").output
    assert out.endswith(f"\n{open_count} open orders\n")
    last = orders.list_orders(statuses=orders.OPEN_STATUSES, limit=1)[0]  # the newest
    assert f"│ {last.number} " in out
    assert out.count("│ pending ") + out.count("│ preparing ") + out.count("│ ready ") == open_count


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"a": [1, {}], "b": "é\n"}, [], 3, "x"]])
def test_print_json_list_prints_what_json_dumps_does(items, capsys):
    print_json_list(iter(items))
    assert capsys.readouterr().out == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def test_bar_events_since_prints_every_event(settings, keys, clock):
    # More than one batch of the CLI's reads, each line once and in id order.
    rows = [{"channel": "announcements", "type": "ANNOUNCEMENT", "payload": {"message": f"m{i}"},
             "created_at": clock()} for i in range(2 * EVENTS_BATCH + 345)]
    with write():
        for i in range(0, len(rows), 200):
            Event.insert_many(rows[i:i + 200]).execute()
    lines = run_cli(settings.data_dir, "events", "--since", "0", "--json").output.splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(set(ids)) and len(ids) == Event.select().count()
    assert json.loads(lines[-1])["event"]["message"] == f"m{len(rows) - 1}"
