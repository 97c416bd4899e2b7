"""Lock-screen notifications for the guest page: the bar's push key and the guests'
browser subscriptions (`bar.push` keeps them and sends).

    GET    /api/push                 anyone  {"available", "public_key", "reason"}
    POST   /api/push/subscriptions   guest   {"subscription": <PushSubscription JSON>,
                                              "refresh_token": "<this phone's>"} -> 201
                                             (pushes in the request's language: X-Bar-Language)
    DELETE /api/push/subscriptions   guest   {"endpoint"} -> {"deleted": bool}

The refresh token names the session the subscription lives with: signing out on this
phone, or a kick, ends both.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from bar import push
from bar.net import base_url
from webapp.auth import current_claims, require_guest
from webapp.body import field, json_body
from webapp.context import bar_context
from webapp.i18n import request_language

bp = Blueprint("push", __name__, url_prefix="/api/push")


@bp.get("")
def push_info() -> dict[str, Any]:
    """Can this page be notified on the lock screen, and with which key? A browser
    subscribes only on a secure origin (https://); `reason` says why not, for people."""
    settings = bar_context().settings
    key = push.application_server_key()
    secure = request.is_secure or base_url(settings).startswith("https://")
    reason = ""
    if not secure:
        reason = "the bar is served over plain HTTP: phones allow notifications only over HTTPS"
    elif key is None:
        reason = "the bar has no push key yet: run `bar init`"
    return {"available": secure and key is not None, "public_key": key, "reason": reason}


@bp.post("/subscriptions")
@require_guest
def add_subscription() -> tuple[dict[str, Any], int]:
    """Keep this browser's push subscription for the signed-in guest's session."""
    context = bar_context()
    body = json_body()
    push.subscribe(
        current_claims().user_key, field(body, "refresh_token", str), body.get("subscription"),
        now=context.now(), inactivity_timeout=context.settings.inactivity_timeout,
        language=request_language(request),  # the page's: its pushes say it in that one
    )
    return {"subscribed": True}, 201


@bp.delete("/subscriptions")
@require_guest
def delete_subscription() -> dict[str, Any]:
    """This browser wants no more pushes."""
    body = json_body()
    return {"deleted": push.unsubscribe(current_claims().user_key, field(body, "endpoint", str))}
