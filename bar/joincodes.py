"""Invite codes a person can read aloud and type: 8 symbols of Crockford's base32.

    K7QM4XPA   stored, in URLs (`/j/K7QM4XPA`) and in the JSON of `bar codes create --json`
    K7QM-4XPA  shown to people (the kiosk, the CLI, a printed card)

The alphabet is the digits and the letters without I, L, O and U: nothing a person
can misread (`0`/`O`, `1`/`I`/`L`) or that spells a word by accident (`U`). Reading
one back forgives what people do: lower case, dashes and spaces anywhere, and I, L, O
typed for 1, 1, 0 (Crockford's own rule).

Codes made before this format are UUIDs (`3f2c…-…`); they keep working as they are:
`normalize` leaves a UUID alone (lower-cased), so nothing in an existing database
needs to change.

How hard is one to guess (the rate limits are `webapp`'s `code_guesses`, README
"Join codes"): 8 symbols of 32 are 40 bits, 2**40 ≈ 1.1e12 codes. A wrong code counts
against its address (`limits.registrations_per_minute`, 10 a minute) and against one
budget for all addresses together (`limits.wrong_codes_per_minute_total`, 100 a
minute); the invite check (`GET /api/invites/<code>`) and joining share both. With k
codes alive, a guesser needs 2**40 / k guesses on average: at 100 a minute however
many addresses they use, with 10 live codes that is 1.1e9 minutes, about 2,000
years, and a day-long flood finds one of them with a chance of 1 in 760,000.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
LENGTH = 8  # 40 bits
BITS = LENGTH * 5

_UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
# Spaces and dashes, the typographic ones a phone's keyboard may put in too.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_READ_AS = str.maketrans("ILO", "110")


def new_code() -> str:
    """A fresh random code, in its stored form (`K7QM4XPA`)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str) -> str:
    """The stored form of a code as a person typed or a URL carried it.

    `k7qm-4xpa`, `K7QM 4XPA` and `K7QM4XPA` are one code; an old UUID code is kept as
    it is (lower case). Anything else comes back stripped, to be refused as unknown.
    """
    text = text.strip()
    if _UUID.fullmatch(text):
        return text.lower()
    short = _SEPARATORS.sub("", text).upper().translate(_READ_AS)
    if len(short) == LENGTH and all(c in ALPHABET for c in short):
        return short
    return text


def grouped(code: str) -> str:
    """How a short code is shown to people: two groups of four (`K7QM-4XPA`).

    Any other code (an old UUID, a pop-up scan code) is shown as it is.
    """
    if len(code) == LENGTH and all(c in ALPHABET for c in code):
        return f"{code[:4]}-{code[4:]}"
    return code
