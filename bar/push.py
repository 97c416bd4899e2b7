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
- **In the guest's language.** A subscription keeps the language its page showed
  (`X-Bar-Language`); each push is worded in it: the sentences below are marked `N_`
  for the server's catalogs, and the web server's `Pusher` gets their `Translate`
  (`webapp.i18n.gettext`), a reason the bar has a template for (`bar.reasons`) too.
- **Announcements to everyone.** A host's announcement (`bar announce`, the kiosk) goes
  to every live subscription, titled "From <the bar's name>": the host's words exactly as
  typed (a notification's body is plain text: nothing in it is markup), the bar's own
  (`kind`, the daily last call) in each subscription's language.
- **In parallel.** One announcement may go to hundreds of phones, and a push service may
  take a while to answer each: up to `SEND_CONCURRENCY` pushes are in flight at once
  (worker threads, which are greenlets under `bar serve`'s gevent). Only the sender's
  own thread touches the database (claims, and dropping forgotten subscriptions).
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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bar import events, reasons
from bar.config import DEFAULT_LAST_CALL, Settings
from bar.db import write
from bar.errors import InvalidInput, RefreshInvalid
from bar.language import DEFAULT_LANGUAGE, N_, Translate, english, language_of
from bar.models import Drink, PushSubscription, RefreshToken, State
from bar.payloads import ANNOUNCEMENT, ORDER_REMINDER, ORDER_STATUS_CHANGED
from bar.status import CANCELLED, EXPIRED, READY
from bar.timers import LAST_CALL

log = logging.getLogger(__name__)

VAPID_KEY = "push.vapid_key"  # its `state` row
POSITION_KEY = "push.position"
SEND_TIMEOUT_S = 10
# Pushes in flight at once: enough that 1,000 phones behind a push service answering in
# half a second hear an announcement within a minute, few enough for a small machine.
SEND_CONCURRENCY = 12
# A push the phone cannot get within this long (off, no signal) is dropped by the push
# service: a "ready" from an hour ago would only confuse.
PUSH_TTL_S = 15 * 60
MAX_ENDPOINT = 1000
PUSHED_TYPES = frozenset({ORDER_STATUS_CHANGED, ORDER_REMINDER, ANNOUNCEMENT})
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
    inactivity_timeout: timedelta | None = None, language: str | None = None,
) -> None:
    """Keep a browser's push subscription for this guest's session (the one
    `refresh_token` belongs to), with the `language` its pushes are to be worded in
    (English for one we do not speak). The same browser subscribing again (same
    endpoint) replaces its row. Raises `InvalidInput` for a malformed subscription and
    `RefreshInvalid` for a session that is not this guest's, or over."""
    endpoint, p256dh, auth = _clean(subscription)
    language = language_of(language) or DEFAULT_LANGUAGE
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
            created_at=now, language=language,
        ).on_conflict(
            conflict_target=[PushSubscription.endpoint],
            update={PushSubscription.guest: user_key, PushSubscription.family: row.family,
                    PushSubscription.p256dh: p256dh, PushSubscription.auth: auth,
                    PushSubscription.created_at: now, PushSubscription.language: language},
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


# What a push says (English; marked for the server's catalogs). `{what}` is "#12 Negroni".
READY_TITLE = N_("{what} is ready")
REMIND_TITLE = N_("{what} is still waiting for you")
CANCELLED_TITLE = N_("{what} was cancelled")
EXPIRED_TITLE = N_("{what} expired")
PICK_UP = N_("Pick it up at the bar.")
REASON = N_("Reason: {reason}")
ORDER_ELSE = N_("You can order something else from the menu.")
# An announcement's title; `{bar}` is bar.toml's `name`.
FROM_BAR = N_("From {bar}")
# The announcements the bar makes in its own words, by `Announcement.kind`.
OWN_WORDS = {LAST_CALL: DEFAULT_LAST_CALL}


def for_everyone(event: events.BarEvent) -> bool:
    """Is this event news for every guest (an announcement), not for one guest?"""
    return event.type == ANNOUNCEMENT and event.channel == events.ANNOUNCEMENTS


def pushable(event: events.BarEvent) -> bool:
    """Might this event make a push (before looking at what it says)?"""
    return event.type in PUSHED_TYPES and (
        event.channel.startswith("orders/") or for_everyone(event))


def message_for(event: events.BarEvent, language: str = DEFAULT_LANGUAGE,
                translate: Translate = english, *, bar_name: str = "bar",
                drink_name: str | None = None) -> dict[str, Any] | None:
    """The notification an event makes, in `language`, or None. `drink_name`: the
    menu's name of the order's drink in that language (the page says it so too), where
    it has one; else the name it was ordered under."""
    if not pushable(event):
        return None

    def say(sentence: str, **params: object) -> str:
        return translate(language, sentence).format(**params)

    if for_everyone(event):
        return _announcement(event, say, bar_name)
    order = event.payload
    status = str(order.get("status", ""))
    if event.type == ORDER_STATUS_CHANGED and status not in PUSHED_STATUSES:
        return None
    what = f"#{order.get('number')} {drink_name or order.get('drink_name', '')}".strip()
    if event.type == ORDER_REMINDER:
        title, body, kind = say(REMIND_TITLE, what=what), say(PICK_UP), "remind"
    elif status == READY:
        title, body, kind = say(READY_TITLE, what=what), say(PICK_UP), "ready"
    elif status == CANCELLED:
        reason = _reason(order, language, translate)
        title, kind = say(CANCELLED_TITLE, what=what), "cancelled"
        body = say(REASON, reason=reason) if reason else say(ORDER_ELSE)
    else:
        title, body, kind = say(EXPIRED_TITLE, what=what), say(ORDER_ELSE), "expired"
    order_id = str(order.get("order_id", ""))
    # The tag is the page's own alert key: a push and the page's notification of the
    # same news replace each other instead of ringing twice.
    return {"title": title, "body": body, "tag": f"{kind}:{order_id}",
            "url": f"/#order-{order_id}", "order_id": order_id}


def _announcement(event: events.BarEvent, say: Callable[..., str],
                  bar_name: str) -> dict[str, Any] | None:
    news = event.payload
    typed = str(news.get("message") or "")
    own = OWN_WORDS.get(str(news.get("kind") or ""))
    # The host's words are never a format string: a "{" in them is just a brace.
    body = say(own) if own is not None else typed
    if not body:
        return None
    # The tag is the page's own (`ann:<event id>`, guest/alerts.js); no order: a tap
    # opens the page, where the announcement waits in the inbox.
    return {"title": say(FROM_BAR, bar=bar_name), "body": body, "tag": f"ann:{event.id}",
            "url": "/", "order_id": None}


def _reason(order: dict[str, Any], language: str, translate: Translate) -> str:
    """The order's cancel reason in `language` when it is a template, else as typed."""
    typed = str(order.get("cancel_reason") or "")
    code = reasons.code_of(typed)
    return translate(language, reasons.text(code)) if code is not None else typed


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
          inactivity_timeout: timedelta | None = None,
          translate: Translate = english, bar_name: str = "bar") -> list[Push]:
    """The pushes `batch` makes that this process is to send (see "Once" above), each
    worded in its subscription's language: an order's news to its guest's devices, an
    announcement to every live subscription.

    Reads first and writes only when some guest of the batch has a live subscription:
    a bar where nobody subscribed never takes the write lock for this.
    """
    wanted = [(event, message) for event in batch
              if (message := message_for(event, bar_name=bar_name)) is not None]
    if not wanted:
        return []
    alive = (RefreshToken.select(RefreshToken.id)
             .where(RefreshToken.family == PushSubscription.family,
                    RefreshToken.is_revoked == False,  # noqa: E712
                    RefreshToken.expires_at > now))
    if inactivity_timeout is not None:
        alive = alive.where(RefreshToken.created_at > now - inactivity_timeout)
    query = PushSubscription.select().where(fn_exists(alive))
    if not any(for_everyone(event) for event, _ in wanted):
        keys = {_guest_of(event) for event, _ in wanted}
        query = query.where(PushSubscription.guest.in_(sorted(keys)))
    everyone = list(query.order_by(PushSubscription.endpoint))
    if not everyone:
        return []
    by_guest: dict[str, list[PushSubscription]] = {}
    for sub in everyone:
        by_guest.setdefault(getattr(sub, PushSubscription.guest.object_id_name), []).append(sub)

    def recipients(event: events.BarEvent) -> list[PushSubscription]:
        return everyone if for_everyone(event) else by_guest.get(_guest_of(event), [])

    last = max(event.id for event, _ in wanted)
    with write():
        row = State.get_or_none(State.key == POSITION_KEY)
        position = int(row.value) if row is not None else 0
        if last <= position:
            return []  # another server pushed these
        State.insert(key=POSITION_KEY, value=last).on_conflict(
            conflict_target=[State.key], update={State.value: last}).execute()
        ours = [(e, m) for e, m in wanted if e.id > position]
        endpoints = sorted({s.endpoint for e, _ in ours for s in recipients(e)})
        for start in range(0, len(endpoints), 500):  # within any database's bound parameters
            PushSubscription.update(last_pushed_at=now).where(
                PushSubscription.endpoint.in_(endpoints[start:start + 500])).execute()
    names = _drink_names(event.payload.get("drink_id") for event, _ in ours
                         if not for_everyone(event))
    pushes = []
    for event, message in ours:
        worded: dict[str, dict[str, Any]] = {}  # per language, once per event
        for sub in recipients(event):
            language = sub.language or DEFAULT_LANGUAGE
            if language not in worded:
                named = names.get(str(event.payload.get("drink_id")), {}).get(language)
                worded[language] = message_for(event, language, translate, bar_name=bar_name,
                                               drink_name=named) or message
            pushes.append(Push(sub.endpoint, sub.p256dh, sub.auth, worded[language]))
    return pushes


