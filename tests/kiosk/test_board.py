"""The in-memory board: events in, sorted columns and batches out, no queries."""

from __future__ import annotations

from typing import Any

import pytest

from bar import orders
from bar.payloads import OrderInfo
from kiosk.board import Board
from tests.conftest import Factory

T0 = "2026-11-20T19:00:00.000000+00:00"


def info(number: int, status: str = "pending", *, at: str = T0, **extra: Any) -> OrderInfo:
    """An order as an `admin` event carries it."""
    return OrderInfo.from_payload({
        "order_id": f"id-{number}", "number": number, "user_key": "k", "username": f"guest {number}",
        "drink_id": "negroni", "drink_name": "Negroni", "modifiers": {"ice": "big cube"},
        "note": "", "status": status, "barista": None, "created_at": at, "updated_at": at,
        **extra,
    })


def numbers(board: Board, status: str) -> list[int]:
    return [o.number for o in board.column(status)]


def test_orders_go_to_their_column_oldest_first() -> None:
    board = Board()
    board.apply(info(2, at="2026-11-20T19:05:00+00:00"))
    board.apply(info(1, at="2026-11-20T19:01:00+00:00"))
    board.apply(info(3, at="2026-11-20T19:05:00+00:00"))  # same instant as #2
    assert numbers(board, "pending") == [1, 2, 3]
    assert board.queue_length == 3


@pytest.mark.parametrize(
    ("to", "pending", "preparing", "ready"),
    [
        ("preparing", [1, 3], [2], []),
        ("ready", [1, 3], [], [2]),
        ("served", [1, 3], [], []),
        ("cancelled", [1, 3], [], []),
        ("expired", [1, 3], [], []),
    ],
)
def test_a_status_change_moves_or_removes_the_order(
    to: str, pending: list[int], preparing: list[int], ready: list[int]
) -> None:
    board = Board()
    board.load(info(n) for n in (1, 2, 3))
    changed = board.apply(info(2, to))
    assert changed == {"pending"} | ({to} if to in ("preparing", "ready") else set())
    assert (numbers(board, "pending"), numbers(board, "preparing"), numbers(board, "ready")) == (
        pending, preparing, ready,
    )
    assert (board.get("id-2") is None) == (to not in ("preparing", "ready"))


def test_an_echo_of_an_applied_change_changes_nothing() -> None:
    board = Board()
    assert board.apply(info(1, "preparing", barista="Sam")) == {"preparing"}
    assert board.apply(info(1, "preparing", barista="Sam")) == set()
    assert board.apply(info(1, "preparing", barista="Kim")) == {"preparing"}
    assert board.get("id-1").barista == "Kim"  # type: ignore[union-attr]


def test_batches_count_same_drink_and_modifiers() -> None:
    board = Board()
    board.apply(info(1))
    board.apply(info(2, modifiers={"ice": "crushed"}))
    board.apply(info(3))
    board.apply(info(4, drink_id="espresso", drink_name="Espresso", modifiers={}))
    board.apply(info(5, drink_id="espresso", drink_name="Espresso", modifiers={}))
    board.apply(info(6, drink_id="espresso", drink_name="Espresso", modifiers={}))
    board.apply(info(7, "preparing"))  # being made: not in a pending batch
    assert [(b.count, b.drink_name, b.modifiers) for b in board.batches()] == [
        (3, "Espresso", ()), (2, "Negroni", (("ice", "big cube"),)),
    ]


