"""`bar.board`: what a TV board shows, and what it never shows."""

from __future__ import annotations

import dataclasses
import json

from bar import board, notifications, orders, registration
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Order
from tests.conftest import Factory, with_rules


def move(order: Order, status: str, clock: FrozenClock) -> None:
    orders.move(order.id, status, actor="barista", barista="Kim", now=clock())


def test_waiting_orders_are_in_line_oldest_first_with_first_names(
    make: Factory, clock: FrozenClock
) -> None:
    settings = with_rules(make.settings, max_queue=50, max_open_orders_per_guest=5)
    placed = []
    for n in range(20):
        placed.append(make.order(make.guest(f"Guest{n} Surname"), settings=settings,
                                 note="no ice, I'm allergic"))
        clock.advance(seconds=5)
    move(placed[0], orders.PREPARING, clock)
    move(placed[1], orders.PREPARING, clock)
    move(placed[1], orders.READY, clock)

    shown = board.read(now=clock())
    assert [t.number for t in shown.waiting] == [o.number for o in placed[2:]]
    assert shown.waiting_count == 18 and shown.waiting_beyond == 0
    assert shown.waiting[0].first_name == "Guest2"  # the first name only
    assert [t.number for t in shown.preparing] == [placed[0].number]
    assert [t.number for t in shown.ready] == [placed[1].number]

    # Nothing but numbers, first names, drinks and statuses: no notes, keys or ids.
    text = json.dumps(shown.to_payload(clock()))
    for secret in ("allergic", "Surname", placed[2].id, placed[2].guest.user_key):
        assert secret not in text


def test_a_long_line_is_counted_past_what_is_listed(make: Factory, clock: FrozenClock) -> None:
    settings = with_rules(make.settings, max_queue=100, max_open_orders_per_guest=100)
    settings = dataclasses.replace(settings, orders_per_minute=0)
    guest = make.guest("Ana")
    for _ in range(board.MAX_WAITING + 3):
        make.order(guest, settings=settings)
    shown = board.read(now=clock())
    assert len(shown.waiting) == board.MAX_WAITING
    assert shown.waiting_count == board.MAX_WAITING + 3 and shown.waiting_beyond == 3


def test_an_announcement_shows_for_a_while_then_goes(make: Factory, clock: FrozenClock) -> None:
    assert board.read(now=clock()).announcement is None
    notifications.announce("Last call!", now=clock())
    news = board.read(now=clock()).announcement
    assert news is not None and news.message == "Last call!"
    assert news.to_payload(clock())["seconds_left"] == board.ANNOUNCEMENT_SHOWN_FOR.total_seconds()

    clock.advance(seconds=board.ANNOUNCEMENT_SHOWN_FOR.total_seconds() - 1)
    assert board.read(now=clock()).announcement is not None
    clock.advance(seconds=1)
    assert board.read(now=clock()).announcement is None

    # Only the newest counts: a newer message replaces the older one at once.
    notifications.announce("Kitchen's closed", now=clock())
    clock.advance(seconds=10)
    notifications.announce("Taxis are here", now=clock())
    news = board.read(now=clock()).announcement
    assert news is not None and news.message == "Taxis are here"


def test_the_invite_is_the_kiosks_and_is_never_made_by_the_board(
    make: Factory, settings: Settings, clock: FrozenClock
) -> None:
    assert board.board_invite(settings, now=clock()) is None  # none yet: none made
    assert registration.list_codes() == []

    first = make.code()
    clock.advance(seconds=1)
    newest = make.code(max_uses=2)
    shown = board.board_invite(settings, now=clock())
    assert shown is not None and shown.code == newest
    assert shown.join_url.endswith(f"/j/{newest}")
    # The same code the kiosk shows.
    assert registration.current_invite(settings, now=clock(), created_by="kiosk").code == newest

    registration.revoke_code(newest)
    shown = board.board_invite(settings, now=clock())
    assert shown is not None and shown.code == first
    clock.advance(days=2)  # both expired
    assert board.board_invite(settings, now=clock()) is None
    assert len(registration.list_codes()) == 2


def test_no_invite_when_the_host_turned_it_off_or_in_popup_mode(
    make: Factory, settings: Settings, clock: FrozenClock
) -> None:
    make.code()
    assert board.board_invite(settings, now=clock()) is not None
    hidden = dataclasses.replace(settings, show_join_code=False)
    assert board.board_invite(hidden, now=clock()) is None
    # A pop-up's code is good for drinks: never on an anonymous board.
    assert board.board_invite(with_rules(settings, mode="popup"), now=clock()) is None

