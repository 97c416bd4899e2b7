"""Text that people type: one rule for every name, note, reason and message we store.

It depends on nothing but the error family, so any module (settings included) can use it
without pulling in the services. Guest names have stricter rules on top (`bar.names`).
"""

from __future__ import annotations

import re
import unicodedata

from bar.errors import InvalidInput

# Bidirectional overrides and isolates are not control characters (Cc) but reorder how a
# name is shown: one guest's name could pass for another's on the board.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def check_characters(text: str, *, field: str) -> None:
    """Refuse what no text of ours may hold; raises `InvalidInput`.

    Control characters and bidi controls (they change how the text shows), lone
    surrogates (`"\\ud800"` in JSON, or undecodable bytes on a command line: not text,
    and SQLite cannot store them), and line or paragraph separators (U+2028/U+2029 break
    a line on some screens and not on others).
    """
    if text.isascii() and text.isprintable():
        return  # the usual case (a key, a plain note): none of the below can be in it
    categories = {unicodedata.category(c) for c in text}
    if "Cc" in categories or _BIDI_CONTROLS.search(text):
        raise InvalidInput(f"{field} must not contain control characters")
    if "Cs" in categories:
        raise InvalidInput(f"{field} must not contain a lone surrogate (U+D800 to U+DFFF): not text")
    if "Zl" in categories or "Zp" in categories:
        raise InvalidInput(f"{field} must be one line: no line or paragraph separators")


def clean_text(text: object, *, field: str, max_len: int, min_len: int = 0) -> str:
    """Trim guest-typed text and refuse what `check_characters` refuses; raises `InvalidInput`."""
    if not isinstance(text, str):
        raise InvalidInput(f"{field} must be text")
    text = text.strip()
    check_characters(text, field=field)
    if not min_len <= len(text) <= max_len:
        if min_len:
            raise InvalidInput(f"{field} must be {min_len} to {max_len} characters")
        raise InvalidInput(f"{field} must be at most {max_len} characters")
    return text