def test_batches_follow_orders_as_they_come_and_go() -> None:
    """Counted as events arrive: the same as counting a board loaded from scratch."""
    board = Board()
    espresso = {"drink_id": "espresso", "drink_name": "Espresso", "modifiers": {}}
    board.apply(info(1, **espresso))
    board.apply(info(2))
    board.apply(info(3, **espresso))
    board.apply(info(4))
    board.apply(info(5, at="2026-11-20T19:00:01+00:00"))
    assert [(b.count, b.drink_name) for b in board.batches()] == [(3, "Negroni"), (2, "Espresso")]
    board.apply(info(2, "preparing"))  # claimed: no longer in the batch
    # Two and two: the batch with the oldest order (#1, an Espresso) first.
    assert [(b.count, b.drink_name) for b in board.batches()] == [(2, "Espresso"), (2, "Negroni")]
    board.apply(info(4, "cancelled"))
    assert [(b.count, b.drink_name) for b in board.batches()] == [(2, "Espresso")]
    board.apply(info(1, "preparing", **espresso))
    assert board.batches() == []
    board.apply(info(2, "pending", updated_at="2026-11-20T19:09:00+00:00"))  # unclaimed
    assert [(b.count, b.drink_name) for b in board.batches()] == [(2, "Negroni")]
    fresh = Board()
    fresh.load(info(o.number, o.status, drink_id=o.drink_id, drink_name=o.drink_name,
                    modifiers=dict(o.modifiers)) for o in board.column("pending"))
    assert fresh.batches() == board.batches()


def test_loads_what_the_core_lists(make: Factory) -> None:
    make.order(make.guest("Ana"))
    second = make.order(make.guest("Bo"))
    orders.move(second.id, orders.PREPARING, actor="barista", barista="Sam", now=make.clock())
    board = Board()
    rows = orders.list_orders(statuses=orders.OPEN_STATUSES)
    board.load(OrderInfo.of(o) for o in rows)
    assert (numbers(board, "pending"), numbers(board, "preparing")) == ([1], [2])
    assert board.get(second.id).barista == "Sam"  # type: ignore[union-attr]


@pytest.mark.parametrize("status", ["pending", "preparing"])
@pytest.mark.parametrize("width", [12, 20, 30])
@pytest.mark.parametrize("estimate", ["", "about 6 min", "under a minute"])
def test_a_card_takes_the_lines_its_height_says(status, width, estimate):
    """The column places cards by `card_height`: a card drawing more lines would cover
    the next one (a long drink name puts the wait on a line of its own)."""
    from datetime import UTC, datetime, timedelta

    from rich.console import Console
    from rich.style import Style

    from kiosk.board import OpenOrder
    from kiosk.widgets.order_card import CardStyles, card_height, render_card

    now = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    order = OpenOrder(
        id="o1", number=4, username="Ana", drink_id="espresso-martini",
        drink_name="Espresso Martini", modifiers=(("ice", "big cube"),), note="no <b>",
        status=status, barista="Sam" if status == "preparing" else None,
        created_at=now, updated_at=now,
    )
    plain = Style()
    styles = CardStyles(plain, plain, plain, plain, plain, plain, plain,
                        {"fresh": plain, "waiting": plain, "late": plain})
    lines = render_card(order, age=timedelta(minutes=3), width=width, styles=styles,
                        console=Console(width=width), estimate=estimate)
    assert len(lines) + 1 == card_height(order, width, estimate)  # + the gap line
    assert all(line.cell_len <= width for line in lines)
    if estimate and status == "pending" and len(estimate) <= width:
        assert estimate in "\n".join(line.plain for line in lines)


def test_a_preview_never_undoes_a_later_change() -> None:
    """The barista's own move and the tail's news reach the app in either order."""
    board = Board()
    board.load([info(1)])
    claimed, made, served = (f"2026-11-20T19:0{m}:00+00:00" for m in (1, 2, 3))
    # Another kiosk made the drink; the tail brought it before this kiosk's claim arrived.
    assert board.apply(info(1, "ready", updated_at=made)) == {"pending", "ready"}
    assert board.preview(info(1, "preparing", updated_at=claimed)) == set()
    assert numbers(board, "ready") == [1]
    # Gone from the board: a stale preview does not bring it back.
    board.apply(info(1, "served", updated_at=served))
    assert board.preview(info(1, "ready", updated_at=made)) == set()
    assert board.get("id-1") is None
    # A preview newer than anything seen is shown.
    board.load([info(2)])
    assert board.preview(info(2, "preparing", updated_at=claimed)) == {"pending", "preparing"}
