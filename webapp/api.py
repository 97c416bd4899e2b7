"""The JSON API for guests and the public board. Admin routes are in `webapp.admin`.

Each view parses its input, calls one service in `bar/`, and renders what comes back;
errors are `BarError`s that `webapp.errors` turns into JSON.

A guest's order (`GET /api/orders`, `GET /api/orders/<id>`, `POST /api/orders` and its
cancel) is `bar.orders.order_dict` plus `estimate`, computed at the time of the request
(`bar.estimates`; never in events, as it changes with the clock and the queue):

    "estimate": {"position": 3, "seconds": 372, "label": "about 6 min"}

`position` is the place in the queue (1: next), null while a barista makes the order;
`seconds` is until ready; `label` is the text to show as is (the kiosk shows the same).
`estimate` is null once the order is ready, served, cancelled or expired.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from bar import (
    board,
    estimates,
    menu,
    notifications,
    orders,
    registration,
    shop,
    stations,
    tokens,
)
from bar.config import Settings
from bar.errors import CodeRefused, Forbidden, InvalidInput, ScanCodeInvalid
from bar.models import Order
from bar.payloads import OrderInfo
from webapp import i18n
from webapp.auth import current_claims, require_guest
from webapp.body import field, json_body
from webapp.context import bar_context, client_ip
from webapp.i18n import request_language

bp = Blueprint("api", __name__, url_prefix="/api")

def bar_info(settings: Settings) -> dict[str, Any]:
    """The bar as a page first reads it; live, `SHOP_STATUS_CHANGED` updates the same
    `is_open` and `queue_full` (the queue at `max_queue`: new orders are refused).

    With stations (`bar.stations`), `stations` lists each one's `id`, `name`,
    `is_open` (its own switch), `queue_full`, `queue` and `max_queue`, in bar.toml's
    order; a station's `SHOP_STATUS_CHANGED` (with `"station"`) updates its entry."""
    info = {
        "name": settings.name, "is_open": shop.is_open(),
        "queue_full": shop.queue_full(settings.rules.max_queue), "mode": settings.rules.mode,
    }
    if settings.stations:
        info["stations"] = [s.to_payload() for s in stations.states(settings)]
    return info


def _expires_in(settings: Settings) -> int:
    return int(settings.access_ttl.total_seconds())


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")


# -- public -----------------------------------------------------------------------------


@bp.get("/menu")
def get_menu() -> Response:
    """The drinks (with stock, prices, photos and modifiers) and whether the bar is open.

    With an `ETag`: a page that reloads the menu after a `MENU_CHANGED` gets a 304 when
    nothing it shows changed. Photos are URLs (`thumb`), loaded lazily by the page.

    In the request's language (`?lang=`, `X-Bar-Language`, `Accept-Language`; `language`
    says which): each drink's name, description and category in it where the menu has
    them (`bar.menu.localize`), the default text otherwise. The body, so the ETag too,
    differs per language.
    """
    settings = bar_context().settings
    language = request_language(request)
    # Stations route by the default category: localized after.
    drinks = stations.with_stations(settings, [menu.drink_dict(d) for d in menu.list_drinks()])
    response = jsonify({
        "bar": {**bar_info(settings), "currency": settings.currency},
        "language": language,
        "drinks": [menu.localize(d, language) for d in drinks],
    })
    response.headers["Cache-Control"] = "no-cache"  # keep it, but ask each time
    # `?lang=` is in the URL; the headers that pick the language must be in the cache key.
    response.vary.update(("Accept-Language", "X-Bar-Language"))
    response.add_etag()
    response.make_conditional(request)
    return response


