"""The built-in parser: a sentence in plain words → a draft, offline, in a millisecond.

    "two negronis, one with crushed ice"
      words   two negronis , one with crushed ice        (folded: no case, no accents)
      drinks  two [negroni] , one with crushed ice       (names matched first, with typos)
      pivot   2 [negroni] and 1 with crushed ice         (the guest's language → pivot words)
      parts   2 [negroni]  |  1 with crushed ice         (split at "and")
      draft   1 negroni {ice: crushed}, 1 negroni        (a part with a number and options
                                                          but no drink splits the one before)

Names are matched on the guest's own words, before translation, so a menu in any
language matches as written; rapidfuzz scores each run of up to four words against
every name (plural and typos forgiven: "negornis", "capuchino"), and every word of a
run must be a word of that name, so "oat cappuccino" is an option and a drink, not a
typo of "cappuccino". Options are matched in pivot words against the drink's own
options translated the same way ("sin hielo" and "no ice" meet as `no ice`). What is
left that is neither a filler nor understood goes in the draft's problems, for the
reply to ask about.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

import bar.assistant.lexicon as lexicon
from bar.assistant.draft import MAX_ITEMS, MAX_QUANTITY, Draft, Item, Problem
from bar.assistant.index import CONNECTORS, DrinkInfo, MenuIndex
from bar.assistant.lexicon import QUESTION_WORDS, TASTES

MAX_WORDS = 80  # the API takes 300 characters; this bounds the matching's work
_SPAN = 4
_CUTOFF = 80
_WORD_CUTOFF = 75
_PUNCTUATION = frozenset(",;.!?")
# Pivot words an order may hold around its drinks without saying anything new.
_GENERIC = frozenset({"with", "no", "ice", "milk", "all", "and", "shot", "cube", "size",
                      "please", "glass", "up", "on", "the", "virgin", "strong", "sweet",
                      "sour", "bitter", "alcoholfree", "fruity", "refreshing", "creamy"})
# Pivot words that name an option of some drink: said to a drink without that option,
# the reply asks about them.
_OPTION_WORDS = frozenset({"oat", "whole", "skimmed", "large", "crushed", "double", "salt",
                           "cucumber", "lime", "light", "extra", "big", "rocks", "straight"})


@dataclass
class Token:
    kind: str  # "drink" or "word"
    text: str  # the drink's id, or a pivot word
    raw: str  # what the guest wrote

    @property
    def number(self) -> int | None:
        return int(self.text) if self.kind == "word" and self.text.isdigit() else None


def parse(text: str, index: MenuIndex, in_stock: set[str], *, hint: str | None = None) -> tuple[Draft, str]:
    """The draft of `text`, and the language it was written in."""
    words = lexicon.normalize(text)[:MAX_WORDS]
    guess = lexicon.detect(words, hint)
    tokens = _tokens(words, index, guess)
    # Drink names say nothing of the guest's language ("einen Virgin Mojito"): again,
    # on the other words.
    language = lexicon.detect([w for t in tokens if t.kind == "word" for w in t.raw.split()], hint)
    if language != guess:
        tokens = _tokens(words, index, language)
    draft = Draft()
    for part in _parts(tokens):
        _read_part(part, draft, index, in_stock, language)
    _settle_question(draft, tokens, index)
    draft.items = [item for item in draft.items if item.quantity > 0][:MAX_ITEMS]
    return draft, language


# -- drinks and words -------------------------------------------------------------------


def _singular(text: str) -> str:
    if text.endswith("es") and len(text) > 5:
        return text[:-2]
    if text.endswith(("s", "x")) and len(text) > 3:
        return text[:-1]
    return text


def _match(span: list[str], index: MenuIndex, language: str) -> tuple[float, str, bool] | None:
    """The drink `span` (a run of the guest's words) names, with its score."""
    core = [w for w in span if w not in CONNECTORS]
    if not core or span[0] in CONNECTORS or span[-1] in CONNECTORS:
        return None
    joined = " ".join(core)
    queries = {joined, " ".join(core[:-1] + [_singular(core[-1])])}
    if len(span) == 1:
        pivot = lexicon.translate(span, language)
        if len(pivot) == 1 and pivot[0][0] != span[0]:
            if not pivot[0][0].isalpha():
                return None
            queries = {pivot[0][0]}  # "capuchino" says cappuccino; "cafe" is a category
    best: tuple[float, str, bool] | None = None
    for query in queries:
        cutoff = 90 if len(query) <= 5 else _CUTOFF
        for _, score, position in process.extract(
            query, index.alias_texts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4
        ):
            alias = index.aliases[position]
            if alias.exact_only and score < 100 or (len(core) < len(span) and not alias.has_connector):
                continue
            names = alias.text.split()
            if len(core) > 1 and not all(
                max(fuzz.ratio(w, n) for n in names) >= _WORD_CUTOFF for w in core
            ):
                continue
            score -= alias.penalty
            if best is None or score > best[0]:
                best = (score, alias.drink_id, alias.penalty > 0)
    return best


def _tokens(words: list[str], index: MenuIndex, language: str) -> list[Token]:
    found: list[tuple[int, float, int, str, bool]] = []  # (length, score, start, id, partial)
    for start in range(len(words)):
        for length in range(min(_SPAN, len(words) - start), 0, -1):
            span = words[start:start + length]
            if any(w in _PUNCTUATION for w in span) or any(w.isdigit() for w in span):
                continue
            hit = _match(span, index, language)
            if hit is not None:
                found.append((length, hit[0], start, hit[1], hit[2]))
    taken: dict[int, tuple[int, str, bool]] = {}
    used: set[int] = set()
    for length, _, start, drink_id, partial in sorted(found, key=lambda f: (-f[0], -f[1], f[2])):
        positions = set(range(start, start + length))
        if not positions & used:
            used |= positions
            taken[start] = (length, drink_id, partial)
    # One word of the name of the drink just named is an option's word, not a second
    # drink: "gin & tonic with light tonic".
    named = None
    for start in sorted(taken):
        length, drink_id, partial = taken[start]
        if partial and drink_id == named:
            del taken[start]
        else:
            named = drink_id
    tokens: list[Token] = []
    run: list[str] = []

    def flush() -> None:
        tokens.extend(Token("word", pivot, raw) for pivot, raw in lexicon.translate(run, language))
        run.clear()

    i = 0
    while i < len(words):
        if i in taken:
            flush()
            length, drink_id, _ = taken[i]
            tokens.append(Token("drink", drink_id, " ".join(words[i:i + length])))
            i += length
        else:
            run.append(words[i])
            i += 1
    flush()
    return tokens


def _parts(tokens: list[Token]) -> list[list[Token]]:
    """Split at "and"; a part with two drinks ("2 negronis 3 margaritas") splits again
    before the second drink's number."""
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "word" and token.text == "and":
            parts.append([])
        else:
            parts[-1].append(token)
    split: list[list[Token]] = []
    for part in parts:
        drinks = [i for i, t in enumerate(part) if t.kind == "drink"]
        cuts = [0]
        for i in drinks[1:]:
            cut = i
            while cut - 1 > cuts[-1] and part[cut - 1].number is not None:
                cut -= 1
            cuts.append(cut)
        split.extend(part[a:b] for a, b in zip(cuts, cuts[1:] + [len(part)], strict=True))
    return [p for p in split if p]


# -- one part ---------------------------------------------------------------------------


def _options(words: list[Token], drink: DrinkInfo) -> tuple[dict[str, str], set[int]]:
    """The options of `drink` said in `words`, and which words said them (the longest
    wins where two overlap: "no ice" over a bare "ice")."""
    texts = [w.text for w in words]
    hits: list[tuple[int, int, str, str]] = []
    for said, name, option in drink.options:
        n = len(said)
        for start in range(len(texts) - n + 1):
            if all(_same(texts[start + k], said[k]) for k in range(n)):
                hits.append((n, start, name, option))
    chosen: dict[str, str] = {}
    used: set[int] = set()
    for n, start, name, option in sorted(hits, key=lambda h: (-h[0], h[1])):
        positions = set(range(start, start + n))
        if positions & used or name in chosen:
            continue
        used |= positions
        chosen[name] = option
    return chosen, used


def _same(word: str, expected: str) -> bool:
    return word == expected or (len(expected) >= 5 and fuzz.ratio(word, expected) >= 85)


def _read_part(part: list[Token], draft: Draft, index: MenuIndex, in_stock: set[str], language: str) -> None:
    drink_at = next((i for i, t in enumerate(part) if t.kind == "drink"), None)
    if drink_at is None:
        _read_follow_up(part, draft, index, in_stock, language)
        return
    drink = index.drinks[part[drink_at].text]
    quantity, quantity_at = _quantity(part, drink_at)
    rest = [t for i, t in enumerate(part) if i not in (drink_at, quantity_at)]
    modifiers, used = _options(rest, drink)
    _leftovers([t for i, t in enumerate(rest) if i not in used], draft, index, language, drink)
    if drink.id not in in_stock:
        draft.problems.append(Problem("out_of_stock", drink.name, drink.id))
        return
    if quantity > MAX_QUANTITY:
        draft.problems.append(Problem("too_many", f"{quantity} × {drink.name}", drink.id))
        quantity = MAX_QUANTITY
    draft.items.append(Item(drink.id, quantity, modifiers))


def _quantity(part: list[Token], drink_at: int) -> tuple[int, int | None]:
    """The number said for the drink at `drink_at`: the nearest before it (words such
    as "large" may come between), else an "x2" after it; 1 if none."""
    for i in range(drink_at - 1, -1, -1):
        if part[i].number is not None:
            return part[i].number or 1, i
    for i in range(drink_at + 1, len(part)):
        if part[i].number is not None and "x" in part[i].raw:
            return part[i].number or 1, i
    return 1, None


def _read_follow_up(
    part: list[Token], draft: Draft, index: MenuIndex, in_stock: set[str], language: str
) -> None:
    """A part without a drink: options for the drink before ("one with crushed ice",
    "both with oat milk", "no salt please"), a category ("a coffee"), or words to ask about."""
    numbers = [(i, t.number) for i, t in enumerate(part) if t.number is not None]
    everyone = any(t.text == "all" for t in part)
    previous = draft.items[-1] if draft.items else None
    if previous is not None:
        drink = index.drinks[previous.drink_id]
        modifiers, used = _options(part, drink)
        if modifiers:
            skip = used | {i for i, _ in numbers}
            _leftovers([t for i, t in enumerate(part) if i not in skip], draft, index, language, drink)
            if everyone:
                for item in draft.items:
                    mine, _ = _options(part, index.drinks[item.drink_id])
                    item.modifiers.update(mine)
            elif numbers and numbers[0][1] and numbers[0][1] < previous.quantity:
                # "two negronis, one with crushed ice": one of those two
                count = numbers[0][1] or 1
                split = Item(previous.drink_id, count, {**previous.modifiers, **modifiers})
                previous.quantity -= count
                draft.items.insert(len(draft.items) - 1, split)
            elif numbers and numbers[0][1]:
                # "a margarita straight up and one on the rocks": one more
                count = min(numbers[0][1] or 1, MAX_QUANTITY)
                draft.items.append(Item(previous.drink_id, count, modifiers))
            else:
                previous.modifiers.update(modifiers)
            return
    categories = [t for t in part if t.kind == "word" and t.text in index.categories]
    if categories and not any(t.text in QUESTION_WORDS or t.text in TASTES for t in part):
        word = categories[0]
        choices = tuple(d for d in index.categories[word.text] if d in in_stock)
        draft.problems.append(Problem("category", word.raw, choices=choices))
        part = [t for t in part if t is not word]
    _leftovers([t for t in part if t.number is None], draft, index, language, None)


def _leftovers(
    words: list[Token], draft: Draft, index: MenuIndex, language: str, drink: DrinkInfo | None
) -> None:
    """Words no drink or option took: tastes are noted, fillers dropped, the rest is
    something to ask about (runs of unknown words together: "extra cherries")."""
    run: list[Token] = []

    def close() -> None:
        if run:
            text = " ".join(dict.fromkeys(t.raw for t in run))
            pivot = " ".join(t.text for t in run)
            draft.problems.append(Problem("unknown", text, suggestion=_suggest(text, index), pivot=pivot))
            run.clear()

    for token in words:
        word = token.text
        if word in TASTES or word == "virgin":
            draft.tastes.append("alcoholfree" if word == "virgin" else word)
        if word in QUESTION_WORDS:
            draft.question = True
            draft.surprise = draft.surprise or word == "surprise"
        if word in _OPTION_WORDS and drink is not None:
            close()
            draft.problems.append(Problem("no_option", token.raw, drink.id))
            continue
        known = (word.isdigit() or word in _GENERIC or word in TASTES or word in QUESTION_WORDS
                 or word in _OPTION_WORDS or lexicon.is_filler(word, language) or len(word) < 2
                 or word in index.categories or (drink is not None and word in drink.words))
        if known:
            close()
        else:
            run.append(token)
    close()


def _suggest(text: str, index: MenuIndex) -> str | None:
    hit = process.extractOne(lexicon.fold(text), index.alias_texts, scorer=fuzz.WRatio, score_cutoff=70)
    return index.aliases[hit[2]].drink_id if hit else None


def _settle_question(draft: Draft, tokens: list[Token], index: MenuIndex) -> None:
    """No drink named, but tastes or "something …": a question, answered with
    suggestions. Words it names that some drink has ("with mint") are tastes too."""
    if draft.items or any(t.kind == "drink" for t in tokens):
        draft.tastes = []
        return
    if not (draft.question or draft.tastes):
        return
    draft.question = True
    kept: list[Problem] = []
    for problem in draft.problems:
        words = problem.pivot.split()
        if problem.kind == "unknown" and any(w in d.words for w in words for d in index.drinks.values()):
            draft.tastes.extend(words)
        else:
            kept.append(problem)
    draft.problems = kept
    draft.tastes = list(dict.fromkeys(draft.tastes))
    if "alcoholfree" in draft.tastes:
        draft.alcohol = False
