"""`/ws` with a real server on a loopback port and a real client (websocket-client)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests

from bar import events, menu, notifications, orders, shop, tokens
from tests.webapp.conftest import wait_for
from webapp import sockets


def is_event(kind: str):
    return lambda m: m["type"] == "event" and m["event"]["type"] == kind


def test_guest_gets_own_order_events_live(ws_client, api, clock, live_server):
    guest = api.register("Ana")
    ws = ws_client()
    assert ws.auth(guest.access_token) == {
        "type": "auth_ok", "role": "guest", "user_key": guest.user_key}
    subscribed = ws.subscribe(guest.channel)[-1]
    assert subscribed["channels"] == [guest.channel]
    assert subscribed["last_id"] == events.last_event_id()

    # The guest orders over HTTP; the kiosk (here: the core, from this thread) moves it.
    placed = requests.post(f"{live_server}/api/orders", json={"drink_id": "negroni"},
                           headers=guest.auth, timeout=5).json()["order"]
    new = ws.recv()
    assert (new["channel"], new["event"]["type"]) == (guest.channel, "NEW_ORDER")
    assert new["event"]["order_id"] == placed["order_id"]

    orders.move(placed["order_id"], "preparing", actor="barista", barista="sam", now=clock())
    moved = ws.recv()
    assert moved["event"]["type"] == "ORDER_STATUS_CHANGED"
    assert moved["event"]["status"] == "preparing"
    orders.advance(placed["order_id"], barista="sam", now=clock())
    ready = ws.recv()
    assert ready["event"]["status"] == "ready"
    assert new["id"] < moved["id"] < ready["id"]


def test_guest_may_not_read_other_guests_or_admin(ws_client, api, clock):
    ana, bob = api.register("Ana"), api.register("Bob")
    ws = ws_client()
    ws.auth(ana.access_token)
    messages = ws.subscribe(ana.channel, bob.channel, events.ADMIN, events.DISPLAY)
    errors = [m for m in messages if m["type"] == "error"]
    assert {(e["code"], e["channel"]) for e in errors} == {
        ("forbidden", bob.channel), ("forbidden", events.ADMIN)}
    assert messages[-1]["channels"] == [ana.channel, events.DISPLAY]

    api.order(bob)
    api.order(ana)
    # Bob's order shows on the board only; Ana's on her channel and the board.
    seen = [ws.recv() for _ in range(3)]
    assert [m["channel"] for m in seen] == [events.DISPLAY, ana.channel, events.DISPLAY]
    assert [m["event"]["first_name"] for m in seen if m["channel"] == events.DISPLAY] == [
        "Bob", "Ana"]
    assert ws.nothing_within(0.2)


def test_anonymous_socket_reads_public_channels_only(ws_client, api, clock):
    ws = ws_client()
    messages = ws.subscribe(events.DISPLAY, events.CONFIG, events.ANNOUNCEMENTS,
                            events.ADMIN, "orders/anyone", "made-up")
    forbidden = {m["channel"] for m in messages if m["type"] == "error"}
    assert forbidden == {events.ADMIN, "orders/anyone", "made-up"}
    assert messages[-1]["channels"] == [events.DISPLAY, events.CONFIG, events.ANNOUNCEMENTS]

    guest = api.register("Ana Lopez")
    api.order(guest)
    board = ws.recv()
    assert board["channel"] == events.DISPLAY
    assert board["event"]["first_name"] == "Ana"
    assert guest.user_key not in str(board)
    shop.set_open(False, now=clock())
    assert ws.recv()["event"] == {"type": "SHOP_STATUS_CHANGED", "is_open": False,
                                     "queue_full": False}
    menu.set_in_stock("negroni", False, now=clock())
    assert ws.recv()["event"]["type"] == "MENU_CHANGED"
    notifications.announce("Last call!", now=clock())
    announcement = ws.recv()
    assert (announcement["channel"], announcement["event"]["message"]) == (
        events.ANNOUNCEMENTS, "Last call!")


def test_admin_reads_admin_and_any_guest_channel(ws_client, api):
    guest = api.register("Ana")
    admin_token = api.admin("sam")["Authorization"][7:]
    ws = ws_client()
    assert ws.auth(admin_token)["role"] == "admin"
    messages = ws.subscribe(events.ADMIN, guest.channel)
    assert messages == [messages[-1]]  # no errors
    assert messages[-1]["channels"] == [events.ADMIN, guest.channel]
    api.order(guest)
    got = [ws.recv(), ws.recv()]
    assert {m["channel"] for m in got} == {events.ADMIN, guest.channel}
    admin_event = next(m for m in got if m["channel"] == events.ADMIN)
    assert admin_event["event"]["username"] == "Ana"


def test_healthz_counts_open_sockets_and_the_guests_phones_among_them(ws_client, api, live_server):
    def counts() -> tuple[int, int]:
        body = requests.get(f"{live_server}/healthz", timeout=5).json()
        return body["sockets"], body["guest_sockets"]

    board, tablet, phone = ws_client(), ws_client(), ws_client()
    board.subscribe(events.DISPLAY)  # a TV board: never signs in
    assert tablet.auth(api.admin("sam")["Authorization"][7:])["role"] == "admin"
    guest = api.register("Ana")
    assert phone.auth(guest.access_token)["role"] == "guest"
    assert wait_for(lambda: counts() == (3, 1))  # only the guest's page is a phone
    phone.close()
    assert wait_for(lambda: counts() == (2, 0))


@pytest.mark.parametrize("token", ["garbage", "", None, "a.b.c"])
def test_bad_token_gets_an_error_and_is_closed(ws_client, token):
    ws = ws_client()
    error = ws.auth(token)
    assert (error["type"], error["code"]) == ("error", "token_invalid")
    assert ws.closed() == 1008


def test_expired_token_gets_token_expired(ws_client, api, clock):
    guest = api.register()
    clock.advance(hours=4)
    ws = ws_client()
    assert ws.auth(guest.access_token)["code"] == "token_expired"
    assert ws.closed() == 1008


def test_refresh_token_is_not_an_access_token(ws_client, api):
    guest = api.register()
    ws = ws_client()
    assert ws.auth(guest.refresh_token)["code"] == "token_invalid"


def test_socket_is_closed_when_its_token_expires(ws_client, api, clock):
    guest = api.register()
    ws = ws_client()
    ws.auth(guest.access_token)
    ws.subscribe(guest.channel)
    clock.advance(hours=4)
    assert ws.recv(timeout=5)["code"] == "token_expired"
    assert ws.closed() == 1008


def test_unread_notifications_come_first_after_auth(ws_client, api, clock):
    guest = api.register()
    order = api.order(guest)
    for status in ("preparing", "ready"):
        orders.move(order["order_id"], status, actor="barista", barista="sam", now=clock())
    notifications.announce("Happy hour", now=clock())
    ws = ws_client()
    assert ws.auth(guest.access_token)["type"] == "auth_ok"
    first, second = ws.recv(), ws.recv()
    assert first["type"] == second["type"] == "notification"
    assert first["notification"]["type"] == "ORDER_READY"
    assert first["notification"]["payload"]["order_id"] == order["order_id"]
    assert second["notification"]["payload"]["message"] == "Happy hour"


def test_since_replays_missed_events_then_goes_live(ws_client, api, clock):
    guest = api.register()
    order = api.order(guest)
    since = events.last_event_id()
    orders.move(order["order_id"], "preparing", actor="barista", barista="sam", now=clock())
    orders.move(order["order_id"], "ready", actor="barista", barista="sam", now=clock())

    ws = ws_client()
    ws.auth(guest.access_token)
    ws.subscribe(guest.channel, since=since)
    replayed = [ws.recv(), ws.recv()]
    assert [m["event"]["status"] for m in replayed] == ["preparing", "ready"]
    assert all(m["id"] > since for m in replayed)
    orders.move(order["order_id"], "served", actor="barista", barista="sam", now=clock())
    live = ws.recv()
    assert live["event"]["status"] == "served"
    assert replayed[0]["id"] < replayed[1]["id"] < live["id"]
    assert ws.nothing_within(0.2)


def test_replay_and_live_events_have_no_gaps_or_duplicates(ws_client, api, clock, make):
    guest = api.register()
    order = api.order(guest)
    since = events.last_event_id()
    done = threading.Event()

    def barista() -> None:
        # Claims and unclaims while the client subscribes: replay and live overlap.
        for i in range(60):
            status = "preparing" if i % 2 == 0 else "pending"
            orders.move(order["order_id"], status, actor="barista", barista="sam", now=clock())
        done.set()

    thread = threading.Thread(target=barista)
    thread.start()
    ws = ws_client()
    ws.auth(guest.access_token)
    ws.subscribe(guest.channel, since=since)
    thread.join(10)
    assert done.is_set()
    expected = [e.id for e in events.read_since(since, [guest.channel])]
    received = [ws.recv()["id"] for _ in expected]
    assert received == expected
    assert ws.nothing_within(0.2)


def test_since_before_pruned_events_asks_for_a_resync(ws_client, api, clock, settings):
    api.order(api.register())
    clock.advance(settings.event_retention + timedelta(hours=1))
    assert events.prune(older_than=settings.event_retention, now=clock()) > 0
    ws = ws_client()
    messages = ws.subscribe(events.DISPLAY, since=0)
    assert messages[-1]["type"] == "subscribed"
    assert ws.recv() == {"type": "resync"}
    # Still live afterwards: Ana's order, two days overdue, expires at once.
    expired = ws.recv()
    assert (expired["event"]["first_name"], expired["event"]["status"]) == ("Ana", "expired")
    api.order(api.register("Bob"))
    assert ws.recv()["event"]["first_name"] == "Bob"


def test_since_from_another_database_asks_for_a_resync(ws_client):
    ws = ws_client()
    ws.subscribe(events.DISPLAY, since=10**9)
    assert ws.recv() == {"type": "resync"}


def test_ping_and_bad_messages(ws_client):
    ws = ws_client()
    ws.send({"type": "ping"})
    assert ws.recv() == {"type": "pong"}
    ws.ws.send("{nope")
    assert ws.recv()["code"] == "invalid_json"
    ws.send({"type": "dance"})
    assert ws.recv()["code"] == "invalid_message"
    ws.send({"type": "subscribe", "channels": "display"})
    assert ws.recv()["code"] == "invalid_message"
    ws.send({"type": "subscribe", "channels": ["display"], "since": -1})
    assert ws.recv()["code"] == "invalid_message"
    ws.subscribe(events.DISPLAY)
    ws.send({"type": "auth", "token": "late"})
    assert ws.recv()["code"] == "invalid_message"  # auth comes first or not at all
    ws.send({"type": "ping"})
    assert ws.recv() == {"type": "pong"}  # still open


def test_closed_sockets_are_unsubscribed(ws_client, app):
    hub = app.extensions["bar"].hub
    a, b = ws_client(), ws_client()
    a.subscribe(events.DISPLAY)
    b.subscribe(events.DISPLAY)
    assert hub.connection_count() == 2
    a.close()
    wait_for(lambda: hub.connection_count() == 1)
    b.close()
    wait_for(lambda: hub.connection_count() == 0)


def test_guest_token_for_wrong_issuer_is_refused(ws_client, keys, clock):
    token = tokens.issue_access(keys, user_key="u", username="Eve", role="guest",
                                issuer="another-bar", ttl=timedelta(hours=1), now=clock())
    ws = ws_client()
    assert ws.auth(token)["code"] == "token_invalid"


def test_oversized_message_closes_the_socket(ws_client):
    ws = ws_client()
    ws.send({"type": "ping", "pad": "x" * 20_000})
    assert ws.closed() == 1009  # message too big


def test_a_socket_that_never_says_anything_is_closed(ws_client, monkeypatch):
    monkeypatch.setattr(sockets, "FIRST_MESSAGE_TIMEOUT_S", 0.2)
    ws = ws_client()
    assert ws.recv(timeout=5)["code"] == "timeout"
    assert ws.closed() == 1008
