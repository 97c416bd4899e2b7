"""The guest's language: which one a request asks for, and the server's sentences in it.

A request's language is, in order: `?lang=`, the `X-Bar-Language` header (the page sends
the language its switcher shows), then the best match of `Accept-Language`; English when
none of `LANGUAGES` fits.

Translated by error code, not by sentence. The core raises English sentences, several
hundred of them, most for the host (the CLI, the kiosk) and worded with details a guest
does not need; the core stays free of any i18n. A guest meets a few error codes, and each
gets one sentence here (`GUEST_MESSAGES`), filled from the error's `params`. English
requests keep the core's own sentence; another language gets this catalog's sentence, or
the core's English one for a code it does not know.

The same catalogs hold the few sentences the core sends a guest by itself (a push's
words, `bar.push`; the reasons an order ends, `bar.reasons`; a wait estimate): the core
marks them `N_` (`bar.language`) and never reads a catalog; the web server hands
`gettext` to its `Pusher`.

The catalogs are Babel's: `webapp/translations/<lang>/LC_MESSAGES/messages.po`, compiled
in memory the first time a language is asked for (no `.mo` in git, no build step).
`make catalogs` extracts `messages.pot` (from the modules babel.cfg names), updates every `.po`.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Request

from bar import estimates, push, reasons
from bar.errors import BarError, NoInvite, RateLimited
from bar.language import DEFAULT_LANGUAGE, LANGUAGES, N_, language_of

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


# What a guest reads for each error code (English: the msgid of every catalog). Keys
# `code:status` pick a sentence by the error's status (NoInvite).
GUEST_MESSAGES: dict[str, str] = {
    "queue_full": N_("The queue is full right now. Please try again in a few minutes."),
    "shop_closed": N_("The bar is closed right now."),
    "too_many_open_orders": N_("You already have a drink on the way: collect it before ordering again."),
    "drink_unavailable": N_("{drink} is out of stock right now."),
    "no_invite:used up": N_("This invite has been used up. Ask at the bar for a new one."),
    "no_invite:expired": N_("This invite has expired. Ask at the bar for a new one."),
    "no_invite:revoked": N_("This invite is no longer valid. Ask at the bar for a new one."),
    "code_missing": N_("You need the bar's code to join: scan the QR code at the bar."),
    "code_invalid": N_("This code isn't valid. Scan the QR code at the bar again."),
    "code_expired": N_("This code has expired. Ask at the bar for a new one."),
    "code_revoked": N_("This code is no longer valid. Ask at the bar for a new one."),
    "code_used_up": N_("This code has been used up. Ask at the bar for a new one."),
    "name_taken": N_(
        "Someone here is already called {name}. Add an initial (like “{name} B.”) so the "
        "barista can tell you apart, or join as {name} anyway."
    ),
    "kicked": N_("The host has asked you not to order tonight. If that's a mistake, please ask at the bar."),
    "signed_out": N_("The host signed you out. Ask at the bar if that's a mistake."),
    "window_spent": N_("This QR code's drinks are all taken: wait for the next code."),
    "rate_limited": N_("Too many tries: please wait {seconds} s and try again."),
    "busy": N_("The bar is busy. Please try again in a moment."),
    "internal_error": N_("Something went wrong on our side. Please try again."),
}


# Every sentence the catalogs translate: the errors above, and the core's own.
SERVER_SENTENCES: frozenset[str] = frozenset({
    *GUEST_MESSAGES.values(), *reasons.REASONS.values(),
    push.READY_TITLE, push.REMIND_TITLE, push.CANCELLED_TITLE, push.EXPIRED_TITLE,
    push.PICK_UP, push.REASON, push.ORDER_ELSE, push.FROM_BAR, *push.OWN_WORDS.values(),
    estimates.UNDER_A_MINUTE, estimates.ABOUT_MINUTES, estimates.ABOUT_AN_HOUR,
    estimates.OVER_AN_HOUR,
})


def request_language(request: Request) -> str:
    """The language `request` asks for (see the module docstring)."""
    for asked in (request.args.get("lang"), request.headers.get("X-Bar-Language")):
        if language := language_of(asked):
            return language
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def board_language(request: Request, host_language: str) -> str:
    """A TV board's language: `?lang=`, else the host's (`bar.language`). Never the
    browser's: a TV speaks whatever it was set up in, the room the host's."""
    return language_of(request.args.get("lang")) or host_language


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language` (read from its `.po` once per process)."""
    po = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(language: str, message: str) -> str:
    """`message` (an English sentence of `SERVER_SENTENCES`) in `language`; as is when
    the catalog lacks it. The core's `Translate` (`bar.language`)."""
    if language == DEFAULT_LANGUAGE:
        return message
    return translations(language).gettext(message)


def message(code: str, language: str, fallback: str, **params: object) -> str:
    """The sentence for `code` in `language`; `fallback` (English) when there is none."""
    template = GUEST_MESSAGES.get(code)
    if template is None or language == DEFAULT_LANGUAGE:
        return fallback
    try:
        return translations(language).gettext(template).format(**params)
    except (KeyError, IndexError):  # the error did not carry what the sentence needs
        return fallback


def error_message(exc: BarError, language: str) -> str:
    """What a guest reading `language` sees for `exc`."""
    params: dict[str, object] = dict(exc.params)
    code = exc.code
    if isinstance(exc, NoInvite):
        code = f"{code}:{exc.status}"
    if isinstance(exc, RateLimited):
        params["seconds"] = exc.retry_after
    return message(code, language, exc.message, **params)