@bp.get("/display")
def get_display() -> dict[str, Any]:
    """What the TV board shows (`bar.board`): numbers and first names, the fresh
    announcement, and at a party the invite (only with `display.show_join_code`).

    The board reads this on every (re)connect, after an announcement, and every half
    minute (an invite that runs out announces nothing). `?station=coffee`: that
    station's board (`station` says which; `bar.is_open` then means the bar and the
    station both are)."""
    context = bar_context()
    now = context.now()
    station = stations.find(context.settings, request.args.get("station"))
    where = station.id if station else None
    invite = board.board_invite(context.settings, now=now)
    shown = board.read(now=now, station=where)
    return {
        "bar": {**bar_info(context.settings), "is_open": shown.is_open},
        "station": where,
        **shown.to_payload(now),
        "invite": invite.to_payload() if invite else None,
        "show_join_code": context.settings.show_join_code,
    }


# -- registration and tokens ------------------------------------------------------------


@bp.get("/invites/<path:code>")
def check_invite(code: str) -> dict[str, Any]:
    """Would this invite (or pop-up scan) code let a guest join now? Uses nothing.

    `{"valid": true, ...}`, or `{"valid": false, "reason": "code_expired", "message": ...}`
    with the error code `POST /api/register` would answer. The join page asks when it
    opens, before it asks for a name.

    A wrong answer is a guess, counted as joining counts one (`code_guesses`: per
    address and from all together); once an address, or the bar, has had its wrong
    codes for the minute, every check is a 429 before the code is even looked up, right
    or wrong, so a guesser learns nothing from a 429 and no more codes a minute than
    by joining. A right code costs nothing: a guest who checks, then joins, has spent
    one registration attempt, as before.
    """
    context = bar_context()
    address, now = client_ip(), context.now()
    if not 0 < len(code) <= registration.MAX_CODE_LENGTH or not code.isprintable():
        raise InvalidInput(f"code: 1 to {registration.MAX_CODE_LENGTH} printable characters")
    context.code_guesses.check(address, now=now)
    checked = registration.check_code(context.settings, code, now=now)
    if not checked.valid:
        context.code_guesses.hit(address, now=now)
    return checked.to_dict()



@bp.post("/register")
def register() -> tuple[dict[str, Any], int]:
    """A new guest, with the invite (or scan) code in `X-Registration-Code`.

    `X-Device-Id` is the phone's own random id (the page keeps it in localStorage): a
    name or a phone the host kicked tonight is a 403 `kicked`. A name a guest still
    here already has is a 409 `name_taken` (the page suggests an initial) unless the
    body says `"same_name_ok": true`.
    """
    context = bar_context()
    address, now = client_ip(), context.now()
    context.registrations.hit(address, now=now)
    body = json_body()
    username = field(body, "username", str)
    same_name_ok = field(body, "same_name_ok", bool, required=False)
    context.code_guesses.check(address, now=now)
    try:
        result = registration.register(
            context.settings, context.keys, code=request.headers.get("X-Registration-Code"),
            username=username, device_info=_user_agent(),
            device_id=request.headers.get("X-Device-Id"), now=now,
            refuse_same_name=not same_name_ok,
        )
    except CodeRefused:
        context.code_guesses.hit(address, now=now)
        raise
    return {
        "user": {"user_key": result.guest.user_key, "username": result.guest.username},
        "access_token": result.access_token,
        "refresh_token": result.refresh_token,
        "expires_in": _expires_in(context.settings),
    }, 201


@bp.post("/auth/refresh")
def refresh() -> dict[str, Any]:
    """Rotate a refresh token: a new access and refresh token; the old one stops working."""
    context = bar_context()
    token = field(json_body(), "refresh_token", str)
    settings = context.settings
    pair = tokens.refresh(
        context.keys, token, issuer=settings.issuer, access_ttl=settings.access_ttl,
        refresh_ttl=settings.refresh_ttl, inactivity_timeout=settings.inactivity_timeout,
        device_info=_user_agent(), now=context.now(),
    )
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": _expires_in(settings),
    }


