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
    assert template == set(i18n.GUEST_MESSAGES.values()), "run `make catalogs`"


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_server_message_is_translated(language):
    translated = read_catalog(language)
    for english in i18n.GUEST_MESSAGES.values():
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
    used = set(re.findall(r"""\bt\('([\w.]+)'""", "".join(
        path.read_text("utf-8") for path in [static / "app.js", *sorted((static / "guest").glob("*.js"))])))
    template = (static.parent / "templates" / "index.html").read_text("utf-8")
    used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.]+)"', template))
    assert len(used) > 50  # the scan finds them
    assert used <= set(english), sorted(used - set(english))
