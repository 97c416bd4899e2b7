"""`GET /ws`: live events over a WebSocket, JSON text messages both ways.

    client                                        server
    {"type": "auth", "token": T}           →      {"type": "auth_ok", "role", "user_key"}
      (first message; or skip it: anonymous)       then a guest's unread notifications:
                                                   {"type": "notification", "notification"}
                                                   bad token: {"type": "error", "code":
                                                   "token_invalid" | "token_expired"}, closed
    {"type": "subscribe", "channels": [...],
     "since": N (optional)}                →      {"type": "error", "code": "forbidden",
                                                   "channel"} per channel it may not read;
                                                   {"type": "subscribed", "channels",
                                                   "last_id"}; with `since`: {"type":
                                                   "resync"} or the missed events first
                                                  {"type": "event", "id", "channel", "event"}
    {"type": "ping"}                       →      {"type": "pong"}

Anonymous sockets read `display` (and a station's `display/<id>`), `config` and
`announcements`; a guest also reads `orders/<own user_key>`; an admin reads every
channel (`admin/<id>` too). The rule is `bar.events.may_read`. The handler only does database
work for auth, subscribe and replay; live events, pings and deadlines come from the hub.
A socket must send auth or subscribe within FIRST_MESSAGE_TIMEOUT_S (5 s), or it is
closed with 1008.

Admission (`Hub.take_slot`): past `limits.sockets_per_address` open sockets from one
address, `limits.anonymous_sockets_per_address` not signed in, or what the process can
hold, the upgrade gets a JSON 503 with Retry-After at once.

Before the upgrade: a browser page from another origin (its `Origin` is neither the
`Host` it connected to nor `server.public_url`) gets a JSON 403, which the browser's
console reports as the handshake's status; clients that send no `Origin` (scripts, the
kiosk's tests) are let in, as a browser always sends one. Compression is not offered:
a few KiB of deflate can inflate to megabytes before the size limit could see them. A
message over `limits.ws_max_message` closes the socket with 1009.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from bar import events, guests, notifications
from bar.db import db
from bar.errors import AuthError, Forbidden, InvalidInput, InvalidJSON, SignedOut
from bar.tokens import Claims, verify_access
from webapp.body import parse_json
from webapp.context import BarContext, bar_context, client_ip
from webapp.errors import error_response
from webapp.fanout import Slot, SocketRefused
from webapp.sockets import CloseCode, Connection, text_frame

log = logging.getLogger(__name__)

bp = Blueprint("ws", __name__)
sock = Sock()

REPLAY_BATCH = 500
# After a close frame, how long the handler waits for the phone's side of the goodbye
# before the server drops the connection (dropping it with bytes unread would reset it,
# and the phone might never read why it was closed).
CLOSE_TIMEOUT_S = 1.0

_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def _authority(scheme: str, netloc: str) -> str:
    """`host[:port]` in lower case, without the scheme's default port."""
    host, _, port = netloc.lower().rpartition(":")
    if not host or "]" in port:  # no port (an IPv6 literal's colons are inside [])
        return netloc.lower()
    return host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def origin_allowed(origin: str | None, host: str, public_url: str = "") -> bool:
    """May a page from `origin` open a socket on `host`? No `Origin`: not a browser."""
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file), or junk
    theirs = _authority(parts.scheme, parts.netloc)
    if theirs == _authority(parts.scheme, host):
        return True
    public = urlsplit(public_url)
    return bool(public.netloc) and (parts.scheme, theirs) == (
        public.scheme, _authority(public.scheme, public.netloc)
    )


@bp.before_request
def _before_upgrade() -> Response | None:
    context = bar_context()
    if not origin_allowed(request.headers.get("Origin"), request.host,
                          context.settings.public_url):
        raise Forbidden("this page's origin may not open a socket on the bar", code="origin_refused")
    # simple-websocket negotiates from the environ's headers: no offer, no deflate.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    try:
        g.slot = context.hub.take_slot(client_ip())
    except SocketRefused as refused:
        response = error_response(refused.code, refused.message, 503)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    return None


@bp.teardown_request
def _give_back_slot(exc: BaseException | None = None) -> None:
    """The socket no longer counts against its address (once, however it ended)."""
    slot: Slot | None = g.pop("slot", None)
    if slot is not None:
        bar_context().hub.give_back(slot)


