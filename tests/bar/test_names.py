"""Guest names: one form per name, nothing invisible, no look-alikes from another script."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bar import registration
from bar.errors import InvalidInput, NameTaken
from bar.models import Guest, RegistrationCode
from bar.names import clean_name, same_name
from bar.text import clean_text
from webapp.errors import status_for  # HTTP statuses live in the web app


@pytest.mark.parametrize("typed,stored", [
    ("\uff21\uff4e\uff41", "Ana"),                    # fullwidth letters (NFKC)
    ("\U0001d400\U0001d427\U0001d41a", "Ana"),        # mathematical bold
    ("An\u200ba", "Ana"),                             # zero-width space
    ("An\u00ada", "Ana"),                             # soft hyphen
    ("\ufeffAna", "Ana"),                             # byte order mark
    ("\u200eAna\u200f", "Ana"),                       # left-to-right / right-to-left marks
    ("Ana\u061c", "Ana"),                             # Arabic letter mark
    ("Ana\U000e0041\U000e007f", "Ana"),               # tag characters
    ("A\u2060na", "Ana"),                             # word joiner
    ("A\u034fna", "Ana"),                             # combining grapheme joiner
    ("A\u200dna", "Ana"),                             # a joiner between Latin letters joins nothing
    ("A\u200cna", "Ana"),
    ("A\ufe0fna", "Ana"),                             # a variation selector on a letter
    ("Ana\u3164", "Ana"), ("\u115fAna", "Ana"),       # Hangul fillers: letters that draw nothing
    ("Ana   B.", "Ana B."), ("Ana\u3000B.", "Ana B."), ("Ana\u00a0B.", "Ana B."),
    ("  Ana \t", "Ana"),
    ("Jose\u0301", "Jos\u00e9"),                      # composed
])
def test_names_get_one_visible_form(typed, stored):
    assert clean_name(typed) == stored


@pytest.mark.parametrize("name", [
    "\U0001f469\u200d\U0001f4bb Ana",                 # woman technologist: an emoji ZWJ sequence
    "\U0001f469\U0001f3fd\u200d\U0001f680 Ana",       # with a skin tone
    "\u2764\ufe0f\u200d\U0001f525 Ana",               # heart on fire: VS16 before the joiner
    "\u2764\ufe0f Ana",                               # emoji presentation selector
    "\u0915\u094d\u200d\u0937",                       # Devanagari: ZWJ after a virama
    "\u0915\u094d\u200c\u0937",                       # and ZWNJ
    "\u0645\u06cc\u200c\u0646\u0627",                 # Persian: ZWNJ between joining letters
    "\u0418\u0432\u0430\u043d",                       # Иван
    "\u0396\u03c9\u03ae",                             # Ζωή
    "\u5c71\u7530\u305f\u308d\u3046",                 # 山田たろう: Han and Hiragana are one writing system
    "\u5c71\u53e3\u30ed\u30a4",                       # 山口ロイ: Katakana ロ next to Han 口
    "Tomo \u5c71\u7530",                              # Latin with Han
    "\uae40\ubbfc\uc900",                             # 김민준
    "Ana \u10d0\u10dc\u10d0",                         # Latin and Georgian: nothing alike
    "Jos\u00e9", "Zo\u00eb", "\u0141ukasz", "Nguy\u1ec5n", "O'Brien", "Anne-Marie", "Dee 2",
    "\U0001f378\U0001f378",
])
def test_real_names_are_kept(name):
    assert clean_name(name) == unicodedata.normalize("NFKC", name)


@pytest.mark.parametrize("name,says", [
    ("\u0410na", "'\u0410' (CYRILLIC CAPITAL LETTER A) looks like a Latin letter"),
    ("An\u0430", "'\u0430' (CYRILLIC SMALL LETTER A) looks like a Latin letter"),
    ("Ana\u03bf", "looks like a Latin letter"),                       # Greek omicron
    ("B\u3007B", "looks like"),                                       # Han zero among Latin
    ("Ivan \u0418\u0432\u0430\u043d", "looks like"),                  # two scripts, look-alikes
    ("\u13aana", "looks like"),                                       # Cherokee Ꭺ
    ("Ana\ue000", "private-use"), ("Ana\U000f0000", "private-use"),
    ("Ana\ud800", "surrogate"),
    ("Ana\u2028B", "line"), ("Ana\u2029B", "line"),
    ("Ana\U000effff", "unassigned"),
    ("Z" + "\u0301" * 5 + "a", "combining marks"),
    ("Zalgo" + "\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307" * 6, "combining marks"),
    ("\u200b\u200b\u200b", "2 to 50 characters"),                     # nothing visible left
    ("\u3164\u3164", "2 to 50 characters"),
    ("A\u200b", "2 to 50 characters"),
    ("Ana\x07", "control characters"), ("\u202eevil", "control characters"),
    ("x" * 51, "2 to 50 characters"),
])
def test_refused_names_say_why(name, says):
    with pytest.raises(InvalidInput) as refused:
        clean_name(name)
    assert says in refused.value.message
    assert refused.value.message.startswith("name ")


def test_four_marks_on_a_letter_are_fine():
    name = "Za\u0300\u0301\u0302\u0303"
    assert clean_name(name) == unicodedata.normalize("NFKC", name)


def test_the_boards_four_anas_are_one_name_or_refused():
    """The red-team's board showed four "Ana" rows that were four different strings."""
    kept = set()
    for typed in ("Ana", "An\u200ba", "\u200fAna", "An\u00ada", "\uff21na"):
        kept.add(clean_name(typed))
    assert kept == {"Ana"}
    with pytest.raises(InvalidInput):
        clean_name("\u0410na")


