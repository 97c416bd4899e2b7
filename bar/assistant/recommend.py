"""Recommendations: which drinks to suggest to this guest, now, and why in plain words.

A drink's score adds up what speaks for it:

    each taste asked for that is one of its tags        3   ("sour")
    each other word asked for in its ingredients, name  2   ("with mint")
    the guest ordered it before (up to three times)     0.8 a time
    ordered tonight, relative to the most ordered       up to 1.5
    quick to make, when the queue is half full or more  up to 1.5
    being on the menu                                   1

Only drinks in stock are suggested; asked for tastes, only drinks with at least one of
them; `alcohol` False (or the taste "alcoholfree") keeps only alcohol-free drinks, True
only the others. "Surprise me" draws one at random among the good matches (within 60 %
of the best score), leaving out the guest's last drink unless nothing else fits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peewee import fn

import bar.assistant.lexicon as lexicon
from bar import estimates, shop
from bar.assistant.index import DrinkInfo, MenuIndex
from bar.assistant.lexicon import TASTES
from bar.assistant.replies import listing, say
from bar.config import Settings
from bar.models import Order
from bar.orders import business_day
from bar.status import CANCELLED

MAX_LIMIT = 10
_GOOD = 0.6  # of the best score: a good match, for "surprise me"
_SURPRISE_POOL = 5


@dataclass(frozen=True)
class Suggestion:
    drink_id: str
    name: str
    score: float
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"drink_id": self.drink_id, "name": self.name, "score": self.score,
                "reasons": self.reasons}


@dataclass(frozen=True)
class Tonight:
    """What the bar knows that moves a suggestion: read once per question."""

    mine: dict[str, int] = field(default_factory=dict)  # drink id -> the guest's orders
    last: str | None = None  # the guest's newest order's drink
    popular: dict[str, int] = field(default_factory=dict)  # drink id -> orders tonight
    queue: int = 0
    max_queue: int = 20
    prep_seconds: dict[str, float] = field(default_factory=dict)


def read_tonight(settings: Settings, user_key: str | None, *, now: datetime) -> Tonight:
    """The guest's history, tonight's orders per drink, the queue and the prep times."""
    mine: dict[str, int] = {}
    last = None
    if user_key:
        rows: Any = (Order.select(Order.drink, fn.COUNT(Order.id), fn.MAX(Order.created_at))
                     .where(Order.guest == user_key, Order.status != CANCELLED)
                     .group_by(Order.drink).tuples())
        newest = None
        for drink_id, count, created in rows:
            mine[drink_id] = count
            if newest is None or created > newest:
                newest, last = created, drink_id
    day = business_day(now, settings.day_starts_at)
    counted: Any = (Order.select(Order.drink, fn.COUNT(Order.id))
                    .where(Order.day == day, Order.status != CANCELLED)
                    .group_by(Order.drink).tuples())
    popular: dict[str, int] = dict(counted)
    queue = shop.queue_length()
    prep: dict[str, float] = {}
    if queue * 2 >= settings.rules.max_queue:
        prep = dict(estimates.prep_times(settings, now=now).per_drink)
    return Tonight(mine, last, popular, queue, settings.rules.max_queue, prep)


def taste_terms(asked: Iterable[str]) -> list[str]:
    """Tastes as the guest wrote them, in any of our languages ("süß", "sin alcohol",
    "mint"), as pivot words."""
    terms: list[str] = []
    for text in asked:
        words = lexicon.normalize(text)
        language = lexicon.detect(words)
        terms.extend(w for w, _ in lexicon.translate(words, language)
                     if not lexicon.is_filler(w, language) and w not in ("and", "with", "no"))
    return list(dict.fromkeys("alcoholfree" if t == "virgin" else t for t in terms))[:8]


def _quick_score(drink: DrinkInfo, tonight: Tonight) -> float:
    """0 to 1: how quick this drink is against the slowest, from tonight's prep times,
    else from how many ingredients it has."""
    if tonight.queue * 2 < tonight.max_queue or tonight.queue < 3:
        return 0.0
    return 1.0 / (1.0 + tonight.prep_seconds.get(drink.id, 60.0 * (1 + len(drink.ingredients))) / 120.0)


def rank(
    index: MenuIndex, in_stock: set[str], tonight: Tonight, *, tastes: list[str],
    alcohol: bool | None = None, limit: int = 3, surprise: bool = False,
    rng: random.Random | None = None, language: str = "en",
) -> list[Suggestion]:
    """The drinks to suggest, best first (see the module docstring)."""
    limit = max(1, min(limit, MAX_LIMIT))
    if "alcoholfree" in tastes:
        alcohol = False
    wanted = [t for t in tastes if t != "alcoholfree"]
    most_popular = max(tonight.popular.values(), default=0)
    quick_scores = {d: _quick_score(index.drinks[d], tonight) for d in in_stock if d in index.drinks}
    quickest = sorted(quick_scores.values(), reverse=True)[: max(1, len(quick_scores) // 3)]
    scored: list[tuple[float, DrinkInfo, list[str]]] = []
    for drink in index.drinks.values():
        if drink.id not in in_stock or (alcohol is not None and drink.alcohol_free == alcohol):
            continue
        score, reasons = 1.0, []
        matched = [t for t in wanted if t in TASTES and t in drink.tastes]
        found = [w for t in wanted if t not in TASTES and (w := _has_word(drink, t))]
        if wanted and not matched and not found:
            continue
        score += 3 * len(matched) + 2 * len(found)
        said = [say(language, t) for t in matched]
        if alcohol is False:
            said.append(say(language, "alcoholfree"))
        said += [say(language, "with", what=t) for t in found]
        if said:
            reasons.append(listing(language, said))
        times = tonight.mine.get(drink.id, 0)
        if times:
            score += 0.8 * min(times, 3)
            reasons.append(say(language, "again", n=times) if times > 1 else say(language, "before"))
        ordered = tonight.popular.get(drink.id, 0)
        if ordered:
            score += 1.5 * ordered / most_popular
            if ordered >= 2 and ordered * 2 >= most_popular:
                reasons.append(say(language, "popular"))
        quick = quick_scores.get(drink.id, 0.0)
        if quick:
            score += 1.5 * quick
            if quick >= quickest[-1]:
                reasons.append(say(language, "quick"))
        scored.append((score, drink, reasons))
    scored.sort(key=lambda s: (-s[0], s[1].name))
    top = 1.0 + 3 * len(wanted) + 2.4 + 1.5 + 1.5
    if surprise and scored:
        # Never the last drink, unless nothing else fits; good matches among the rest.
        fresh = [s for s in scored if s[1].id != tonight.last] or scored
        pool = [s for s in fresh if s[0] >= _GOOD * fresh[0][0]][:_SURPRISE_POOL]
        choice = (rng or random.Random()).choice(pool)
        scored = [(choice[0], choice[1], [say(language, "surprise"), *choice[2]])]
    return [
        Suggestion(d.id, d.called(language), round(min(1.0, s / top), 2),
                   reasons or [d.category_in(language) or d.called(language)])
        for s, d, reasons in scored[:limit]
    ]


def _has_word(drink: DrinkInfo, term: str) -> str | None:
    """How the drink's menu writes `term` (its ingredient "hortelã" for "mint"), if it
    has it at all."""
    for said in (term, term.rstrip("s")):
        for ingredient, words in drink.ingredient_words:
            if said in words:
                return ingredient
        if said in drink.words:
            return said
    return None