class Session:
    """The protocol state of one socket: who it is and what it reads."""

    def __init__(self, context: BarContext, conn: Connection, slot: Slot) -> None:
        self.context = context
        self.conn = conn
        self.slot = slot
        self.claims: Claims | None = None
        self.started = False  # has the first auth or subscribe arrived?

    def error(self, code: str, message: str, **extra: Any) -> None:
        self.conn.send({"type": "error", "code": code, "message": message, **extra})

    def handle(self, raw: str | bytes) -> None:
        try:
            message = parse_json(raw, what="the message")
        except InvalidJSON:
            self.error("invalid_json", "messages must be JSON")
            return
        except InvalidInput as refused:  # too deep, or a lone surrogate: JSON we cannot use
            self.error("invalid_message", refused.message)
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self.error("invalid_message", 'messages must be objects with a "type"')
            return
        kind = message["type"]
        if kind == "ping":
            self.conn.send({"type": "pong"})
        elif kind == "auth":
            self.auth(message)
        elif kind == "subscribe":
            self.subscribe(message)
        else:
            self.error("invalid_message", f"unknown message type {kind!r}")

    def auth(self, message: dict[str, Any]) -> None:
        if self.started:
            self.error("invalid_message", "auth must be the first message")
            return
        self.started = True
        self.conn.greeted()
        token = message.get("token")
        settings = self.context.settings
        try:
            if not isinstance(token, str) or not token:
                raise AuthError("no token", code="token_invalid")
            claims = verify_access(
                self.context.keys, token, issuer=settings.issuer, now=self.context.now()
            )
            if claims.role == "guest":
                # Known to the hub before the check: a kick committed in between still
                # finds this socket when its event arrives.
                self.conn.user_key = claims.user_key
                self.context.hub.register(self.conn)
                if not guests.is_active(claims.user_key):
                    raise SignedOut("you were signed out by the host")
        except AuthError as exc:
            self.error(exc.code, exc.message)
            self.conn.close(CloseCode.POLICY_VIOLATION, exc.code)
            return
        self.claims = claims
        self.conn.expires_at = claims.expires_at
        self.context.hub.signed_in(self.slot, guest=claims.role == "guest")
        self.conn.send({"type": "auth_ok", "role": claims.role, "user_key": claims.user_key})
        if claims.role == "guest":
            for note in notifications.unread(claims.user_key):
                self.conn.send(
                    {"type": "notification", "notification": notifications.notification_dict(note)}
                )

    def subscribe(self, message: dict[str, Any]) -> None:
        """Add the channels this socket may read; with `since`, replay what it missed.

        Subscribing again adds channels; `since` then replays only the added ones (the
        others are already live). `last_id` is where live delivery starts: a client
        that has seen no event yet can use it as its next `since`.
        """
        self.started = True
        self.conn.greeted()
        channels, since = message.get("channels"), message.get("since")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            self.error("invalid_message", "channels must be a list of channel names")
            return
        if since is not None and (isinstance(since, bool) or not isinstance(since, int)
                                  or since < 0):
            self.error("invalid_message", "since must be an event id (0 or more)")
            return
        allowed: list[str] = []
        for channel in dict.fromkeys(channels):  # unique, in the client's order
            role, user_key = (self.claims.role, self.claims.user_key) if self.claims else (None, None)
            if events.may_read(role, user_key, channel):
                allowed.append(channel)
            else:
                self.error("forbidden", "you may not read this channel", channel=channel)
        new = [c for c in allowed if c not in self.conn.channels]
        hub = self.context.hub
        if since is None:
            last_id = hub.subscribe(self.conn, new)
            self.conn.send({"type": "subscribed", "channels": allowed, "last_id": last_id})
            return
        # Subscribe before reading the replay, so nothing committed in between is
        # missed; the connection holds live events back until the replay is sent, and
        # drops the ones the replay already covered.
        self.conn.hold()
        try:
            last_id = hub.subscribe(self.conn, new)
            self.conn.send({"type": "subscribed", "channels": allowed, "last_id": last_id})
            if events.needs_resync(since) or since > events.last_event_id():
                self.conn.send({"type": "resync"})
            else:
                self.conn.seen(new, since)
                self._replay(since, new)
        finally:
            self.conn.release()

    def _replay(self, since: int, channels: list[str]) -> None:
        """Send the events after `since` on `channels`, oldest first."""
        cursor = since
        while channels:
            batch = events.read_since(cursor, channels, limit=REPLAY_BATCH)
            for event in batch:
                frame = text_frame(event.message_text())
                if not self.conn.replay(event.id, event.channel, frame):
                    return
                cursor = event.id
            if len(batch) < REPLAY_BATCH:
                return


@sock.route("/ws", bp=bp)
def websocket(ws: Any) -> None:
    """One client: read its messages until it leaves or the server drops it.

    The handler only reads; live events, pings and deadlines come from the hub.
    """
    context = bar_context()
    conn = Connection(ws)
    session = Session(context, conn, g.slot)
    context.hub.register(conn)
    try:
        while not conn.closed:
            raw = ws.receive()
            if raw is None:  # woken without a message: look at `closed` again
                continue
            session.handle(raw)
            # The socket may stay open for hours: give back this handler's SQLite
            # connection (page cache, descriptors) until it needs one again.
            db.close()
    except ConnectionClosed:
        pass  # the client left, or we closed it
    except Exception:
        log.exception("websocket handler failed")
        session.error("internal_error", "something went wrong on our side")
        conn.close(CloseCode.INTERNAL_ERROR)
    finally:
        context.hub.unsubscribe(conn)
        # A page that reloads opens its next socket while this one says goodbye.
        _give_back_slot()
        db.close()
        # The reader ends on the phone's reply to a close frame; then the socket is ours
        # to linger on. A phone that never replies is dropped (one reader per socket).
        ws.thread.join(CLOSE_TIMEOUT_S)
        if ws.thread.is_alive():
            conn.outbox.abort()
        else:
            conn.outbox.linger(CLOSE_TIMEOUT_S)
