"""Drink photos and placeholders: `/media/drinks/<name>` and `/media/placeholder.svg`.

A photo's name is its content's hash (`bar.photos`), so what a URL serves never
changes: browsers and proxies keep it for a year without asking again, and the `ETag`
answers a revalidation with a 304.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from bar import photos
from webapp.context import bar_context

bp = Blueprint("media", __name__, url_prefix="/media")

FOREVER = "public, max-age=31536000, immutable"


@bp.get("/drinks/<name>")
def drink_photo(name: str) -> Response:
    """A stored photo, large or thumbnail (404 for a name that is no photo)."""
    served = photos.read(name, bar_context().settings.data_dir / "images")
    response = Response(served.data, mimetype=served.content_type)
    response.set_etag(served.etag)
    response.headers["Cache-Control"] = FOREVER
    response.make_conditional(request)
    return response


@bp.get("/placeholder.svg")
def placeholder() -> Response:
    """A drink without a photo: its initials on its category's colour (`?t=NE&h=210`)."""
    response = Response(photos.placeholder_svg(request.query_string.decode("latin-1")),
                        mimetype="image/svg+xml")
    response.headers["Cache-Control"] = FOREVER
    return response
