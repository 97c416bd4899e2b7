"""The JSON API for admins (baristas signed in on a web view): `/api/admin/...`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from bar import admins, menu, net, orders, photos, registration, scan, shop, stations, waits
from bar.errors import Conflict, InvalidInput, TooLarge
from bar.timeparse import parse_expiry
from webapp.auth import current_claims, require_admin
from webapp.body import field, json_body
from webapp.context import bar_context, client_ip
from webapp.threads import off_the_event_loop

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


@bp.post("/login")
def login() -> dict[str, Any]:
    """An admin access token for the right name and password."""
    context = bar_context()
    # The body first: a request that is not even JSON (a cross-site `text/plain` form)
    # gets its 415 without spending the address's attempts.
    body = json_body()
    context.logins.hit(client_ip(), now=context.now())
    token = admins.login(
        context.settings, context.keys, field(body, "username", str),
        field(body, "password", str), now=context.now(), checks=context.password_checks,
    )
    return {"access_token": token, "expires_in": int(context.settings.access_ttl.total_seconds())}


@bp.post("/registration-codes")
@require_admin
def create_code() -> tuple[dict[str, Any], int]:
    """An invite code; `expires_at` is an ISO time or a duration from now ("1d")."""
    context = bar_context()
    body = json_body()
    now = context.now()
    row = registration.create_code(
        max_uses=field(body, "max_uses", int),
        expires_at=parse_expiry(field(body, "expires_at", str), now=now),
        notes=field(body, "notes", str, required=False) or "",
        created_by=current_claims().username, now=now,
    )
    return {
        "code": row.code,
        "expires_at": row.expires_at.isoformat(),
        "max_uses": row.max_uses,
        "join_url": net.join_url(context.settings, row.code),
    }, 201


# Orders per page of `GET /api/admin/orders`: the default, and the most one may ask for.
ORDERS_PAGE = 100
ORDERS_PAGE_MAX = 500


@bp.get("/orders")
@require_admin
def list_orders() -> dict[str, Any]:
    """Orders, newest first, a page at a time.

    Query: `status=pending,preparing` keeps only those; `station=coffee` that
    station's only (400 for a station bar.toml does not name); `limit` orders per page (1 to
    500, default 100); `before=<order_id>` continues with the orders older than that
    one. The answer is `{"orders": [...], "next": <URL or null>, "now", "waits"}`:
    `next` is this path with the same query and the last order's id as `before`, null
    on the last page. Following `next` reads every order once, none lost or repeated,
    even while new orders arrive (those are newer than the cursor: a read from the top
    shows them). The order is `created_at`, then `number`, then `order_id`, descending.

    With the server's `now` and the wait thresholds, so a barista page colours each
    order's age by the kiosk's rule without trusting the tablet's clock.
    """
    statuses: tuple[str, ...] | None = None
    if request.args.get("status"):
        statuses = tuple(s.strip() for s in request.args["status"].split(",") if s.strip())
        unknown = [s for s in statuses if s not in orders.STATUSES]
        if unknown:
            raise InvalidInput(
                f"unknown status {unknown[0]!r}: one of {', '.join(orders.STATUSES)}"
            )
    limit = _page_size(request.args.get("limit"))
    before = request.args.get("before") or None
    station = stations.find(bar_context().settings, request.args.get("station"))
    # One more than a page: whether there is a next page, without asking again.
    rows = orders.list_orders(statuses=statuses, limit=limit + 1, after=before,
                              station=station.id if station else None)
    next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        query: dict[str, Any] = {k: v for k, v in request.args.items()
                                 if k in ("status", "limit", "station")}
        next_url = url_for(".list_orders", **query, before=rows[-1].id)
    return {
        "orders": [orders.order_dict(o) for o in rows],
        "next": next_url,
        "now": bar_context().now().isoformat(),
        "waits": waits.thresholds(),
    }


def _page_size(value: str | None) -> int:
    if value is None:
        return ORDERS_PAGE
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= ORDERS_PAGE_MAX:
        raise InvalidInput(f"limit must be a whole number from 1 to {ORDERS_PAGE_MAX}")
    return size


@bp.post("/orders/<order_id>/status")
@require_admin
def move_order(order_id: str) -> dict[str, Any]:
    """Move an order along the status machine; 409 for a move the machine refuses."""
    body = json_body()
    claims = current_claims()
    order = orders.move(
        order_id, field(body, "status", str), actor="barista", barista=claims.username,
        reason=field(body, "reason", str, required=False), now=bar_context().now(),
    )
    return {"order": orders.order_dict(order)}


@bp.post("/shop")
@require_admin
def set_shop() -> dict[str, Any]:
    """Open or close the bar, or with `"station": "coffee"` that station only."""
    body = json_body()
    station = stations.find(bar_context().settings, field(body, "station", str, required=False))
    where = station.id if station else None
    shop.set_open(field(body, "is_open", bool), now=bar_context().now(), station=where)
    if where is None:
        return {"is_open": shop.is_open()}
    return {"is_open": shop.is_open(where), "station": where}


@bp.get("/drinks")
@require_admin
def list_drinks() -> dict[str, Any]:
    """Every drink, retired ones too (`"retired": true`), in the menu's order;
    `?station=coffee`: only the drinks that station makes (`bar.stations.makes`)."""
    settings = bar_context().settings
    drinks = [menu.drink_dict(d) for d in menu.list_drinks(include_off_menu=True)]
    station = request.args.get("station")
    if station:
        drinks = stations.makes(settings, station, drinks)
    return {"drinks": drinks, "currency": settings.currency}


@bp.post("/drinks")
@require_admin
def add_drink() -> tuple[dict[str, Any], int]:
    """A new drink: `{"name", "id"?, "category"?, "price"?, ...}` (`bar.menu.add_drink`)."""
    drink = menu.add_drink(json_body(), now=bar_context().now())
    return {"drink": menu.drink_dict(drink)}, 201


@bp.patch("/drinks/<drink_id>")
@require_admin
def edit_drink(drink_id: str) -> dict[str, Any]:
    """Change the fields given (`"retired": true` takes the drink off the menu)."""
    drink = menu.edit_drink(drink_id, json_body(), now=bar_context().now())
    return {"drink": menu.drink_dict(drink)}


@bp.post("/drinks/order")
@require_admin
def reorder_drinks() -> dict[str, Any]:
    """`{"ids": [...]}`: those drinks first, in that order."""
    drinks = menu.reorder(field(json_body(), "ids", list), now=bar_context().now())
    return {"drinks": [menu.drink_dict(d) for d in drinks]}


@bp.put("/drinks/<drink_id>/image")
@require_admin
def put_drink_image(drink_id: str) -> dict[str, Any]:
    """The drink's photo: the request body is the image (`image/jpeg`, `png` or `webp`).

    Judged by its content (`bar.photos`): 400 `image_invalid` for anything else or a
    decompression bomb, 413 `too_large` over the limit; nothing changes then.
    """
    if request.mimetype not in IMAGE_TYPES:
        raise UnsupportedMediaType("send the photo as the body, with Content-Type "
                                   "image/jpeg, image/png or image/webp")
    if (request.content_length or 0) > photos.MAX_UPLOAD_BYTES:
        raise TooLarge(f"the photo is over {photos.MAX_UPLOAD_BYTES // (1024 * 1024)} MB: "
                       "send a smaller one")
    menu.find_drink(drink_id, include_retired=True)  # 404 before the work
    # A body without a length (chunked) stops at the limit: werkzeug answers 413.
    request.max_content_length = photos.MAX_UPLOAD_BYTES
    data = request.get_data(cache=False)
    photo = off_the_event_loop(lambda: photos.process(data))
    drink = menu.set_photo(drink_id, photo, now=bar_context().now())
    return {"drink": menu.drink_dict(drink)}


@bp.delete("/drinks/<drink_id>/image")
@require_admin
def delete_drink_image(drink_id: str) -> dict[str, Any]:
    """Take the photo away: the drink shows its placeholder."""
    drink = menu.clear_photo(drink_id, now=bar_context().now())
    return {"drink": menu.drink_dict(drink)}


@bp.post("/drinks/<drink_id>/stock")
@require_admin
def set_stock(drink_id: str) -> dict[str, Any]:
    """Put a drink in or out of stock."""
    is_active = field(json_body(), "is_active", bool)
    drink = menu.set_in_stock(drink_id, is_active, now=bar_context().now())
    return {"drink": menu.drink_dict(drink)}


@bp.get("/scan-code")
@require_admin
def scan_code() -> dict[str, Any]:
    """Pop-up mode: the current rotating scan code, for a signed-in display page
    (`?station=coffee`: that station's, at a bar of stations)."""
    context = bar_context()
    if not context.settings.rules.popup:
        raise Conflict("the bar is in party mode: there is no rotating code", code="not_popup")
    station = stations.find(context.settings, request.args.get("station"))
    where = station.id if station else None
    current = scan.current(stations.rules_of(context.settings, where), now=context.now(),
                           station=where)
    return {
        "code": current.code,
        "join_url": net.join_url(context.settings, current.code),
        "drinks_remaining": current.drinks_remaining,
        "rotates_at": current.rotates_at.isoformat(),
    }