# Any text, with the characters these rules are about over-represented.
_name_text = st.text(st.one_of(st.characters(), st.sampled_from(list(
    "Ana \u200b\u200c\u200d\u00ad\ufeff\u0301\u094d\u0915\ufe0f\U0001f469\U0001f4bb"
    "\u3164\u0410\u0645\u06cc\u0627\uff21"))), max_size=20)


@settings(max_examples=300, deadline=None)
@given(_name_text)
def test_a_clean_name_is_its_own_clean_form(typed):
    """Whatever is typed: a clear refusal, or a name that cleaning leaves as it is."""
    try:
        name = clean_name(typed)
    except InvalidInput:
        return
    assert clean_name(name) == name


def test_same_name_is_case_and_form_blind():
    assert same_name("Ana", "ANA") and same_name("Stra\u00dfe", "STRASSE")
    assert not same_name("Ana", "Ana B.")


@pytest.mark.parametrize("text,says", [
    ("no ice\ud800", "surrogate"), ("line\u2028break", "line"), ("para\u2029graph", "line"),
])
def test_every_text_refuses_what_cannot_be_stored_or_shown_on_one_line(text, says):
    with pytest.raises(InvalidInput) as refused:
        clean_text(text, field="note", max_len=200)
    assert says in refused.value.message


# -- a name an active guest already has -------------------------------------------------


def _uses(code: str) -> int:
    return RegistrationCode.get_by_id(code).use_count


def test_a_name_taken_by_an_active_guest_is_refused_when_asked(make, settings, keys, clock):
    make.guest("Ana")
    code = make.code()
    for typed in ("ana", " ANA ", "\uff21\uff2e\uff21", "An\u200ba"):
        with pytest.raises(NameTaken) as taken:
            registration.register(settings, keys, code=code, username=typed, now=clock(),
                                  refuse_same_name=True)
        assert (taken.value.code, status_for(taken.value)) == ("name_taken", 409)
        assert "already called" in taken.value.message and "add an initial" in taken.value.message
    assert _uses(code) == 0 and Guest.select().count() == 1

    # The guest chose to keep it: two Anas, two user keys.
    again = registration.register(settings, keys, code=code, username="ana", now=clock())
    assert again.guest.username == "ana" and Guest.select().count() == 2
    # Another name is no trouble.
    registration.register(settings, keys, code=code, username="Ana B.", now=clock(),
                          refuse_same_name=True)


def test_only_guests_still_around_take_a_name(make, settings, keys, clock):
    kicked = make.guest("Kim")
    make.kick(kicked.user_key)
    make.guest("Lou")
    clock.advance(settings.inactivity_timeout + timedelta(seconds=1))  # Lou went home
    for name in ("Kim", "Lou"):
        registration.register(settings, keys, code=make.code(), username=name, now=clock(),
                              refuse_same_name=True)
