"""Web Push (`bar.push`): one push per subscribed device of the order's guest, none to
anyone else, none after the session ends; a host's announcement to every live device;
claimed once across servers; subscriptions a push service has forgotten are dropped;
many devices are pushed in parallel, within a bound. Sent for real (pywebpush) to a push service
of our own on loopback, which checks the VAPID JWT and decrypts each payload."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bar import events, menu, notifications, orders, push, tokens
from bar.config import DEFAULT_LAST_CALL
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


def test_each_device_is_told_in_the_language_its_page_showed(settings, keys, make, clock, service):
    # The server's catalogs (`webapp.i18n`), as the web server's pusher has them.
    from webapp.i18n import gettext

    ana = make.registration("Ana")
    phone, laptop = service.browser("pt-phone"), service.browser("en-laptop")
    push.subscribe(ana.guest.user_key, ana.refresh_token, phone.subscription(), now=clock(),
                   language="pt-BR")
    push.subscribe(ana.guest.user_key, ana.refresh_token, laptop.subscription(), now=clock(),
                   language="en-GB")
    start_at = events.last_event_id()
    gone, own_words = make.order(ana.guest, "negroni"), make.order(ana.guest, "negroni")
    orders.move(gone.id, orders.CANCELLED, actor="barista", barista="Sam", reason="Out of stock",
                now=clock())
    orders.move(own_words.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="Sem gelo, desculpe", now=clock())
    # "Expresso" on a Portuguese menu (bar.toml's name_pt), "Short black" on an English one
    menu.edit_drink("espresso", {"translations": {"en": {"name": "Short black"}}}, now=clock())
    made = make.order(ana.guest, "espresso")
    ready(made.id, clock)
    push.Pusher(settings, clock=clock, translate=gettext).push(new_events(start_at))

    def said(browser, order) -> tuple[str, str]:
        [got] = [r.message for r in service.wait_for(6) if r.message["order_id"] == order.id
                 and f"{service.url}{r.path}" == browser.endpoint]
        return got["title"], got["body"]

    # the drink as the phone's page names it: the menu's Portuguese name
    assert said(phone, made) == (f"#{made.number} Expresso está pronto!", "Pode retirar no bar.")
    assert said(laptop, made) == (f"#{made.number} Short black is ready", "Pick it up at the bar.")
    assert said(phone, gone) == (f"#{gone.number} Negroni foi cancelado", "Motivo: Acabou o estoque")
    assert said(laptop, gone) == (f"#{gone.number} Negroni was cancelled", "Reason: Out of stock")
    # A reason in the barista's own words is said as typed, in every language.
    assert said(phone, own_words)[1] == "Motivo: Sem gelo, desculpe"
    assert said(laptop, own_words)[1] == "Reason: Sem gelo, desculpe"


def test_an_announcement_reaches_every_live_device_once_in_its_language(
        settings, keys, make, clock, service):
    from webapp.i18n import gettext

    ana, ben, cy, dee = (make.registration(n) for n in ("Ana", "Ben", "Cy", "Dee"))
    ana_phone, ana_laptop, ben_phone, cy_phone, dee_phone = (
        service.browser(n) for n in ("ana-pt", "ana-en", "ben-de", "cy", "dee"))
    for who, browser, language in ((ana, ana_phone, "pt-BR"), (ana, ana_laptop, "en"),
                                   (ben, ben_phone, "de"), (cy, cy_phone, "fr"),
                                   (dee, dee_phone, "es")):
        push.subscribe(who.guest.user_key, who.refresh_token, browser.subscription(), now=clock(),
                       language=language)
    make.kick("Cy")  # kicked, and Dee signed out: their subscriptions went with them
    tokens.logout(dee.refresh_token, now=clock())
    assert PushSubscription.select().count() == 3

    start_at = events.last_event_id()
    typed = 'Happy hour <b>now</b> & {free} "shots" <script>alert(1)</script>'
    host_words = notifications.announce(typed, now=clock())
    last_call = notifications.announce(DEFAULT_LAST_CALL, now=clock(), kind="last_call")
    batch = new_events(start_at)
    sent = push.Pusher(settings, clock=clock, translate=gettext).push(batch)
    assert sorted(status for _, status in sent) == [201] * 6

    def said(browser, event_id: int) -> tuple[str, str]:
        [got] = [r.message for r in service.to(browser) if r.message["tag"] == f"ann:{event_id}"]
        assert got["url"] == "/" and got["order_id"] is None  # a tap opens the page
        return got["title"], got["body"]

    service.wait_for(6)
    # The host's words exactly as typed, in every language; the bar's own in each one's.
    assert said(ana_phone, host_words) == ("De Friday Night Bar", typed)
    assert said(ana_laptop, host_words) == ("From Friday Night Bar", typed)
    assert said(ben_phone, host_words) == ("Von Friday Night Bar", typed)
    assert said(ana_phone, last_call) == ("De Friday Night Bar", "Última rodada!")
    assert said(ana_laptop, last_call) == ("From Friday Night Bar", "Last call!")
    assert said(ben_phone, last_call) == ("Von Friday Night Bar", "Letzte Runde!")
    assert not service.to(cy_phone) and not service.to(dee_phone)
    # Another server tailing the same events finds them claimed: nothing twice.
    assert push.Pusher(settings, clock=clock, translate=gettext).push(batch) == []
    assert len(service.received) == 6


def test_pushes_to_many_devices_go_out_in_parallel_within_the_bound(
        settings, keys, make, clock, service):
    # A slow push service: one at a time, this would take (devices × delay).
    service.delay = 0.3
    bound = push.SEND_CONCURRENCY
    guests = [make.registration(name) for name in ("Ana", "Ben", "Cy", "Dee")]
    browsers = [service.browser(f"device-{i}") for i in range(bound + 6)]
    for i, browser in enumerate(browsers):
        who = guests[i % len(guests)]
        push.subscribe(who.guest.user_key, who.refresh_token, browser.subscription(), now=clock())
    service.gone.add("/push/device-3")  # one the push service forgot: still dropped
    start_at = events.last_event_id()
    notifications.announce("Free snacks at the bar", now=clock())

    sent = push.Pusher(settings, clock=clock).push(new_events(start_at))
    assert sorted(p.endpoint for p, _ in sent) == sorted(b.endpoint for b in browsers)
    assert sorted(status for _, status in sent) == [201] * (len(browsers) - 1) + [410]
    assert len(service.wait_for(len(browsers) - 1)) == len(browsers) - 1
    assert 1 < service.most_in_flight <= bound
    assert PushSubscription.select().count() == len(browsers) - 1
    assert PushSubscription.get_or_none(PushSubscription.endpoint == browsers[3].endpoint) is None


def test_the_server_can_stop_while_the_first_push_starts_the_sender(settings, make, clock):
    # The sender thread starts with the first pushable batch, which may come while the
    # server is stopping: `stop` must never find a thread that is not started yet.
    start_at = events.last_event_id()
    notifications.announce("Free snacks at the bar", now=clock())
    batch = new_events(start_at)
    assert any(push.pushable(e) for e in batch)
    for _ in range(300):
        pusher = push.Pusher(settings, clock=clock)
        offering = threading.Thread(target=pusher.offer, args=(batch,))
        offering.start()
        pusher.stop()
        offering.join()
        pusher.stop()  # and once more, after the offer surely ran
        assert pusher._thread is None or not pusher._thread.is_alive()


def test_a_stopping_server_sends_no_more_of_a_big_announcement(
        settings, keys, make, clock, service):
    # A slow push service and many devices: stopping must not wait for them all (the
    # pool's workers would otherwise hold the server's exit for rounds × delay).
    service.delay = 0.5
    who = make.registration("Ana")
    browsers = [service.browser(f"device-{i}") for i in range(push.SEND_CONCURRENCY * 4)]
    for browser in browsers:
        push.subscribe(who.guest.user_key, who.refresh_token, browser.subscription(), now=clock())
    start_at = events.last_event_id()
    notifications.announce("Free snacks at the bar", now=clock())
    pusher = push.Pusher(settings, clock=clock)
    pusher.offer(new_events(start_at))
    service.wait_for(1)  # the first round is on its way
    pusher.stop(timeout=30)
    assert pusher._thread is not None and not pusher._thread.is_alive()
    sent = len(service.received)
    assert sent < len(browsers)  # the rounds not begun were never sent
    time.sleep(service.delay * 2)
    assert len(service.received) == sent  # nor later
