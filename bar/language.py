"""The languages a guest may read the bar in (the pages, the server's messages, the menu's
translations), and how the core marks a sentence for them.

The core speaks English: its errors (`bar.errors`) are English sentences, most for the
host, and stay so. A few sentences the core itself sends a guest — a push
notification's words (`bar.push`), the reasons an order ends (`bar.reasons`) — are
marked with `N_` where they are written, and `make catalogs` extracts them into the
server's Babel catalogs (`webapp/translations`, read by `webapp.i18n`). The core never
reads a catalog: whoever sends a sentence passes a `Translate` (the web server passes
its catalogs'; without one, English).
"""

from __future__ import annotations

from typing import Protocol

LANGUAGES = ("en", "pt", "fr", "de", "es")
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 -- the name gettext's tools look for
    """Mark `message` for extraction; it is translated when a guest reads it."""
    return message


class Translate(Protocol):
    def __call__(self, language: str, message: str) -> str:
        """`message` (English, as marked with `N_`) in `language`."""


def english(language: str, message: str) -> str:
    """The `Translate` of a bar without catalogs: every sentence as written."""
    return message


def language_of(tag: str | None) -> str | None:
    """The language of `tag` ("pt-BR", "de_AT", "FR"), or None when it is none of ours."""
    primary = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None
