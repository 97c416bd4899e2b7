"""HTTPS on the LAN: the real `bar serve` with a throwaway certificate (made here with
`cryptography`) serves the whole guest flow over HTTPS and WSS, redirects plain HTTP,
refuses a bad certificate in one line, and pushes a ready drink to each subscribed
device of its guest (to a push service of our own on loopback), none to anyone else,
none after a sign-out, and the host's announcement to every device."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bar import events, notifications, orders, registration
from bar.clock import utcnow
from bar.models import Guest
from tests.certs import Issued, issue
from tests.pushservice import PushService, start
from tests.webapp.conftest import WsClient
from tests.webapp.test_server import core_on, start_server  # noqa: F401 - a fixture


@pytest.fixture
def certs(tmp_path: Path) -> Issued:
    return issue(tmp_path / "tls")


@pytest.fixture
def push_service(certs: Issued) -> Iterator[PushService]:
    service = start(certs.cert, certs.key)
    yield service
    service.close()


def tls_env(certs: Issued) -> dict[str, str]:
    # REQUESTS_CA_BUNDLE: the server's pushes (pywebpush, requests) trust the test's CA,
    # as they trust the public CAs of the real push services.
    return {"BAR_SERVER_TLS_CERT": str(certs.cert), "BAR_SERVER_TLS_KEY": str(certs.key),
            "REQUESTS_CA_BUNDLE": str(certs.ca)}


class Phone:
    """A guest's browser, as the API sees it: its tokens, and its push subscription."""

    def __init__(self, base: str, ca: Path, code: str, name: str) -> None:
        self.base, self.ca = base, ca
        answer = self.call("POST", "/api/register", 201, json={"username": name},
                           headers={"X-Registration-Code": code})
        self.user_key = answer["user"]["user_key"]
        self.access, self.refresh = answer["access_token"], answer["refresh_token"]

    def call(self, method: str, path: str, status: int, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if getattr(self, "access", None):
            headers["Authorization"] = f"Bearer {self.access}"
        response = requests.request(method, self.base + path, headers=headers, verify=str(self.ca),
                                    timeout=10, **kw)
        assert response.status_code == status, response.text
        return response.json()

    def order(self) -> str:
        return str(self.call("POST", "/api/orders", 201, json={"drink_id": "negroni"})["order"]["order_id"])


def test_the_guest_flow_runs_over_https_and_wss_and_pushes_reach_the_right_devices(
    start_server: Any, certs: Issued, push_service: PushService,  # noqa: F811
) -> None:
    served = start_server(tls_env(certs))
    base = served.base_url
    assert base.startswith("https://")
    with core_on(served.data_dir):
        now = utcnow()
        code = registration.create_code(max_uses=5, expires_at=now + timedelta(hours=1), now=now).code

    # Plain HTTP on the same port: a redirect to the same path over HTTPS.
    plain = requests.get(base.replace("https://", "http://") + f"/j/{code}?x=1",
                         allow_redirects=False, timeout=10)
    assert plain.status_code == 307
    assert plain.headers["Location"] == f"{base}/j/{code}?x=1"
    assert "HTTPS" in plain.text
    # The join page itself, and the push key, over HTTPS with a certificate the client checks.
    assert "<title>" in requests.get(f"{base}/j/{code}", verify=str(certs.ca), timeout=10).text
    info = requests.get(f"{base}/api/push", verify=str(certs.ca), timeout=10).json()
    assert info["available"] is True and info["public_key"]

    ana = Phone(base, certs.ca, code, "Ana")
    ben = Phone(base, certs.ca, code, "Ben")
    ana_phone, ana_tablet, ben_phone = (push_service.browser(n) for n in ("ana-1", "ana-2", "ben"))
    for who, browser in ((ana, ana_phone), (ana, ana_tablet), (ben, ben_phone)):
        who.call("POST", "/api/push/subscriptions", 201,
                 json={"subscription": browser.subscription(), "refresh_token": who.refresh})

    live = WsClient(base, ca=certs.ca)  # WSS, the certificate checked
    try:
        assert live.auth(ana.access)["type"] == "auth_ok"
        live.subscribe(events.guest_channel(ana.user_key))
        first = ana.order()
        with core_on(served.data_dir):  # the barista, in the kiosk's process
            for _ in range(2):
                number = orders.advance(first, barista="Sam", now=utcnow()).number
        seen = live.recv_until(lambda m: m["type"] == "event" and m["event"].get("status") == "ready")
        assert seen[-1]["event"]["order_id"] == first
    finally:
        live.close()

    # Ana's two devices, each once; then Ben's drink (pushed after Ana's: one sender, in
    # order) shows nothing more went to Ana, and nothing of Ana's went to Ben.
    push_service.wait_for(2)
    ben_first = ben.order()
    with core_on(served.data_dir):
        for _ in range(2):
            orders.advance(ben_first, barista="Sam", now=utcnow())
    push_service.wait_for(3)
    assert [r.message["title"] for r in push_service.to(ana_phone)] == [f"#{number} Negroni is ready"]
    assert len(push_service.to(ana_tablet)) == 1
    assert [r.message["order_id"] for r in push_service.to(ben_phone)] == [ben_first]
    assert push_service.to(ana_phone)[0].vapid_key == info["public_key"]
    assert push_service.to(ana_phone)[0].claims["sub"] == "https://127.0.0.1"

    # The host's announcement (the kiosk, the CLI) reaches all three devices, sent by the
    # server's pool of greenlets, the words as typed.
    with core_on(served.data_dir):
        said = notifications.announce("Happy hour <b>now</b>", now=utcnow())
    push_service.wait_for(6)
    for browser in (ana_phone, ana_tablet, ben_phone):
        assert [(r.message["title"], r.message["body"]) for r in push_service.to(browser)
                if r.message["tag"] == f"ann:{said}"] == [("From Friday Night Bar", "Happy hour <b>now</b>")]

    # Ana signs out ("Sign out on this phone"): her session's subscriptions end with it.
    ana.call("POST", "/api/auth/logout", 200, json={"refresh_token": ana.refresh})
    with core_on(served.data_dir) as settings:
        orders.advance(first, barista="Sam", now=utcnow())  # served
        orders.advance(ben_first, barista="Sam", now=utcnow())
        later = [orders.place_order(settings, Guest.get_by_id(who.user_key), drink_id="negroni",
                                    now=utcnow()).order.id for who in (ana, ben)]
        for order_id in later:  # Ana's drink first, then Ben's
            for _ in range(2):
                orders.advance(order_id, barista="Sam", now=utcnow())
    push_service.wait_for(7)  # Ben's second: everything before it was sent, or not at all
    assert len(push_service.to(ana_phone)) == len(push_service.to(ana_tablet)) == 2
    assert [r.message["order_id"] for r in push_service.to(ben_phone)] == [ben_first, None, later[1]]
    assert len(push_service.received) == 7
