"""The menu as the bartender reads it: names to match (with typos), each drink's options
in pivot words, and what each drink tastes of.

Built once per menu version (`menu_index`: drinks' names, options, tags, ingredients and
descriptions, with the menu's translations of names, descriptions, categories and words;
stock is not part of it, so switching a drink out of stock costs no rebuild), so a
question costs only the matching itself. A drink is found by any of its names: "uma
gim-tônica" is the Gin & Tonic whose `name_pt` is "Gim-tônica".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bar.assistant.lexicon import LANGUAGES, TASTES, normalize, translate
from bar.config import WORD

# Words that join two parts of one name ("Gin & Tonic", "gin e tónica").
CONNECTORS = frozenset({"&", "and", "e", "et", "und", "y", "n", "+"})
_YES_NO = {"yes", "no", "with", "without", "on", "off"}
# Words too common on a menu to name one drink on their own ("a white" is a Flat White,
# "a coffee" is not a drink).
_COMMON = frozenset({"ice", "milk", "large", "regular", "double", "single", "sweet", "sour",
                     "bitter", "strong", "coffee", "with", "tonic water", "soda", "sugar",
                     "salt", "lime", "orange", "shot", "extra", "cube", "light", "the"})


@dataclass(frozen=True)
class DrinkInfo:
    """One drink of the menu, as the bartender knows it."""

    id: str
    name: str
    category: str
    description: str
    ingredients: tuple[str, ...]
    tags: tuple[str, ...]
    modifiers: dict[str, tuple[str, ...]]
    # (pivot words, modifier, option): what a guest says to pick that option
    options: tuple[tuple[tuple[str, ...], str, str], ...]
    tastes: frozenset[str]  # pivot taste words of its tags ("alcoholfree", "sweet", …)
    words: frozenset[str]  # every word of its name, ingredients, description, category
    # each ingredient as the menu writes it, with its words in pivot words
    ingredient_words: tuple[tuple[str, frozenset[str]], ...] = ()
    # language -> the drink's name in it, where the menu translates it
    names: tuple[tuple[str, str], ...] = ()
    # language -> the drink's category in it, where the menu translates it
    categories: tuple[tuple[str, str], ...] = ()
    # (language, an option or ingredient as written, the menu's word for it in that language)
    word_names: tuple[tuple[str, str, str], ...] = ()

    def called(self, language: str) -> str:
        """The drink's name as a guest writing `language` reads it on the menu."""
        return dict(self.names).get(language, self.name)

    def category_in(self, language: str) -> str:
        """The drink's category as a guest writing `language` reads it on the menu."""
        return dict(self.categories).get(language, self.category)

    def word_called(self, word: str, language: str) -> str:
        """An option or ingredient as a guest writing `language` reads it on the menu."""
        return next((text for lang, said, text in self.word_names
                     if lang == language and said == word), word)

    @property
    def alcohol_free(self) -> bool:
        return "alcoholfree" in self.tastes or "virgin" in self.tastes


@dataclass(frozen=True)
class Alias:
    drink_id: str
    text: str  # normalized words, connectors left out, joined by spaces
    has_connector: bool  # the name had an "&"/"and" (a span may then hold one)
    exact_only: bool  # too short for typos
    penalty: int  # a single word of a longer name: a full name wins a tie


@dataclass(frozen=True)
class MenuIndex:
    drinks: dict[str, DrinkInfo]
    aliases: tuple[Alias, ...]
    alias_texts: tuple[str, ...]  # the same order as `aliases`, for rapidfuzz
    alias_words: frozenset[str]
    categories: dict[str, tuple[str, ...]]  # folded category word -> drink ids


def _pivot(text: str, language: str = "en") -> tuple[str, ...]:
    return tuple(word for word, _ in translate(normalize(text), language))


def _said(text: str) -> list[tuple[str, ...]]:
    """The ways to say a menu's word in pivot words: read as English and as each of our
    languages (a menu in Portuguese has `grande`, which a guest's "grande" and "large"
    both say)."""
    return list(dict.fromkeys(_pivot(text, language) for language in LANGUAGES))


def _ways(word: str, translations: dict[str, dict[str, str]]) -> list[tuple[str, ...]]:
    """How a guest says one of the menu's words (an option, an ingredient): as the host
    wrote it, or as the menu translates it (`words_pt`: "picado" is the crushed ice)."""
    texts = [word.replace("_", " "), *(text for _, text in _in_languages(translations, WORD + word))]
    return list(dict.fromkeys(said for text in texts for said in _said(text)))


def _options(modifiers: dict[str, tuple[str, ...]], translations: dict[str, dict[str, str]],
             ) -> tuple[tuple[tuple[str, ...], str, str], ...]:
    """How a guest picks each option, in pivot words."""
    found: list[tuple[tuple[str, ...], str, str]] = []
    for name, options in modifiers.items():
        yes_no = {o.casefold() for o in options} <= _YES_NO
        for option in options:
            if yes_no:
                # extra_shot = ["no", "yes"]: "extra shot" is yes, "no extra shot" no.
                positive = option.casefold() in ("yes", "with", "on")
                for said in _ways(name, translations):
                    found.append((said if positive else ("no", *said), name, option))
            else:
                found.extend((said, name, option) for said in _ways(option, translations))
    return tuple(found)


