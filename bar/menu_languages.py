"""A drink's texts in several languages: its name, description and category
(`TRANSLATED`) per language, `{"pt": {"name": "Expresso"}}` (`Drink.translations`),
and its options' and ingredients' words (`{"pt": {"word:big cube": "cubo grande"}}`).

A change is a JSON merge patch (`clean_translations`, `merge_translations`), and a
category reads the same on every drink of it (`with_category`; `bar.menu` shares a
changed one). What a guest sees in a language is `bar.menu.localize`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bar.config import TRANSLATED, WORD, drink_words
from bar.errors import InvalidInput
from bar.language import LANGUAGES
from bar.models import Drink
from bar.text import clean_text

# language -> {field: text}
Translations = dict[str, dict[str, str]]
# language -> {field: text, or None to take it away}, or None to take the language away
Patch = Mapping[str, Mapping[str, str | None] | None]


def clean_translations(value: object, *, max_len: Mapping[str, int]) -> Patch:
    """A change to a drink's translations, as a JSON merge patch (RFC 7396):
    `{"pt": {"name": "Expresso", "description": null}}` sets the Portuguese name and
    takes the Portuguese description away; `{"pt": null}` takes all of Portuguese away."""
    if not isinstance(value, Mapping):
        raise InvalidInput('translations must be an object like {"pt": {"name": "Expresso"}}')
    patch: dict[str, dict[str, str | None] | None] = {}
    for language, texts in value.items():
        if language not in LANGUAGES:
            raise InvalidInput(f"translations: no language {language!r} "
                               f"(the guest page's are {', '.join(LANGUAGES)})")
        if texts is None:
            patch[language] = None
            continue
        if not isinstance(texts, Mapping):
            raise InvalidInput(f'translations.{language} must be an object like {{"name": "…"}} '
                               "(or null to remove it)")
        cleaned: dict[str, str | None] = {}
        for key, text in texts.items():
            is_word = isinstance(key, str) and key.startswith(WORD) and len(key) > len(WORD)
            if key not in TRANSLATED and not is_word:
                raise InvalidInput(f"translations.{language}: {key!r} is not translated "
                                   f"(only {', '.join(TRANSLATED)}, and "
                                   f'"{WORD}WORD" for an option or ingredient)')
            field = f"translations.{language}.{key}"
            limit = max_len[WORD if is_word else key]
            cleaned[key] = (None if text is None
                            else clean_text(text, field=field, max_len=limit) or None)
        patch[language] = cleaned
    return patch


def merge_translations(current: Mapping[str, Mapping[str, str]], patch: Patch) -> Translations:
    """`current` with `patch` (`clean_translations`) applied; languages left empty go."""
    merged = {language: dict(texts) for language, texts in current.items()}
    for language, texts in patch.items():
        own = {} if texts is None else merged.get(language, {})
        for key, text in (texts or {}).items():
            if text is None:
                own.pop(key, None)
            else:
                own[key] = text
        merged[language] = own
    return {language: texts for language, texts in merged.items() if texts}


def words_checked(translations: Translations, patch: Patch, modifiers: Mapping[str, Sequence[str]],
                  ingredients: Sequence[str]) -> Translations:
    """A drink's translations whose words (`"word:big cube"`) are all its modifiers'
    names or options or its ingredients: one the change names that is not is an error;
    one the host took off the drink goes with it."""
    words = drink_words(modifiers, ingredients)
    for language, texts in patch.items():
        for key, text in (texts or {}).items():
            # taking a word away is fine whether or not the drink still has it
            if text is not None and key.startswith(WORD) and key.removeprefix(WORD) not in words:
                known = ", ".join(sorted(words)) or "none"
                raise InvalidInput(f"translations.{language}: {key.removeprefix(WORD)!r} is "
                                   f"not one of the drink's modifiers, options or ingredients "
                                   f"({known})")
    kept = {language: {key: text for key, text in texts.items()
                       if not key.startswith(WORD) or key.removeprefix(WORD) in words}
            for language, texts in translations.items()}
    return {language: texts for language, texts in kept.items() if texts}


def category_words(category: str, *, besides: str) -> dict[str, str]:
    """{language: text}: how the menu's other drinks of `category` translate it."""
    found: dict[str, str] = {}
    others = (Drink.select().where(Drink.category == category, Drink.id != besides)
              .order_by(Drink.position))
    for other in others:
        for language, texts in (other.translations or {}).items():
            if texts.get("category"):
                found.setdefault(language, texts["category"])
    return found


def with_category(translations: Translations, category: str, patch: Patch,
                  besides: str) -> Translations:
    """A drink's translations with its category's, as the menu's other drinks of that
    category have them (one heading per category for a guest), for each language the
    change does not say itself."""
    merged = {language: dict(texts) for language, texts in translations.items()}
    if not category:
        return merged
    for language, text in category_words(category, besides=besides).items():
        said = patch.get(language, {})
        if language in patch and (said is None or "category" in said):
            continue
        merged.setdefault(language, {}).setdefault("category", text)
    return merged
