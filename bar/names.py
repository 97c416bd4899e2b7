"""Guest names: what a name may be, and when two names are the same.

A name is shown on the board, called out at the bar and told apart by eye, so what is
stored is one visible form of what was typed (`clean_name`):

1. Refused outright (`bar.text.check_characters`): control and bidi characters, lone
   surrogates, line and paragraph separators; here also private-use characters
   (they draw as whatever a font puts there) and unassigned code points.
2. Invisible characters (Unicode's Default_Ignorable_Code_Point: zero-width spaces and
   joiners, soft hyphens, BOMs, LRM/RLM/ALM marks, tag characters, word joiners,
   variation selectors, Hangul fillers) are dropped, except where a word needs one:
   ZWJ/ZWNJ after a virama (Devanagari and the other Indic scripts) and ZWNJ between
   joining letters (Persian), per UTS #31 §2.3; ZWJ between two pictographs and VS16
   after one (emoji sequences: 👩‍💻, ❤️‍🔥); a variation selector after a Han ideograph
   (the glyph variants of Japanese names).
3. NFKC: fullwidth `Ａｎａ` and mathematical `𝐀𝐧𝐚` are `Ana`; `e` + U+0301 is `é`. Runs
   of spaces become one space. 2 to 50 characters must be left.
4. More than `MAX_MARKS` combining marks on one letter ("Zalgo" text) are refused.
5. Mixed-script look-alikes are refused (Unicode TR39): a character of one script that
   looks like a character of another script in the same name — `Аna` with a Cyrillic
   `А`, `B〇B` with a Han zero. A name in one script is fine, and so are two scripts
   with nothing alike between them (`Tomo 山田`, `Ana ანა`); Han with Hiragana, Katakana,
   Hangul or Bopomofo counts as one writing system (TR39's augmented script sets), as
   Japanese and Korean names mix them. A name wholly in another script that happens to
   look Latin (Cyrillic `Сара`) is a real name and is kept: the board's order numbers
   tell such guests apart.

Two guests may share a name. `same_name` compares names as a person reads them (case
and width aside); `check_not_taken` refuses a name a guest still here already has,
which the join page turns into "add an initial?" (`NameTaken`, then the guest may join
as is).

Libraries, not tables of ours: `regex` has the Unicode properties that `re` and
`unicodedata` lack (Default_Ignorable_Code_Point, Extended_Pictographic, Joining_Type,
the Virama combining class), from a current Unicode version. `confusable_homoglyphs`
ships TR39's confusables.txt and Unicode's Scripts.txt as data (pure Python, no
native code); PyICU's SpoofChecker implements TR39 itself, but needs ICU's C++ library
built against the interpreter, a heavy dependency for one check.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import datetime
from typing import cast

import regex
from confusable_homoglyphs import categories, confusables

from bar.errors import InvalidInput, NameTaken
from bar.models import Guest
from bar.text import check_characters

MIN_LEN = 2
MAX_LEN = 50
MAX_MARKS = 4  # combining marks on one letter; Vietnamese needs 2, Tibetan stacks up to 4

_REFUSED = regex.compile(r"[\p{Co}\p{Cn}]")
_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
# The invisible characters a word needs, each at its place (matched where it stands).
_NEEDED = regex.compile(
    r"""
      (?<=\p{ccc=Virama}) [\u200c\u200d]
    | (?<=[\p{Joining_Type=D}\p{Joining_Type=L}] \p{Joining_Type=T}*)
        \u200c (?=\p{Joining_Type=T}* [\p{Joining_Type=D}\p{Joining_Type=R}])
    | (?<=\p{Extended_Pictographic} [\ufe0f\p{Emoji_Modifier}]?) \u200d (?=\p{Extended_Pictographic})
    | (?<=\p{Extended_Pictographic}) \ufe0f
    | (?<=[0-9\#*]) \ufe0f (?=\u20e3)
    | (?<=\p{Unified_Ideograph}) [\ufe00-\ufe0f\U000e0100-\U000e01ef]
    """,
    regex.VERBOSE,
)
_TOO_MANY_MARKS = regex.compile(r"\p{M}{" + str(MAX_MARKS + 1) + ",}")

_NO_SCRIPT = {"COMMON", "INHERITED"}  # digits, punctuation, emoji; combining marks
# TR39's augmented script sets: Han is written with these, in one name.
_WRITTEN_WITH = {
    "HAN": {"HAN", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"},
    "HIRAGANA": {"HAN", "HIRAGANA", "KATAKANA"},
    "KATAKANA": {"HAN", "HIRAGANA", "KATAKANA"},
    "HANGUL": {"HAN", "HANGUL"},
    "BOPOMOFO": {"HAN", "BOPOMOFO"},
}


def clean_name(name: object, *, field: str = "name") -> str:
    """The one visible form of a typed name; raises `InvalidInput` saying what is wrong."""
    if not isinstance(name, str):
        raise InvalidInput(f"{field} must be text")
    name = name.strip()
    check_characters(name, field=field)
    refused = _REFUSED.search(name)
    if refused:
        char = refused.group()
        kind = "private-use" if unicodedata.category(char) == "Co" else "unassigned"
        raise InvalidInput(f"{field} must not contain {kind} characters (U+{ord(char):04X})")
    text = unicodedata.normalize("NFKC", _drop_invisible(name))
    text = " ".join(text.split())
    if _TOO_MANY_MARKS.search(unicodedata.normalize("NFD", text)):
        raise InvalidInput(f"{field} has more than {MAX_MARKS} combining marks on one letter")
    if not MIN_LEN <= len(text) <= MAX_LEN:
        raise InvalidInput(f"{field} must be {MIN_LEN} to {MAX_LEN} characters")
    look_alike = _look_alike(text)
    if look_alike:
        char, script = look_alike
        what = unicodedata.name(char, f"U+{ord(char):04X}")
        raise InvalidInput(
            f"{field} mixes scripts: {char!r} ({what}) looks like a {_title(script)} letter; "
            "write it in one script"
        )
    return text


def _drop_invisible(text: str) -> str:
    return _INVISIBLE.sub(
        lambda m: m.group() if _NEEDED.match(text, m.start()) else "", text
    )


def _look_alike(text: str) -> tuple[str, str] | None:
    """A character that looks like one of another script in `text`, and that script."""
    letters = [c for c in text if categories.alias(c) not in _NO_SCRIPT]
    scripts = Counter(categories.alias(c) for c in letters)
    if len(scripts) < 2:
        return None
    # The name's main script first: what stands out is the odd letter in it.
    for script, _ in sorted(scripts.items(), key=lambda item: (-item[1], item[0])):
        found = confusables.is_confusable(
            "".join(letters), preferred_aliases=sorted(_WRITTEN_WITH.get(script, {script}))
        )
        if found:
            return found[0]["character"], script
    return None


def _title(script: str) -> str:
    return script.replace("_", " ").title()


def name_key(name: str) -> str:
    """What two names that read the same have in common: case and width aside."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


def check_not_taken(name: str, *, seen_since: datetime) -> None:
    """Raise `NameTaken` if an active guest seen since `seen_since` has this name."""
    key = name_key(name)
    # In Python: SQLite's LOWER() knows only ASCII. Guests still here are a few thousand
    # at most; tuples, not models, keep the scan cheap.
    query = Guest.select(Guest.username).where(
        Guest.is_active == True, Guest.last_login >= seen_since  # noqa: E712
    )
    rows = cast(list[tuple[str]], list(query.tuples()))
    if any(name_key(username) == key for (username,) in rows):
        raise NameTaken(
            f"Someone here is already called {name}: add an initial (like “{name} B.”) "
            f"so the barista can tell you apart, or join as {name} anyway",
            params={"name": name},
        )
