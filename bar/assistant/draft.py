"""A draft order: what the bartender understood, never an order itself.

The guest confirms it on the page, and the page places each drink through the normal
order path (`POST /api/orders`), where every rule of the bar applies. Whoever made the
draft (the built-in parser or a local model), it holds only drinks and options of the
menu: `validate` checks a model's answer against the index and drops the rest, saying
what it dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bar.assistant.index import MenuIndex
from bar.assistant.lexicon import fold

MAX_QUANTITY = 10  # of one drink in one sentence; more is a typo or a joke
MAX_ITEMS = 20


@dataclass
class Item:
    drink_id: str
    quantity: int
    modifiers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"drink_id": self.drink_id, "quantity": self.quantity, "modifiers": dict(self.modifiers)}


@dataclass(frozen=True)
class Problem:
    """Something the guest said that the draft does not hold, for the reply to ask about.

    kind: "unknown" (not on the menu; `suggestion` a drink it may be), "out_of_stock",
    "no_option" (`drink_id` has no such option), "category" (which of `choices`?),
    "too_many" (more than `MAX_QUANTITY`).
    """

    kind: str
    text: str
    drink_id: str | None = None
    suggestion: str | None = None
    choices: tuple[str, ...] = ()
    pivot: str = ""  # the words in pivot words ("menta" → "mint"), for a taste


@dataclass
class Draft:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # A question rather than an order: the tastes asked for, and whether "surprise me".
    tastes: list[str] = field(default_factory=list)
    alcohol: bool | None = None
    question: bool = False
    surprise: bool = False

    @property
    def unmatched(self) -> list[str]:
        return [p.text for p in self.problems]


def validate(raw: Any, index: MenuIndex, in_stock: set[str]) -> Draft | None:
    """A model's answer as a draft: only drinks of the menu in stock, only their options,
    quantities 1 to `MAX_QUANTITY`. None when the answer is not a draft at all (the
    caller then asks the built-in parser)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        return None
    draft = Draft()
    by_name = {fold(d.name): d.id for d in index.drinks.values()}
    for entry in raw["items"][:MAX_ITEMS]:
        if not isinstance(entry, dict):
            return None
        said = str(entry.get("drink_id") or entry.get("name") or "").strip()[:80]
        drink_id = said if said in index.drinks else by_name.get(fold(said))
        if drink_id is None:
            draft.problems.append(Problem("unknown", said or "?"))
            continue
        drink = index.drinks[drink_id]
        if drink_id not in in_stock:
            draft.problems.append(Problem("out_of_stock", drink.name, drink_id))
            continue
        quantity = entry.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity < 1:
            quantity = 1
        if quantity > MAX_QUANTITY:
            draft.problems.append(Problem("too_many", f"{int(quantity)} × {drink.name}", drink_id))
            quantity = MAX_QUANTITY
        modifiers: dict[str, str] = {}
        asked = entry.get("modifiers") or {}
        for name, value in (asked.items() if isinstance(asked, dict) else ()):
            options = drink.modifiers.get(str(name), ())
            chosen = next((o for o in options if fold(o) == fold(str(value))), None)
            if chosen is None:
                draft.problems.append(Problem("no_option", f"{value}"[:80], drink_id))
            else:
                modifiers[str(name)] = chosen
        draft.items.append(Item(drink_id, int(quantity), modifiers))
    for text in raw.get("unmatched") or []:
        if isinstance(text, str) and text.strip():
            draft.problems.append(Problem("unknown", text.strip()[:80]))
    tastes = raw.get("tastes")
    if isinstance(tastes, list):
        draft.tastes = [str(t)[:40] for t in tastes if isinstance(t, str)][:5]
        draft.question = not draft.items and bool(draft.tastes)
    return draft
