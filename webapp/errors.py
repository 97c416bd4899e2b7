"""Every error is JSON: `{"error": {"code", "message"}}`, never an HTML page or a traceback.

Core errors (`bar.errors.BarError`) carry their own code and get their HTTP status from
`STATUSES`; werkzeug's HTTP errors (404, 405, 413, …) get a code derived from their
name; anything else is logged and answered with a bare 500. The `message` is in the
request's language where `webapp.i18n` has one; the `code` never changes. Also sets the
security headers on every response.
"""

from __future__ import annotations

import logging
import re

import peewee
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from bar.db import is_busy
from bar.errors import (
    AuthError,
    BarError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
)
from webapp import i18n

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# The HTTP status of each kind of core error. An error answers with its nearest class
# here, so a new subclass (a new `code`) needs no row of its own; ConfigError and
# ServerFailed fall through to BarError: our failure, a 500.
STATUSES: dict[type[BarError], int] = {
    BarError: 500,
    InvalidInput: 400,
    TooLarge: 413,
    AuthError: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
}


def status_for(exc: BarError) -> int:
    """The HTTP status `exc` answers with (see `STATUSES`)."""
    return next(STATUSES[cls] for cls in type(exc).__mro__ if cls in STATUSES)


def error_response(code: str, message: str, status: int) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _bar_error(exc: BarError) -> Response:
    status = status_for(exc)
    if status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    message = i18n.error_message(exc, i18n.request_language(request))
    response = error_response(exc.code, message, status)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")
    response = error_response(code, exc.description or exc.name, status)
    # Keep what the exception says about the request (e.g. `Allow` on a 405).
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _database_error(exc: peewee.OperationalError) -> Response:
    if is_busy(exc):
        # Another process held the write lock past busy_timeout: worth a retry.
        message = i18n.message("busy", i18n.request_language(request),
                               "the bar is busy, try again in a moment")
        response = error_response("busy", message, 503)
        response.headers["Retry-After"] = "1"
        return response
    return _unexpected(exc)


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    message = i18n.message("internal_error", i18n.request_language(request),
                           "something went wrong on our side")
    return error_response("internal_error", message, 500)


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        # Responses carry tokens and personal orders: no cache may keep them.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register(app: Flask) -> None:
    """Install the JSON error handlers and the security headers on `app`."""
    app.register_error_handler(BarError, _bar_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(peewee.OperationalError, _database_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_security_headers)
