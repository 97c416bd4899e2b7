"""Every language says everything English says, with the same placeholders.

Both kinds of catalog: the server's (Babel `.po`, `webapp/translations`) and the page's
(JSON, `webapp/static/i18n`). A missing or fuzzy entry, or a placeholder that differs,
fails here rather than reaching a guest as English or as a raw `{name}`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bar import reasons, timers
from bar.config import DEFAULT_LAST_CALL
from webapp import i18n

PLACEHOLDER = re.compile(r"\{(\w*)\}")
PAGE_CATALOGS = Path(i18n.__file__).parent / "static" / "i18n"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def read_catalog(language: str) -> dict[str, str]:
    path = i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def test_the_template_has_every_guest_message():
    with (i18n.TRANSLATIONS_DIR / "messages.pot").open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    assert template == i18n.SERVER_SENTENCES, "run `make catalogs`"


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_server_message_is_translated(language):
    translated = read_catalog(language)
    for english in i18n.SERVER_SENTENCES:
        assert english in translated, f"{language}: no translation of {english!r}"
        assert placeholders(translated[english]) == placeholders(english), (language, english)


def read_page_catalog(language: str) -> dict[str, str]:
    catalog: dict[str, str] = json.loads((PAGE_CATALOGS / f"{language}.json").read_text("utf-8"))
    return catalog


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_page_string_is_translated(language):
    english = read_page_catalog("en")
    translated = read_page_catalog(language)
    assert set(translated) == set(english), f"{language}: keys differ from en.json"
    for key, text in english.items():
        assert translated[key].strip(), (language, key)
        assert placeholders(translated[key]) == placeholders(text), (language, key)


def test_the_page_uses_only_keys_english_has():
    english = read_page_catalog("en")
    static = PAGE_CATALOGS.parent
    used = set(re.findall(r"""\bt(?:Nodes)?\('([\w.]+)'""", "".join(
        path.read_text("utf-8") for path in [static / "app.js", *sorted((static / "guest").glob("*.js"))])))
    template = (static.parent / "templates" / "index.html").read_text("utf-8")
    used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.]+)"', template))
    assert len(used) > 50  # the scan finds them
    assert used <= set(english), sorted(used - set(english))


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_page_and_the_server_word_each_template_alike(language):
    """A reason template reads the same on the page (`reason.<code>`) as in a push, and
    the bar's own announcements (`announcement.<kind>`) are on the page."""
    page = read_page_catalog(language)
    server = read_catalog(language) if language != "en" else {}
    for code, english in reasons.REASONS.items():
        assert page[f"reason.{code}"] == server.get(english, english), (language, code)
    assert read_page_catalog("en")[f"announcement.{timers.LAST_CALL}"] == DEFAULT_LAST_CALL
    assert page[f"announcement.{timers.LAST_CALL}"].strip()


# The TV board's and the tablet's catalogs (static/i18n/<page>/<lang>.json), and what
# each page reads them from: its template and its scripts.
PAGES = {
    "board": ("display.html", ["display.js", "signin.js"]),
    "tablet": ("barista.html", ["barista.js", "barista-bar.js", "barista-drinks.js",
                                "barista-session.js", "signin.js"]),
}


def read_catalog_of(page: str, language: str) -> dict[str, str]:
    catalog: dict[str, str] = json.loads((PAGE_CATALOGS / page / f"{language}.json").read_text("utf-8"))
    return catalog


def keys_used_by(page: str) -> set[str]:
    template, scripts = PAGES[page]
    static = PAGE_CATALOGS.parent
    code = "".join((static / script).read_text("utf-8") for script in scripts)
    used = set(re.findall(r"""\bt(?:Nodes)?\('([\w.]+)'""", code))
    html = (static.parent / "templates" / template).read_text("utf-8")
    return used | set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.]+)"', html))


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_board_and_tablet_string_is_translated(page, language):
    english = read_catalog_of(page, "en")
    translated = read_catalog_of(page, language)
    assert set(translated) == set(english), f"{page}/{language}.json: keys differ from {page}/en.json"
    for key, text in english.items():
        assert translated[key].strip(), (page, language, key)
        assert placeholders(translated[key]) == placeholders(text), (page, language, key)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_board_and_the_tablet_use_exactly_their_catalogs_keys(page):
    used = keys_used_by(page)
    english = set(read_catalog_of(page, "en"))
    assert len(used) > 30  # the scan finds them
    assert used <= english, f"{page}: no such key: {sorted(used - english)}"
    assert english <= used, f"{page}: keys nothing uses: {sorted(english - used)}"


def test_the_cancel_chips_send_their_english_template():
    """The guest's page translates a reason by its English text: a chip's label is the
    tablet's language, but what it sends (`data-reason`) is the English label."""
    html = (PAGE_CATALOGS.parent.parent / "templates" / "barista.html").read_text("utf-8")
    chips = re.findall(r'data-reason="([^"]+)" data-i18n="([\w.]+)"', html)
    english = read_catalog_of("tablet", "en")
    assert len(chips) == 3
    for reason, key in chips:
        assert english[key] == reason
