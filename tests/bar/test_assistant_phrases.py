"""The evaluation set: phrases in English, Portuguese, French, German and Spanish with
the drafts they should give on the sample menu (tests/bar/phrases/*.txt).

`heldout.txt` holds phrases written after the parser was tuned on the others and never
tuned against. The figure is exact-match accuracy: a phrase counts only if its items (drinks,
quantities, options, in order) and its unmatched words are all as expected, or, for a
question, it is taken as one with the tastes expected. The README quotes it; the test
fails below `AIM`. Run `pytest tests/bar/test_assistant_phrases.py -s` to see misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bar.assistant import recommend
from bar.assistant.index import menu_index
from bar.assistant.lexicon import LANGUAGES, fold
from bar.assistant.parser import parse
from bar.config import load_settings
from tests.conftest import SAMPLE_CONFIG

PHRASES = Path(__file__).parent / "phrases"
AIM = 0.90
# The held-out phrases were never tuned against: their figure is the honest one, and
# the test only keeps it from falling far.
HELD_OUT_AIM = 0.80


@dataclass(frozen=True)
class Phrase:
    language: str
    text: str
    items: list[dict[str, Any]]
    unmatched: set[str]
    tastes: set[str] | None  # a question, with these tastes (surprise: {"surprise"})


def _item(spec: str) -> dict[str, Any]:
    quantity, drink_id, *rest = spec.split(" ", 2)
    modifiers = {}
    for pair in (rest[0].split(" & ") if rest else []):
        name, value = pair.split("=", 1)
        modifiers[name] = value
    return {"drink_id": drink_id, "quantity": int(quantity), "modifiers": modifiers}


def load(language: str, name: str | None = None) -> list[Phrase]:
    """The phrases of `language` (from its own file, or the lines of file `name` that
    start with `language |`)."""
    phrases = []
    for line in (PHRASES / f"{name or language}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if name is not None:
            code, _, line = line.partition(" | ")
            if code != language:
                continue
        text, expected = (s.strip() for s in line.split(" => "))
        if expected.startswith("?"):
            phrases.append(Phrase(language, text, [], set(), set(expected[1:].split())))
            continue
        items, _, unmatched = expected.partition("|")
        phrases.append(Phrase(
            language, text, [_item(s.strip()) for s in items.split(";") if s.strip()],
            {fold(u.strip()) for u in unmatched.split(",") if u.strip()}, None,
        ))
    return phrases


def check(phrase: Phrase, index: Any, in_stock: set[str]) -> str | None:
    """None if the phrase gives what it should, else what it gave."""
    draft, language = parse(phrase.text, index, in_stock)
    items = [i.to_dict() for i in draft.items]
    if phrase.tastes is not None:
        asked = set(recommend.taste_terms(draft.tastes)) | ({"surprise"} if draft.surprise else set())
        ok = draft.question and not items and phrase.tastes <= asked
        return None if ok else f"question={draft.question} tastes={sorted(asked)} items={items}"
    unmatched = {fold(u) for u in draft.unmatched}
    if items == phrase.items and unmatched == phrase.unmatched:
        return None
    return f"items={items} unmatched={sorted(unmatched)}"


def test_the_evaluation_set_is_big_enough_and_in_five_languages():
    counts = {language: len(load(language)) for language in LANGUAGES}
    assert sum(counts.values()) >= 150 and min(counts.values()) >= 30, counts


@pytest.mark.parametrize("name", [None, "heldout"])
def test_exact_match_accuracy_on_the_sample_menu(capsys: pytest.CaptureFixture[str], name: str | None):
    settings = load_settings(SAMPLE_CONFIG, environ={})
    index = menu_index(settings.menu)
    in_stock = {d.id for d in settings.menu}
    right, misses = {}, []
    for language in LANGUAGES:
        phrases = load(language, name)
        wrong = [(p, got) for p in phrases if (got := check(p, index, in_stock)) is not None]
        right[language] = (len(phrases) - len(wrong), len(phrases))
        misses += wrong
    total = sum(r for r, _ in right.values()), sum(n for _, n in right.values())
    with capsys.disabled():
        share = total[0] / total[1]
        print(f"\nassistant evaluation ({name or 'main'}): {total[0]}/{total[1]} exact = {share:.1%} "
              + " ".join(f"{lang} {r}/{n}" for lang, (r, n) in right.items()))
        for phrase, got in misses:
            print(f"  miss [{phrase.language}] {phrase.text!r}: {got}")
    assert total[0] / total[1] >= (AIM if name is None else HELD_OUT_AIM)
