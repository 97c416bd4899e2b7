"""Lock-screen notifications: Web Push to the guests' browsers ("#12 Negroni is ready").

A guest page on a secure origin subscribes through its browser's push service and
hands the subscription to the bar (`subscribe`); the bar signs each push with its VAPID
key (in the database, made by `bar init`) and encrypts it for that
browser (pywebpush: RFC 8291/8292), and the page's service worker shows it, even with
the page closed.

- **Per session.** A subscription belongs to a guest's session (the refresh-token
  family it was made with): signing out (`bar.tokens.logout`, a reused token: the end
  of a family deletes its subscriptions) or a kick (`bar.guests.kick`: `forget_guest`)
  deletes it in the same transaction, and a push goes only to subscriptions whose
  session is still alive (not revoked, expired or idle past `auth.inactivity_timeout`).
- **Off the order path.** Nothing here runs in an order's transaction. The web server's
  event tailer hands the guest-channel events to a `Pusher` (`offer`: a list append)
  and goes on; the pusher's own thread decides, claims and sends.
- **Once, whichever server.** Several `bar serve` may share one PostgreSQL database,
  each tailing every event. A pusher claims its events in a write transaction that
  moves one `state` row (`push.position`, the highest event id pushed), so each event
  is pushed by the one process that claimed it.
- **Expired subscriptions go.** A push service answering 404 or 410 has forgotten the
  subscription: it is deleted. Other failures are logged; the guest still has the
  page's own chime and the unread notification on their next visit.

The VAPID key is a `state` row of the database, as the token signing keys are rows of
`signing_keys`: several servers on one PostgreSQL database push with the same key (a
browser's subscription names the public key it was made for), and `bar db copy` takes
it along.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bar import events
from bar.db import write
from bar.errors import InvalidInput, RefreshInvalid
from bar.models import PushSubscription, RefreshToken, State
from bar.payloads import ORDER_REMINDER, ORDER_STATUS_CHANGED
from bar.status import CANCELLED, EXPIRED, READY

if TYPE_CHECKING:
    from bar.config import Settings

log = logging.getLogger(__name__)

VAPID_KEY = "push.vapid_key"  # its `state` row
POSITION_KEY = "push.position"
SEND_TIMEOUT_S = 10
# A push the phone cannot get within this long (off, no signal) is dropped by the push
# service: a "ready" from an hour ago would only confuse.
PUSH_TTL_S = 15 * 60
MAX_ENDPOINT = 1000
PUSHED_TYPES = frozenset({ORDER_STATUS_CHANGED, ORDER_REMINDER})
PUSHED_STATUSES = frozenset({READY, CANCELLED, EXPIRED})


# -- the VAPID key -----------------------------------------------------------------------


def ensure_vapid_key() -> None:
    """Make the bar's VAPID key pair (P-256) if it has none. It is a row of the database,
    as the token signing keys are: every server of a bar pushes with the one key its
    guests' browsers subscribed with."""
    with write():
        if State.get_or_none(State.key == VAPID_KEY) is not None:
            return
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        State.create(key=VAPID_KEY, value=pem.decode())


def vapid_pem() -> bytes | None:
    """The bar's VAPID private key (PEM), or None before `bar init` made one."""
    row = State.get_or_none(State.key == VAPID_KEY)
    return row.value.encode() if row is not None else None


def application_server_key() -> str | None:
    """The public key a browser subscribes with (base64url of the uncompressed point),
    or None when the bar has no VAPID key yet."""
    pem = vapid_pem()
    if pem is None:
        return None
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem, password=None)
    point = key.public_key().public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64(point)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- subscriptions -----------------------------------------------------------------------


def subscribe(
    user_key: str, refresh_token: str, subscription: Any, *, now: datetime,
    inactivity_timeout: timedelta | None = None,
) -> None:
    """Keep a browser's push subscription for this guest's session (the one
    `refresh_token` belongs to). The same browser subscribing again (same endpoint)
    replaces its row. Raises `InvalidInput` for a malformed subscription and
    `RefreshInvalid` for a session that is not this guest's, or over."""
    endpoint, p256dh, auth = _clean(subscription)
    # Here, not at the top: PyJWT and the keys are for the web server, not `bar init`.
    from bar.tokens import _hash as token_hash  # how a refresh token is stored: one rule

    with write():
        row = RefreshToken.get_or_none(RefreshToken.token_hash == token_hash(refresh_token))
        # The foreign key's raw value (its user key), without loading the guest.
        owner = getattr(row, RefreshToken.guest.object_id_name) if row is not None else None
        if row is None or owner != user_key or row.is_revoked or row.expires_at <= now or (
                inactivity_timeout is not None and row.created_at <= now - inactivity_timeout):
            raise RefreshInvalid("this phone's session is over: join again to be notified")
        PushSubscription.insert(
            endpoint=endpoint, guest=user_key, family=row.family, p256dh=p256dh, auth=auth,
            created_at=now,
        ).on_conflict(
            conflict_target=[PushSubscription.endpoint],
            update={PushSubscription.guest: user_key, PushSubscription.family: row.family,
                    PushSubscription.p256dh: p256dh, PushSubscription.auth: auth,
                    PushSubscription.created_at: now},
        ).execute()