@bp.post("/auth/logout")
def logout() -> dict[str, Any]:
    """Revoke the refresh token (and the tokens it was rotated from)."""
    token = field(json_body(), "refresh_token", str)
    tokens.logout(token, now=bar_context().now())
    return {"status": "ok"}


# -- the guest's orders and notifications -----------------------------------------------


def guest_orders(rows: list[Order] | list[OrderInfo]) -> list[dict[str, Any]]:
    """Order dicts with their wait estimates (asks for them only if one is queued)."""
    infos = [o if isinstance(o, OrderInfo) else OrderInfo.of(o) for o in rows]
    found: dict[str, estimates.Estimate] = {}
    queued = [o.order_id for o in infos if o.status in shop.QUEUE_STATUSES]
    if queued:
        context = bar_context()
        found = context.estimates.get(queued, now=context.now())
    language = i18n.request_language(request)  # the estimate's words are the guest's
    return [
        {**o.to_payload(), "estimate": (found[o.order_id].to_dict(language, i18n.gettext)
                                        if o.order_id in found else None)}
        for o in infos
    ]


@bp.get("/orders")
@require_guest
def list_my_orders() -> dict[str, Any]:
    """The guest's own orders, newest first, with wait estimates."""
    rows = orders.list_orders(user_key=current_claims().user_key)
    return {"orders": guest_orders(rows)}


@bp.get("/orders/<order_id>")
@require_guest
def get_my_order(order_id: str) -> dict[str, Any]:
    """One of the guest's own orders, with its wait estimate (403 for someone else's)."""
    order = orders.get_order(order_id)
    if order.guest.user_key != current_claims().user_key:
        raise Forbidden("that is not your order")
    return {"order": guest_orders([order])[0]}


@bp.post("/orders")
@require_guest
def place_order() -> tuple[dict[str, Any], int]:
    """Order a drink. A retry with the same `Idempotency-Key` returns the first order (200)."""
    context = bar_context()
    body = json_body()
    user_key, now = current_claims().user_key, context.now()
    scan_code = field(body, "scan_code", str, required=False)
    if scan_code is not None:
        # Guessing scan codes is not free: a guest who sent as many wrong ones as they
        # may place orders in a minute waits, before the write lock is even taken.
        context.scan_guesses.check(user_key, now=now)
    try:
        placed = orders.place_order(
            context.settings, user_key,
            drink_id=field(body, "drink_id", str),
            modifiers=field(body, "modifiers", dict, required=False),
            note=field(body, "note", str, required=False) or "",
            scan_code=scan_code,
            idempotency_key=request.headers.get("Idempotency-Key"),
            now=now, turned_away=context.refusals,
        )
    except ScanCodeInvalid:
        if scan_code is not None:
            context.scan_guesses.hit(user_key, now=now)
        raise
    return {"order": guest_orders([placed.info])[0]}, 201 if placed.created else 200


@bp.post("/orders/<order_id>/cancel")
@require_guest
def cancel_order(order_id: str) -> dict[str, Any]:
    """Cancel the guest's own order while it is pending (403 for someone else's order)."""
    reason = field(json_body(), "reason", str, required=False)
    order = orders.move(
        order_id, orders.CANCELLED, actor="guest", user_key=current_claims().user_key,
        reason=reason, now=bar_context().now(),
    )
    return {"order": guest_orders([order])[0]}


@bp.get("/notifications")
@require_guest
def list_notifications() -> dict[str, Any]:
    """The guest's unread notifications, oldest first."""
    rows = notifications.unread(current_claims().user_key)
    return {"notifications": [notifications.notification_dict(n) for n in rows]}


@bp.post("/notifications/read")
@require_guest
def mark_notifications_read() -> dict[str, Any]:
    """Mark notifications read: the listed `ids`, or all of them when `ids` is absent."""
    ids = field(json_body(), "ids", list, required=False)
    marked = notifications.mark_read(current_claims().user_key, ids, now=bar_context().now())
    return {"marked": marked}
