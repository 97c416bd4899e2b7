"""The web app: guest page, TV board, JSON API and live events over WebSockets.

`create_app(settings)` opens the bar's data directory (run `bar init` first) and wires
the blueprints: `pages` (HTML and /healthz), `api` (guests, public), `admin`
(`/api/admin/...`), `assistant` (suggestions and plain-word drafts), `push`
(`/api/push/...`: lock-screen notifications) and `ws` (`/ws`). Rules live in `bar/`;
the views only parse input, call a service and render its result.
"""

from __future__ import annotations

from flask import Flask

from bar import datadir
from bar.admins import PasswordChecks
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.db import db
from bar.estimates import QueueEstimates
from bar.limits import rate_limiter
from bar.push import Pusher
from bar.refusals import Refusals
from webapp import admin, api, assistant, errors, i18n, media, pages, push, ws
from webapp.context import BarContext, bar_context
from webapp.fanout import Hub
from webapp.threads import off_the_event_loop

__all__ = ["create_app", "bar_context", "BarContext"]

# Requests are small JSON documents; anything bigger is a mistake or an attack.
MAX_CONTENT_LENGTH = 16 * 1024
# Admin password checks running at once (each: scrypt, up to 0.5 s of CPU and 32 MiB).
PASSWORD_CHECKS_AT_ONCE = 2


def create_app(settings: Settings, *, clock: Clock = utcnow) -> Flask:
    """Build the Flask app for the bar in `settings.data_dir`."""
    keys = datadir.open_bar(settings)
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        # No ping_interval: the hub pings every socket from one loop (webapp.sockets).
        # A bigger message closes the socket with 1009; simple-websocket counts it as the
        # frames arrive, so it never holds more than this (plus one read) per socket.
        SOCK_SERVER_OPTIONS={"max_message_size": settings.ws_max_message},
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    refusals = Refusals()
    app.extensions["bar"] = BarContext(
        settings=settings, keys=keys, clock=clock,
        hub=Hub(settings, clock=clock, refusals=refusals,
                pusher=Pusher(settings, clock=clock, translate=i18n.gettext)),
        registrations=rate_limiter("registrations", settings.registrations_per_minute),
        code_guesses=rate_limiter("code_guesses", settings.registrations_per_minute,
                                  total=settings.wrong_codes_per_minute_total),
        scan_guesses=rate_limiter("scan_guesses", settings.orders_per_minute,
                                  what="wrong scan codes"),
        logins=rate_limiter("logins", settings.logins_per_minute,
                            total=settings.logins_per_minute_total),
        password_checks=PasswordChecks(PASSWORD_CHECKS_AT_ONCE, run=off_the_event_loop),
        estimates=QueueEstimates(settings),
        refusals=refusals,
    )
    errors.register(app)
    for blueprint in (pages.bp, api.bp, admin.bp, media.bp, push.bp, ws.bp):
        app.register_blueprint(blueprint)
    assistant.install(app, settings)  # /api/recommendations, /api/assistant
    app.teardown_request(_give_back_the_database)
    return app


def _give_back_the_database(exc: BaseException | None) -> None:
    # One SQLite connection per request in flight: under the event loop a keep-alive
    # connection's greenlet would otherwise hold one while it waits for a next request.
    if not db.in_transaction():
        db.close()
