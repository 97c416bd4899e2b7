"""The outbox: read since an id, tail across connections, retention and resync."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from bar import events, notifications, orders, shop
from bar.db import db


def test_read_since_filters_by_channel_in_id_order(make, clock):
    order = make.order()
    orders.advance(order.id, barista="Joe", now=clock())
    admin = events.read_since(0, [events.ADMIN])
    assert [e.type for e in admin] == ["NEW_ORDER", "ORDER_STATUS_CHANGED"]
    assert admin[0].id < admin[1].id
    assert events.read_since(admin[0].id, [events.ADMIN]) == admin[1:]
    message = admin[1].to_message()
    assert message["type"] == "event" and message["event"]["status"] == "preparing"


def test_tail_sees_commits_from_another_connection(make, clock):
    tail = events.EventTail()
    assert tail.poll() == []
    # Another thread has its own connection, as another process would.
    worker = threading.Thread(target=lambda: make.order())
    worker.start()
    worker.join(timeout=10)
    found = tail.poll()
    assert {e.type for e in found} == {"NEW_ORDER"} and len(found) == 3
    assert tail.poll() == []


def test_prune_then_resync(make, clock, settings):
    make.order()
    old_last = events.last_event_id()
    clock.advance(settings.event_retention + timedelta(seconds=1))
    shop.set_open(False, now=clock())
    assert events.prune(older_than=settings.event_retention, now=clock()) == old_last
    assert events.needs_resync(0) and events.needs_resync(old_last - 1)
    assert not events.needs_resync(old_last)
    assert [e.type for e in events.read_since(old_last)] == ["SHOP_STATUS_CHANGED"]


def test_announcement_reaches_every_guest_as_unread(make, clock):
    ana, bo = make.guest("Ana"), make.guest("Bo")
    notifications.announce("Last call!", now=clock())
    for guest in (ana, bo):
        (note,) = notifications.unread(guest.user_key)
        assert note.payload["message"] == "Last call!"
    assert notifications.mark_read(ana.user_key, now=clock()) == 1
    assert notifications.unread(ana.user_key) == [] and len(notifications.unread(bo.user_key)) == 1
    (event,) = events.read_since(0, [events.ANNOUNCEMENTS])
    assert event.payload["message"] == "Last call!"


def test_mark_read_only_touches_own_notifications(make, clock):
    ana, bo = make.guest("Ana"), make.guest("Bo")
    notifications.announce("Hello", now=clock())
    bo_note = notifications.unread(bo.user_key)[0]
    assert notifications.mark_read(ana.user_key, [bo_note.id], now=clock()) == 0
    assert len(notifications.unread(bo.user_key)) == 1


@pytest.mark.parametrize("role,user_key,channel,allowed", [
    (None, None, "display", True),
    (None, None, "config", True),
    (None, None, "announcements", True),
    (None, None, "admin", False),
    (None, None, "orders/u1", False),
    ("guest", "u1", "orders/u1", True),
    ("guest", "u1", "orders/u2", False),
    ("guest", "u1", "admin", False),
    ("guest", "u1", "nonsense", False),
    ("admin", "admin:1", "admin", True),
    ("admin", "admin:1", "orders/u2", True),
    ("admin", "admin:1", "nonsense", False),
])
def test_who_may_read_which_channel(role, user_key, channel, allowed):
    assert events.may_read(role, user_key, channel) is allowed


def test_the_message_text_is_the_message_without_decoding_the_payload(make, clock):
    """The tail hands sockets the stored payload spliced into the message: the same JSON
    as `to_message`, and nothing decoded on the way."""
    make.order(make.guest("Zoë \"Jo\" 山田"), note='a "quoted" «note» \\ 🍸')
    shop.set_open(False, now=clock())
    notifications.announce("Last call! ✨", now=clock())
    read = events.read_since(0)
    assert {e.type for e in read} >= {"NEW_ORDER", "SHOP_STATUS_CHANGED", "ANNOUNCEMENT"}
    for event in read:
        text = event.message_text()
        assert event._payload is None  # spliced, not decoded
        assert json.loads(text) == event.to_message()
    empty = events.BarEvent(7, events.CONFIG, "FROM_A_NEWER_VERSION", None, clock(), text="{}")
    assert json.loads(empty.message_text()) == {
        "type": "event", "id": 7, "channel": "config", "event": {"type": "FROM_A_NEWER_VERSION"}}


def test_a_tail_whose_connection_changed_still_reads(make, clock):
    """A thread's connection may change between two polls (given back while it waited
    for a group commit): a fresh connection's counters say nothing about the old one's."""
    make.order()
    db.close()
    db.close_idle()
    tail = events.EventTail()  # on a fresh connection
    assert tail.poll() == []
    db.close()
    db.close_idle()  # that connection is gone; the next poll opens another fresh one
    worker = threading.Thread(target=lambda: notifications.announce("Last call!", now=clock()))
    worker.start()
    worker.join(timeout=10)
    assert [e.type for e in tail.poll()] == ["ANNOUNCEMENT"]
