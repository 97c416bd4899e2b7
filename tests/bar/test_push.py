"""Web Push (`bar.push`): one push per subscribed device of the order's guest, none to
anyone else, none after the session ends; claimed once across servers; subscriptions
a push service has forgotten are dropped. Sent for real (pywebpush) to a push service
of our own on loopback, which checks the VAPID JWT and decrypts each payload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bar import events, orders, push, tokens
from bar.errors import InvalidInput, RefreshInvalid
from bar.models import PushSubscription
from tests.certs import issue
from tests.pushservice import PushService, start


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    certs = issue(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs.ca))  # pywebpush's requests trusts it
    running = start(certs.cert, certs.key)
    yield running
    running.close()


def ready(order_id: str, clock) -> None:
    orders.advance(order_id, barista="Sam", now=clock())
    orders.advance(order_id, barista="Sam", now=clock())


def new_events(after: int) -> list[events.BarEvent]:
    return events.read_since(after)


def test_a_ready_drink_reaches_each_device_of_its_guest_once(settings, keys, make, clock, service):
    ana, ben = make.registration("Ana"), make.registration("Ben Ng")
    ana_phone, ana_tablet, ben_phone = (service.browser(n) for n in ("ana-phone", "ana-tablet", "ben"))
    for who, browser in ((ana, ana_phone), (ana, ana_tablet), (ben, ben_phone)):
        push.subscribe(who.guest.user_key, who.refresh_token, browser.subscription(), now=clock())
    order = make.order(ana.guest, "negroni")
    start_at = events.last_event_id()
    ready(order.id, clock)
    batch = new_events(start_at)

    sent = push.Pusher(settings, clock=clock).push(batch)
    assert sorted(p.endpoint for p, status in sent if status == 201) == sorted(
        [ana_phone.endpoint, ana_tablet.endpoint])
    got = service.wait_for(2)
    assert not service.to(ben_phone)
    for received in got:
        assert received.message["title"] == f"#{order.number} Negroni is ready"
        assert received.message["tag"] == f"ready:{order.id}"
        assert received.message["url"] == f"/#order-{order.id}"
        assert received.vapid_key == push.application_server_key()
        assert received.claims["sub"].startswith(("https://", "mailto:"))
    # Another server tailing the same events finds them claimed: nothing twice.
    assert push.Pusher(settings, clock=clock).push(batch) == []
    # A move that is not news (claimed, served) pushes nothing.
    start_at = events.last_event_id()
    orders.advance(order.id, barista="Sam", now=clock())
    assert push.Pusher(settings, clock=clock).push(new_events(start_at)) == []
    assert len(service.received) == 2


def test_a_session_signed_out_or_kicked_gets_no_more_pushes(settings, keys, make, clock, service):
    ana, ben = make.registration("Ana"), make.registration("Ben")
    phone, tablet, ben_phone = (service.browser(n) for n in ("phone", "tablet", "ben"))
    push.subscribe(ana.guest.user_key, ana.refresh_token, phone.subscription(), now=clock())
    push.subscribe(ben.guest.user_key, ben.refresh_token, ben_phone.subscription(), now=clock())
    assert PushSubscription.select().count() == 2

    tokens.logout(ana.refresh_token, now=clock())  # "Sign out on this phone"
    make.kick("Ben")
    assert PushSubscription.select().count() == 0
    with pytest.raises(RefreshInvalid):  # and the ended session cannot subscribe again
        push.subscribe(ana.guest.user_key, ana.refresh_token, tablet.subscription(), now=clock())

    order = make.order(make.guest("Cy"), "negroni")
    start_at = events.last_event_id()
    ready(order.id, clock)
    assert push.Pusher(settings, clock=clock).push(new_events(start_at)) == []
    assert service.received == []


def test_a_subscription_the_push_service_forgot_is_dropped(settings, keys, make, clock, service):
    ana = make.registration("Ana")
    old, current = service.browser("old"), service.browser("current")
    for browser in (old, current):
        push.subscribe(ana.guest.user_key, ana.refresh_token, browser.subscription(), now=clock())
    service.gone.add("/push/old")
    order = make.order(ana.guest, "negroni")
    start_at = events.last_event_id()
    ready(order.id, clock)
    sent = push.Pusher(settings, clock=clock).push(new_events(start_at))
    assert sorted(status for _, status in sent) == [201, 410]
    assert [s.endpoint for s in PushSubscription.select()] == [current.endpoint]


def test_a_subscription_must_be_a_push_service_s_and_this_guest_s_session(keys, make, clock, service):
    ana, ben = make.registration("Ana"), make.registration("Ben")
    good = service.browser("x").subscription()
    for bad in (
        None, {"endpoint": "http://127.0.0.1:1/push", "keys": good["keys"]},
        {"endpoint": "file:///etc/passwd", "keys": good["keys"]},
        {**good, "keys": {"p256dh": "AAAA", "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"], "auth": "%%%"}},
    ):
        with pytest.raises(InvalidInput):
            push.subscribe(ana.guest.user_key, ana.refresh_token, bad, now=clock())
    with pytest.raises(RefreshInvalid):  # Ben's session is not Ana's
        push.subscribe(ana.guest.user_key, ben.refresh_token, good, now=clock())
    push.subscribe(ana.guest.user_key, ana.refresh_token, good, now=clock())
    push.subscribe(ana.guest.user_key, ana.refresh_token, good, now=clock())  # again: one row
    assert PushSubscription.select().count() == 1
    assert push.unsubscribe(ana.guest.user_key, good["endpoint"])
    assert PushSubscription.select().count() == 0
