"""The guest page on a secure origin (the real `bar serve` over HTTPS, Chromium told to
accept the test's certificate): "Notify me" with the phone's wording, the permission,
the service worker; a push delivered to it shows "#N Negroni is ready"."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from bar import orders, registration
from bar.clock import utcnow
from bar.models import Order
from tests.certs import issue
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS, shot, wait_for_js, watch
from tests.e2e.test_guest_page import first_order_number, order_sheet
from tests.webapp.test_server import core_on, start_server  # noqa: F401 - a fixture

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")


def spki_pin(cert: Path) -> str:
    """Chromium's pin of a certificate's key (base64 of the SHA-256 of its SPKI)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    spki = x509.load_pem_x509_certificate(cert.read_bytes()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return base64.b64encode(digest.finalize()).decode()


def test_notify_me_on_a_secure_origin(start_server: Any, tmp_path: Path) -> None:  # noqa: F811
    certs = issue(tmp_path / "tls")
    from playwright.sync_api import sync_playwright
    served = start_server({"BAR_SERVER_TLS_CERT": str(certs.cert),
                           "BAR_SERVER_TLS_KEY": str(certs.key)})
    with core_on(served.data_dir):
        now = utcnow()
        code = registration.create_code(max_uses=5, expires_at=now + timedelta(hours=1), now=now)
    # Chromium trusts the test's certificate by its key (with Playwright's
    # ignore_https_errors alone, it refuses to register a service worker).
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki_pin(certs.cert)}"])
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                   user_agent=ANDROID_CHROME, locale="en-GB")
    page = context.new_page()
    seen = watch(page)
    try:
        page.goto(f"{served.base_url}/j/{code.code}")
        assert page.evaluate("window.isSecureContext") is True
        page.fill("#username", "Ana")
        page.click("#join-submit")
        page.wait_for_selector("#live-indicator[data-state=live]", timeout=TIMEOUT_MS)  # WSS
        order_sheet(page, "negroni")
        page.click("#order-button")
        number = first_order_number(page)

        # The offer, in an Android phone's words; the guest allows it when asked.
        page.wait_for_selector("#notify-button:visible")
        assert "lock screen, even with this page closed" in page.inner_text("#notify-hint")
        context.grant_permissions(["notifications"])
        page.click("#notify-button")
        wait_for_js(page, "Notification.permission === 'granted'")
        assert page.locator("#notify-button").is_hidden()
        scope = wait_for_js(page, """async () => {
            const reg = await navigator.serviceWorker.getRegistration('/static/');
            return reg && reg.active ? reg.scope : null; }""")
        assert scope == f"{served.base_url}/static/"
        # Chromium refuses Web Push in a Playwright context (incognito), and a test has no
        # push service (Google's, over the internet) anyway: subscribing fails, and the
        # page says once what the guest gets instead. Delivery to the bar's subscribers
        # is tested with a push service of our own (tests/webapp/test_https.py).
        page.wait_for_selector(".message-notice")
        assert "only while this page is open" in page.inner_text(".message-notice")

        # A push, handed to the service worker as the push service would: it shows the
        # notification, tagged as the page's own alert of the same news.
        cdp = context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated",
               lambda e: registrations.extend(e["registrations"]))
        cdp.send("ServiceWorker.enable")
        wait_for_js(page, "() => true")
        page.wait_for_timeout(200)
        ours = [r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]]
        assert ours, registrations
        with core_on(served.data_dir):
            order = Order.get(Order.number == number)
        message = {"title": f"#{number} Negroni is ready", "body": "Pick it up at the bar.",
                   "tag": f"ready:{order.id}", "url": f"/#order-{order.id}", "order_id": order.id}
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": served.base_url, "registrationId": ours[0]["registrationId"],
            "data": json.dumps(message)})
        shown = wait_for_js(page, """async () => {
            const reg = await navigator.serviceWorker.getRegistration('/static/');
            const all = await reg.getNotifications();
            return all.length ? all.map((n) => [n.title, n.body, n.tag, n.data.url]) : null; }""")
        assert shown == [[message["title"], message["body"], message["tag"], message["url"]]]
        # The host's announcement, as the bar pushes it: its words shown as typed, and a
        # tap opens the page.
        news = {"title": "From Friday Night Bar", "body": "Happy hour <b>now</b> & more",
                "tag": "ann:7", "url": "/", "order_id": None}
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": served.base_url, "registrationId": ours[0]["registrationId"],
            "data": json.dumps(news)})
        shown = wait_for_js(page, """async () => {
            const reg = await navigator.serviceWorker.getRegistration('/static/');
            const all = await reg.getNotifications({ tag: 'ann:7' });
            return all.length ? all.map((n) => [n.title, n.body, n.data.url]) : null; }""")
        assert shown == [[news["title"], news["body"], "/"]]
        with core_on(served.data_dir):
            orders.advance(order.id, barista="Sam", now=utcnow())
        shot(page, "https-notify-me")
    finally:
        context.close()
        chromium.close()
        playwright.stop()
    # Chromium's own console line about incognito (above), not the page's error.
    seen.errors = [e for e in seen.errors if "Push API in incognito mode" not in e]
    seen.check()
