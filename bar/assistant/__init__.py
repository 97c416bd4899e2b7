"""The bartender that talks: suggestions by taste, and orders in plain words.

    answer("two negronis, one with crushed ice")   → a draft: reply, items, unmatched
    recommend(tastes=["sour"], alcohol=False)      → drinks, each with its reasons

Offline by default: the built-in parser (`parser`, with `lexicon` for English,
Portuguese, French, German and Spanish) reads the sentence against the menu's index
(`index`, built once per menu version). With `[assistant] url` set, a local language
model (`model`) answers first; its draft is validated against the menu (`draft`), and
the parser answers when the model fails. A draft is never an order: the guest confirms
it and the page places each drink through the normal order path. Suggestions are
ranked in `recommend`; replies are worded in `replies`.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bar import menu
from bar.assistant import lexicon
from bar.assistant import recommend as ranking
from bar.assistant.draft import MAX_QUANTITY, Draft, Item, Problem, validate
from bar.assistant.index import MenuIndex, menu_index
from bar.assistant.model import LocalModel, ModelFailed
from bar.assistant.parser import parse
from bar.assistant.recommend import Suggestion
from bar.assistant.replies import listing, say
from bar.config import Settings
from bar.text import clean_text

__all__ = ["Answer", "Assistant", "Suggestion"]

log = logging.getLogger(__name__)

MAX_TEXT = 300  # characters of one message to the bartender


@dataclass(frozen=True)
class Answer:
    reply: str
    items: list[Item]
    unmatched: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)
    language: str = "en"
    answered_by: str = "parser"  # or "model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply": self.reply, "items": [i.to_dict() for i in self.items],
            "unmatched": self.unmatched, "suggestions": [s.to_dict() for s in self.suggestions],
            "language": self.language, "answered_by": self.answered_by,
        }


class Assistant:
    """One per process: holds the model's client (and when it last failed)."""

    def __init__(self, settings: Settings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.rng = rng or random.Random()
        self.model = (
            LocalModel(settings.assistant_url, settings.assistant_model,
                       timeout=settings.assistant_timeout.total_seconds())
            if settings.assistant_url else None
        )

    def _menu(self) -> tuple[MenuIndex, set[str]]:
        drinks = menu.list_drinks()
        return menu_index(drinks), {d.id for d in drinks if d.is_active}

    def answer(self, text: object, *, user_key: str | None, now: datetime,
               hint: str | None = None) -> Answer:
        """The draft of what the guest wrote, worded in their language."""
        cleaned = clean_text(text, field="text", min_len=1, max_len=MAX_TEXT)
        index, in_stock = self._menu()
        draft, language = parse(cleaned, index, in_stock, hint=hint)
        answered_by, fell_back = "parser", False
        if self.model is not None:
            if self.model.resting():
                fell_back = True
            else:
                try:
                    checked = validate(self.model.draft(cleaned, index, in_stock), index, in_stock)
                except ModelFailed as exc:
                    log.warning("assistant: the local model failed (%s); the parser answers", exc)
                    checked = None
                if checked is None:
                    fell_back = True
                else:
                    draft, answered_by = checked, "model"
        suggestions: list[Suggestion] = []
        if draft.question:
            tastes = ranking.taste_terms(draft.tastes)
            tonight = ranking.read_tonight(self.settings, user_key, now=now)
            suggestions = ranking.rank(
                index, in_stock, tonight, tastes=tastes, alcohol=draft.alcohol,
                limit=1 if draft.surprise else 3, surprise=draft.surprise, rng=self.rng,
                language=language,
            )
        reply = _reply(draft, suggestions, index, language)
        if fell_back:
            reply = f"{reply} {say(language, 'fallback')}"
        return Answer(reply, draft.items, draft.unmatched, suggestions, language, answered_by)

    def recommend(self, *, user_key: str | None, tastes: list[str], alcohol: bool | None,
                  limit: int, surprise: bool, now: datetime, language: str = "en") -> list[Suggestion]:
        """Drinks to suggest to this guest now (`bar.assistant.recommend`)."""
        index, in_stock = self._menu()
        tonight = ranking.read_tonight(self.settings, user_key, now=now)
        return ranking.rank(
            index, in_stock, tonight, tastes=ranking.taste_terms(tastes), alcohol=alcohol,
            limit=limit, surprise=surprise, rng=self.rng, language=language,
        )


def _item_text(item: Item, index: MenuIndex, language: str) -> str:
    drink = index.drinks[item.drink_id]
    said = [drink.word_called(option, language) for option in item.modifiers.values()]
    options = f" ({', '.join(said)})" if said else ""
    return f"{item.quantity} × {drink.called(language)}{options}"


def _problem_text(problem: Problem, index: MenuIndex, language: str) -> str:
    def name(drink_id: str | None) -> str:
        return index.drinks[drink_id].called(language) if drink_id in index.drinks else str(drink_id)

    if problem.kind == "out_of_stock":
        return say(language, "out_of_stock", name=problem.text)
    if problem.kind == "no_option":
        return say(language, "no_option", name=name(problem.drink_id), what=problem.text)
    if problem.kind == "category":
        names = [name(d) for d in problem.choices]
        return say(language, "category", what=problem.text, names=listing(language, names, last="or"))
    if problem.kind == "too_many":
        return say(language, "too_many", max=MAX_QUANTITY)
    text = say(language, "unknown", what=problem.text)
    if problem.suggestion:
        text += " " + say(language, "did_you_mean", name=name(problem.suggestion))
    return text


def _reply(draft: Draft, suggestions: list[Suggestion], index: MenuIndex, language: str) -> str:
    sentences: list[str] = []
    if draft.items:
        items = listing(language, [_item_text(i, index, language) for i in draft.items])
        sentences.append(say(language, "draft", items=items))
    sentences += [_problem_text(p, index, language) for p in draft.problems]
    if draft.question:
        if suggestions:
            named = [f"{s.name} ({', '.join(s.reasons)})" for s in suggestions]
            sentences.append(say(language, "suggest", names="; ".join(named)))
        else:
            sentences.append(say(language, "no_fit"))
    if not sentences:
        sentences.append(say(language, "nothing"))
    return " ".join(sentences)


def reply_language(accept: str | None) -> str:
    """The language to word suggestions in, from the page (`lang`) or Accept-Language."""
    return lexicon.language_of(accept) or "en"
