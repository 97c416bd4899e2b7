"""Text that people type: one rule for every name, note, reason and message we store.

It depends on nothing but the error family, so any module (settings included) can use it
without pulling in the services.
"""

from __future__ import annotations

import re
import unicodedata

from bar.errors import InvalidInput

# Bidirectional overrides and isolates are not control characters (Cc) but reorder how a
# name is shown: one guest's name could pass for another's on the board.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(text: object, *, field: str, max_len: int, min_len: int = 0) -> str:
    """Trim guest-typed text and refuse control characters; raises `InvalidInput`."""
    if not isinstance(text, str):
        raise InvalidInput(f"{field} must be text")
    text = text.strip()
    if any(unicodedata.category(c) == "Cc" for c in text) or _BIDI_CONTROLS.search(text):
        raise InvalidInput(f"{field} must not contain control characters")
    if not min_len <= len(text) <= max_len:
        if min_len:
            raise InvalidInput(f"{field} must be {min_len} to {max_len} characters")
        raise InvalidInput(f"{field} must be at most {max_len} characters")
    return text