def unsubscribe(user_key: str, endpoint: str) -> bool:
    """The guest turned notifications off on this browser. True if there was one."""
    with write():
        deleted = PushSubscription.delete().where(
            PushSubscription.endpoint == endpoint, PushSubscription.guest == user_key).execute()
    return bool(deleted)


def forget_guest(user_key: str) -> None:
    """A guest was signed out everywhere (kick). Call inside `write()`."""
    PushSubscription.delete().where(PushSubscription.guest == user_key).execute()


def _clean(subscription: Any) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a browser's `PushSubscription.toJSON()`."""
    if not isinstance(subscription, dict):
        raise InvalidInput("subscription: expected the browser's push subscription object")
    endpoint, keys = subscription.get("endpoint"), subscription.get("keys")
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= MAX_ENDPOINT:
        raise InvalidInput(f"subscription.endpoint: a URL of at most {MAX_ENDPOINT} characters")
    parts = urlsplit(endpoint)
    # Push services are HTTPS (RFC 8030); anything else would have the bar post to
    # whatever address a guest names.
    if parts.scheme != "https" or not parts.hostname or not endpoint.isprintable():
        raise InvalidInput("subscription.endpoint: expected the push service's https:// URL")
    if not isinstance(keys, dict):
        raise InvalidInput("subscription.keys: expected {\"p256dh\", \"auth\"}")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        point = _unb64(p256dh) if isinstance(p256dh, str) else b""
        secret = _unb64(auth) if isinstance(auth, str) else b""
    except (binascii.Error, ValueError):
        point = secret = b""
    if len(point) != 65 or point[0] != 4:
        raise InvalidInput("subscription.keys.p256dh: expected a P-256 public key (base64url)")
    if len(secret) != 16:
        raise InvalidInput("subscription.keys.auth: expected 16 bytes (base64url)")
    return endpoint, _b64(point), _b64(secret)


# -- what is pushed ----------------------------------------------------------------------


def message_for(event: events.BarEvent) -> dict[str, Any] | None:
    """The notification an event of a guest's channel makes, or None."""
    if event.type not in PUSHED_TYPES:
        return None
    order = event.payload
    status = str(order.get("status", ""))
    if event.type == ORDER_STATUS_CHANGED and status not in PUSHED_STATUSES:
        return None
    what = f"#{order.get('number')} {order.get('drink_name', '')}".strip()
    if event.type == ORDER_REMINDER:
        title, body, kind = f"{what} is still waiting for you", "Pick it up at the bar.", "remind"
    elif status == READY:
        title, body, kind = f"{what} is ready", "Pick it up at the bar.", "ready"
    elif status == CANCELLED:
        reason = order.get("cancel_reason")
        title, kind = f"{what} was cancelled", "cancelled"
        body = f"Reason: {reason}" if reason else "You can order something else from the menu."
    else:
        title, body, kind = f"{what} expired", "You can order something else from the menu.", "expired"
    order_id = str(order.get("order_id", ""))
    # The tag is the page's own alert key: a push and the page's notification of the
    # same news replace each other instead of ringing twice.
    return {"title": title, "body": body, "tag": f"{kind}:{order_id}",
            "url": f"/#order-{order_id}", "order_id": order_id}


@dataclass(frozen=True)
class Push:
    """One notification to one browser."""

    endpoint: str
    p256dh: str
    auth: str
    message: dict[str, Any]

    def subscription_info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def claim(batch: list[events.BarEvent], *, now: datetime,
          inactivity_timeout: timedelta | None = None) -> list[Push]:
    """The pushes `batch` makes that this process is to send (see "Once" above).

    Reads first and writes only when some guest of the batch has a live subscription:
    a bar where nobody subscribed never takes the write lock for this.
    """
    wanted = [(event, message) for event in batch if (message := message_for(event)) is not None]
    if not wanted:
        return []
    keys = {event.channel.removeprefix("orders/") for event, _ in wanted}
    alive = (RefreshToken.select(RefreshToken.id)
             .where(RefreshToken.family == PushSubscription.family,
                    RefreshToken.is_revoked == False,  # noqa: E712
                    RefreshToken.expires_at > now))
    if inactivity_timeout is not None:
        alive = alive.where(RefreshToken.created_at > now - inactivity_timeout)
    subscriptions = list(PushSubscription.select().where(
        PushSubscription.guest.in_(sorted(keys)), fn_exists(alive)))
    if not subscriptions:
        return []
    by_guest: dict[str, list[PushSubscription]] = {}
    for sub in subscriptions:
        by_guest.setdefault(getattr(sub, PushSubscription.guest.object_id_name), []).append(sub)
    last = max(event.id for event, _ in wanted)
    with write():
        row = State.get_or_none(State.key == POSITION_KEY)
        position = int(row.value) if row is not None else 0
        if last <= position:
            return []  # another server pushed these
        State.insert(key=POSITION_KEY, value=last).on_conflict(
            conflict_target=[State.key], update={State.value: last}).execute()
        ours = [(e, m) for e, m in wanted if e.id > position]
        endpoints = [s.endpoint for e, _ in ours for s in by_guest.get(e.channel[7:], [])]
        if endpoints:
            PushSubscription.update(last_pushed_at=now).where(
                PushSubscription.endpoint.in_(endpoints)).execute()
    return [Push(s.endpoint, s.p256dh, s.auth, message)
            for event, message in ours for s in by_guest.get(event.channel[7:], [])]


