"""A push service of our own on loopback, for the Web Push tests: it takes what the bar
posts (RFC 8030), checks the VAPID JWT (RFC 8292) and decrypts the payload (RFC 8291)
with the keys of the browser it made each subscription for, as a phone would."""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One browser's subscription: its endpoint and the keys only it holds."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives the page."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}


@dataclass
class Received:
    """A push as the service took it, decrypted and its JWT checked."""

    path: str
    message: dict[str, Any]
    claims: dict[str, Any]  # the VAPID JWT's, verified
    vapid_key: str  # `k=`: the bar's public key
    headers: dict[str, str]


@dataclass
class PushService:
    url: str
    server: ThreadingHTTPServer
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # paths answered with 410
    delay: float = 0.0  # seconds each push takes to answer: a slow push service
    in_flight: int = 0
    most_in_flight: int = 0  # the most pushes it was answering at once
    lock: threading.Lock = field(default_factory=threading.Lock)

    def browser(self, name: str) -> Browser:
        path = f"/push/{name}"
        self.browsers[path] = Browser(f"{self.url}{path}",
                                      ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        return self.browsers[path]

    def to(self, browser: Browser) -> list[Received]:
        return [r for r in self.received if f"{self.url}{r.path}" == browser.endpoint]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """At least `count` pushes taken (a bound, not a speed)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.errors, self.errors
        assert len(self.received) >= count, f"{len(self.received)} pushes of {count}"
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(cert: Path, key: Path) -> PushService:
    """The service on a free loopback port, over HTTPS with `cert` (as real ones are)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            with service.lock:
                service.in_flight += 1
                service.most_in_flight = max(service.most_in_flight, service.in_flight)
            try:
                if service.delay:
                    time.sleep(service.delay)
                self.take()
            finally:
                with service.lock:
                    service.in_flight -= 1

        def take(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                received = check(self.path, dict(self.headers.items()), body)
            except Exception as exc:  # the test fails on it, with why
                service.errors.append(f"{self.path}: {type(exc).__name__}: {exc}")
                self.send_response(400)
            else:
                if self.path in service.gone:
                    self.send_response(410)
                else:
                    service.received.append(received)
                    self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def check(path: str, headers: dict[str, str], body: bytes) -> Received:
        browser = service.browsers[path]
        lower = {k.lower(): v for k, v in headers.items()}
        scheme, _, params = lower["authorization"].partition(" ")
        assert scheme == "vapid", lower["authorization"]
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
        claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=service.url,
                            options={"require": ["exp", "sub", "aud"]})
        assert lower["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth,
                                 version="aes128gcm")
        return Received(path, json.loads(plain), claims, fields["k"], lower)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the bar's parallel pushes connect at once
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    service = PushService(f"https://127.0.0.1:{server.server_address[1]}", server)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return service
