"""The HTML pages (the guest page, the TV board, the barista view) and the health check.

The pages are static shells: their scripts read `?code=` and talk to the API, so no
guest-typed text is ever rendered into HTML here.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from bar import qr
from bar.errors import InvalidInput
from webapp.context import bar_context
from webapp.i18n import board_language, request_language

bp = Blueprint("pages", __name__)


@bp.get("/")
@bp.get("/join")
@bp.get("/j/<path:code>")
def guest_page(code: str | None = None) -> str:
    """The guest page; `/j/CODE` (short, what invite and display QR codes point to) and
    `/join?code=CODE` open it with the code filled in (its script reads the address)."""
    return render_template("index.html", bar_name=bar_context().settings.name)


@bp.get("/display")
def display_page() -> str:
    """The TV board, in the host's language (`bar.language`) unless `?lang=` says."""
    settings = bar_context().settings
    return render_template(
        "display.html", bar_name=settings.name, language=board_language(request, settings.language)
    )


@bp.get("/barista")
def barista_page() -> str:
    """The barista's queue on a tablet; it signs in over the admin API. Served in the
    tablet's language (its page may switch to the one its barista chose)."""
    return render_template(
        "barista.html", bar_name=bar_context().settings.name, language=request_language(request)
    )


@bp.get("/qr.svg")
def qr_svg() -> Response:
    """A QR code for `?data=` (the board draws the admin-only scan code with it).

    The data comes from the page itself, so this serves nothing the caller did not have.
    """
    data = request.args.get("data", "")
    if not 0 < len(data) <= 512:
        raise InvalidInput("data: 1 to 512 characters")
    response = Response(qr.svg(qr.make(data)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/healthz")
def healthz() -> dict[str, str | int]:
    """Up; and how many WebSockets are open, of them how many a guest signed in on
    (what the kiosk's header shows as phones)."""
    sockets, guests = bar_context().hub.socket_counts()
    return {"status": "ok", "sockets": sockets, "guest_sockets": guests}