def _name_aliases(drink_id: str, name: str, shared: set[str], *, translated: bool = False) -> list[Alias]:
    """How a guest says `name`. A translated name is said whole only: its single words
    ("álcool" of "Mojito sem álcool", "café" of "Café solo") say too much else."""
    words = normalize(name)
    has_connector = any(w in CONNECTORS for w in words)
    core = [w for w in words if w not in CONNECTORS and w.isalnum()]
    texts = {" ".join(core), "".join(core)}
    if not translated:
        texts.add(" ".join(drink_id.split("-")))
    aliases = [Alias(drink_id, t, has_connector, len(t) < 4, 0) for t in texts if t]
    for word in [] if translated else core:
        # A word only this drink's name has names it too ("mojito", "martini").
        if len(core) > 1 and len(word) >= 4 and word not in shared and word not in _COMMON:
            aliases.append(Alias(drink_id, word, False, len(word) < 5, 3))
    return aliases


def _in_languages(translations: dict[str, dict[str, str]], key: str) -> list[tuple[str, str]]:
    """(language, text) of `key` ("name", "word:big cube") where the menu translates it."""
    return [(language, texts[key]) for language, texts in translations.items() if texts.get(key)]


def _translated(row: dict[str, Any], key: str) -> list[str]:
    """The row's `key` in each language the menu translates it into."""
    return list(dict.fromkeys(text for _, text in _in_languages(row["translations"], key)))


def _names(row: dict[str, Any]) -> list[str]:
    """Every name of the row's drink: its own, then its translations."""
    return list(dict.fromkeys([row["name"], *_translated(row, "name")]))


def _info(row: dict[str, Any]) -> DrinkInfo:
    modifiers = {str(k): tuple(str(o) for o in v) for k, v in (row["modifiers"] or {}).items()}
    tastes = {w for tag in row["tags"] for w in _pivot(tag)} & set(TASTES + ("virgin",))
    words: set[str] = set()
    texts = (*_names(row), row["category"], *_translated(row, "category"), row["description"],
             *_translated(row, "description"))
    for text in texts:
        words.update(w for said in _said(text) for w in said)
    ingredients = tuple(
        (str(i), frozenset(w for said in _ways(str(i), row["translations"]) for w in said))
        for i in row["ingredients"])
    for _, said in ingredients:
        words.update(said)
    return DrinkInfo(
        id=row["id"], name=row["name"], category=row["category"],
        description=row["description"], ingredients=tuple(row["ingredients"]),
        tags=tuple(row["tags"]), modifiers=modifiers,
        options=_options(modifiers, row["translations"]),
        tastes=frozenset(tastes), words=frozenset(words), ingredient_words=ingredients,
        names=tuple(_in_languages(row["translations"], "name")),
        categories=tuple(_in_languages(row["translations"], "category")),
        word_names=tuple((language, key.removeprefix(WORD), text)
                           for language, texts in row["translations"].items()
                           for key, text in texts.items() if key.startswith(WORD)),
    )


def fingerprint(drinks: Iterable[Any]) -> tuple[tuple[Any, ...], ...]:
    """What the index is built from (every field but stock), hashable: the menu's version."""
    return tuple(
        (d.id, d.name, d.category or "", d.description or "", tuple(d.ingredients or ()),
         tuple(d.tags or ()), json.dumps(d.modifiers or {}, sort_keys=True),
         json.dumps(getattr(d, "translations", None) or {}, sort_keys=True))
        for d in drinks
    )


def menu_index(drinks: Iterable[Any]) -> MenuIndex:
    """The index of these drinks (`bar.menu.list_drinks()`' rows, or anything with the
    same attributes), built once per menu version."""
    return _build(fingerprint(drinks))


@lru_cache(maxsize=8)
def _build(version: tuple[tuple[Any, ...], ...]) -> MenuIndex:
    rows = [
        {"id": i, "name": n, "category": c, "description": d, "ingredients": list(ing),
         "tags": list(t), "modifiers": json.loads(m), "translations": json.loads(tr)}
        for i, n, c, d, ing, t, m, tr in version
    ]
    counts: dict[str, int] = {}
    for row in rows:
        for word in set(normalize(row["name"])):
            counts[word] = counts.get(word, 0) + 1
    shared = {w for w, n in counts.items() if n > 1}
    drinks = {row["id"]: _info(row) for row in rows}
    aliases: list[Alias] = []
    for row in rows:
        aliases.extend(_name_aliases(row["id"], row["name"], shared))
        for name in _translated(row, "name"):
            if name != row["name"]:
                aliases.extend(_name_aliases(row["id"], name, shared, translated=True))
    categories: dict[str, list[str]] = {}
    for row in rows:
        for word in _pivot(row["category"]):
            if len(word) >= 4:
                categories.setdefault(word, []).append(row["id"])
                categories.setdefault(word.rstrip("s"), []).append(row["id"])
    return MenuIndex(
        drinks=drinks, aliases=tuple(aliases), alias_texts=tuple(a.text for a in aliases),
        alias_words=frozenset(w for a in aliases for w in a.text.split()),
        categories={k: tuple(dict.fromkeys(v)) for k, v in categories.items()},
    )