def _drink_names(drink_ids: Iterable[object]) -> dict[str, dict[str, str]]:
    """{drink id: {language: the menu's name for it}} of these drinks (one read)."""
    wanted = sorted({str(i) for i in drink_ids if i})
    if not wanted:
        return {}
    return {drink.id: {language: texts["name"]
                       for language, texts in (drink.translations or {}).items()
                       if texts.get("name")}
            for drink in Drink.select(Drink.id, Drink.translations).where(Drink.id.in_(wanted))}


def _guest_of(event: events.BarEvent) -> str:
    return event.channel.removeprefix("orders/")


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
                 on_sent: Sent | None = None, translate: Translate = english,
                 concurrency: int = SEND_CONCURRENCY) -> None:
        from bar.net import base_url

        self.settings = settings
        self.clock = clock
        self.on_sent = on_sent
        self.translate = translate  # the server's catalogs (see "In the guest's language")
        self.concurrency = max(1, concurrency)
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
        mine = [e for e in batch if pushable(e)]
        if not mine:
            return
        with self._lock:
            self._pending.extend(mine)
            if self._thread is None and not self._stop.is_set():
                thread = threading.Thread(target=self._run, name="bar-push", daemon=True)
                thread.start()
                self._thread = thread  # only once started: `stop` may join it at any moment
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop.set()
            thread = self._thread
        self._wake.set()
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
                       inactivity_timeout=self.settings.inactivity_timeout,
                       translate=self.translate, bar_name=self.settings.name)
        results = []
        for push, status in self._send_all(pushes):
            results.append((push, status))
            if status in (404, 410):
                drop(push.endpoint)
            if self.on_sent is not None:
                self.on_sent(push, status)
        return results

    def _send_all(self, pushes: list[Push]) -> Iterator[tuple[Push, int]]:
        """Send `pushes`, up to `concurrency` at once; each with its status as it comes.

        The workers only talk HTTP: the database stays on the caller's thread (a
        worker thread would hold a connection of its own). Under gevent's monkey
        patching the pool's threads are greenlets and its queue is gevent's, so the
        same code waits on sockets there without a thread per push."""
        if len(pushes) <= 1 or self.concurrency == 1:
            for push in pushes:
                yield push, self._send(push)
            return
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(pushes)),
                                thread_name_prefix="bar-push-send") as pool:
            sending = {pool.submit(self._send, push): push for push in pushes}
            for done in as_completed(sending):
                yield sending[done], done.result()

    def _send(self, push: Push) -> int:
        """POST one push; the push service's HTTP status (0: it could not be reached,
        or the server is stopping: what is left of a big announcement is not sent, so a
        slow push service does not hold the server's exit for minutes)."""
        from pywebpush import WebPushException, webpush

        if self._stop.is_set():
            return 0
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
