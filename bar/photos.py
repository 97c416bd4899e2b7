"""Drink photos: an upload checked and made safe, its two versions, and placeholders.

An upload is judged by its content, never by a name or a header: Pillow must read it as
JPEG, PNG or WebP, within `MAX_UPLOAD_BYTES` and `MAX_PIXELS` (a small file that
decodes to gigapixels, a decompression bomb, is refused before it is decoded). What is
kept is re-encoded from the pixels: no EXIF, GPS or other metadata survives, and the
camera's orientation tag is applied first so the photo stands the right way up.

Both versions (`LARGE_SIDE` and `THUMB_SIDE` pixels on the long side, WebP) are rows
of `drink_images`, named by a hash of the content, so a URL never changes meaning and
may be cached for ever. The database, not the data dir, holds them: several servers of
one bar (PostgreSQL) each serve every photo; each keeps a copy of what it served under
`<data dir>/images/` so a photo is read from the database once per server.

A drink without a photo gets a placeholder: an SVG of its initials on its category's
colour, made here from the URL's query (no file, no network).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape

from bar.errors import ImageInvalid, NotFound, TooLarge
from bar.models import DrinkImage

if TYPE_CHECKING:
    from PIL import Image

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused: resize it first
FORMATS = ("JPEG", "PNG", "WEBP")
LARGE_SIDE = 1200
THUMB_SIDE = 400
CONTENT_TYPE = "image/webp"
URL_PREFIX = "/media/drinks/"
PLACEHOLDER_URL = "/media/placeholder.svg"
_NAME = re.compile(r"^([0-9a-f]{20})(-thumb)?\.webp$")


@dataclass(frozen=True)
class Photo:
    """The two versions of an upload, ready to store."""

    key: str  # the content hash both names start with
    large: bytes
    thumb: bytes

    @property
    def names(self) -> tuple[str, str]:
        return large_name(self.key), thumb_name(self.key)


def large_name(key: str) -> str:
    return f"{key}.webp"


def thumb_name(key: str) -> str:
    return f"{key}-thumb.webp"


def process(data: bytes) -> Photo:
    """Check an upload and make its two versions; `ImageInvalid` or `TooLarge` if not."""
    # Pillow only here: listing the menu (`bar menu list`) need not load it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the photo is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: send a smaller one")
    if not data:
        raise ImageInvalid("no photo: send the image as the request body")
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageInvalid(
                    f"the photo is {width}×{height} pixels, more than {MAX_PIXELS // 1_000_000} "
                    "million: send a smaller one"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        raise ImageInvalid("that is not a JPEG, PNG or WebP image") from None
    except Image.DecompressionBombError:
        raise ImageInvalid("the photo has far too many pixels (a decompression bomb?)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageInvalid(f"the image could not be read: {exc}") from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    large = _webp(pixels, LARGE_SIDE, quality=82)
    thumb = _webp(pixels, THUMB_SIDE, quality=75)
    return Photo(hashlib.sha256(large).hexdigest()[:20], large, thumb)


def _webp(image: Image.Image, side: int, *, quality: int) -> bytes:
    from PIL import Image

    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= and no icc_profile=: nothing of the original's metadata is written.
    copy.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def store(photo: Photo, *, now: datetime) -> None:
    """Keep both versions (inside the caller's write transaction); a photo already kept
    (the same content again) is kept once."""
    for name, data in zip(photo.names, (photo.large, photo.thumb), strict=True):
        if DrinkImage.get_or_none(DrinkImage.name == name) is None:
            DrinkImage.create(name=name, photo=photo.key, content_type=CONTENT_TYPE,
                              data=data, created_at=now)


def forget_unused(key: str) -> None:
    """Delete a photo's rows once no drink shows it (inside the write transaction)."""
    from bar.models import Drink

    if not Drink.select().where(Drink.photo == key).exists():
        DrinkImage.delete().where(DrinkImage.photo == key).execute()


@dataclass(frozen=True)
class Served:
    data: bytes
    content_type: str
    etag: str


def read(name: str, cache_dir: Path | None = None) -> Served:
    """A stored version by its name, from this server's copy or the database."""
    match = _NAME.match(name)
    if match is None:
        raise NotFound("no such photo")
    etag = name.removesuffix(".webp")
    cached = cache_dir / name if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return Served(cached.read_bytes(), CONTENT_TYPE, etag)
    row = DrinkImage.get_or_none(DrinkImage.name == name)
    if row is None:
        raise NotFound("no such photo")
    data = bytes(row.data)
    if cached is not None:
        _keep_copy(cached, data)
    return Served(data, row.content_type, etag)


def _keep_copy(path: Path, data: bytes) -> None:
    # A copy is a convenience: a full disk or a read-only data dir serves from the database.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        pass


# -- placeholders -------------------------------------------------------------------------


def initials(name: str) -> str:
    """"Espresso Martini" → "EM", "Negroni" → "NE"."""
    words = [w for w in re.split(r"[\s&/+-]+", name) if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return (words[0][:2] if words else "?").upper()


def hue(category: str) -> int:
    """A category's colour on the colour wheel: the same category, the same colour."""
    return int(hashlib.sha256(category.casefold().encode()).hexdigest()[:4], 16) % 360


@lru_cache(maxsize=1024)  # every /api/menu asks for each drink's: a menu is short
def placeholder_url(name: str, category: str) -> str:
    return f"{PLACEHOLDER_URL}?{urlencode({'t': initials(name), 'h': hue(category)})}"


def placeholder_svg(query: str) -> str:
    """The placeholder a `placeholder_url` names (its query string): the initials, escaped."""
    params = parse_qs(query)
    text = (params.get("t") or ["?"])[0][:3]
    try:
        angle = int((params.get("h") or ["0"])[0]) % 360
    except ValueError:
        angle = 0
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" height="120">'
        f'<rect width="120" height="120" fill="hsl({angle},45%,38%)"/>'
        f'<circle cx="60" cy="60" r="44" fill="hsl({angle},55%,52%)"/>'
        '<text x="60" y="61" text-anchor="middle" dominant-baseline="central" '
        'font-family="system-ui,sans-serif" font-size="38" font-weight="700" '
        f'fill="#fff">{escape(text)}</text></svg>'
    )