def fn_exists(query: Any) -> Any:
    from peewee import fn

    return fn.EXISTS(query)


def drop(endpoint: str) -> None:
    """The push service has forgotten this subscription (404/410): so do we."""
    with write():
        PushSubscription.delete().where(PushSubscription.endpoint == endpoint).execute()


# -- the sender --------------------------------------------------------------------------

Sent = Callable[[Push, int], None]  # a push and the push service's status (tests watch it)


class Pusher:
    """The web server's pushes, sent from a thread (a greenlet under `bar serve`) of
    their own: the event tailer only appends to a list (`offer`)."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime],
                 on_sent: Sent | None = None) -> None:
        from bar.net import base_url

        self.settings = settings
        self.clock = clock
        self.on_sent = on_sent
        # The contact a push service may write to (RFC 8292's `sub`): the bar's https://
        # origin without its port (as push services and py-vapid want it), or a mailto:.
        base = urlsplit(base_url(settings))
        self._subject = (f"https://{base.hostname}" if base.scheme == "https" and base.hostname
                         else "mailto:host@bar.invalid")
        self._pending: list[events.BarEvent] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._vapid: Any = None

    @property
    def enabled(self) -> bool:
        """Has the bar a VAPID key (read once found: it never changes)?"""
        if self._vapid is None:
            pem = vapid_pem()
            if pem is None:
                return False
            from py_vapid import Vapid

            self._vapid = Vapid.from_pem(pem)
        return True

    def offer(self, batch: list[events.BarEvent]) -> None:
        """Called by the tailer with every new batch: keep the guests' pushable events."""
        mine = [e for e in batch if e.type in PUSHED_TYPES and e.channel.startswith("orders/")]
        if not mine:
            return
        with self._lock:
            self._pending.extend(mine)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="bar-push", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        from bar.db import db

        try:
            while not self._stop.is_set():
                self._wake.wait(1.0)
                self._wake.clear()
                with self._lock:
                    batch, self._pending = self._pending, []
                if batch:
                    try:
                        self.push(batch)
                    except Exception:  # the pusher must outlive any one failure
                        log.exception("sending push notifications failed")
        finally:
            db.close()

    def push(self, batch: list[events.BarEvent]) -> list[tuple[Push, int]]:
        """Claim and send `batch`'s pushes; each with the push service's status."""
        if not self.enabled:
            return []
        pushes = claim(batch, now=self.clock(),
                       inactivity_timeout=self.settings.inactivity_timeout)
        results = []
        for push in pushes:
            status = self._send(push)
            results.append((push, status))
            if status in (404, 410):
                drop(push.endpoint)
            if self.on_sent is not None:
                self.on_sent(push, status)
        return results

    def _send(self, push: Push) -> int:
        """POST one push; the push service's HTTP status (0: it could not be reached)."""
        from pywebpush import WebPushException, webpush

        try:
            response = webpush(
                push.subscription_info(), json.dumps(push.message), vapid_private_key=self._vapid,
                # A fresh dict each time: webpush writes the push service's `aud` into it.
                vapid_claims={"sub": self._subject}, ttl=PUSH_TTL_S, timeout=SEND_TIMEOUT_S,
                headers={"Urgency": "high", "Topic": _topic(push.message["tag"])},
            )
            return int(getattr(response, "status_code", 201))
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status not in (404, 410):
                log.warning("push to %s failed: %s", urlsplit(push.endpoint).hostname, exc.message)
            return int(status or 0)
        except Exception as exc:  # no internet, DNS, TLS: the page's own alerts remain
            log.warning("push to %s failed: %s", urlsplit(push.endpoint).hostname, exc)
            return 0


def _topic(tag: str) -> str:
    """RFC 8030's Topic (a newer push of the same topic replaces an undelivered one):
    at most 32 URL-safe characters."""
    return "".join(c for c in tag if c.isalnum() or c in "-_")[:32]
