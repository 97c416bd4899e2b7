"""bar.toml, BAR_* overrides, and one clear error per wrong value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bar.config import load_settings
from bar.errors import ConfigError
from bar.timeparse import parse_duration
from tests.conftest import SAMPLE_CONFIG


def test_sample_config_has_a_real_menu_and_the_spec_rules():
    settings = load_settings(SAMPLE_CONFIG, environ={})
    assert len(settings.menu) >= 10
    assert {d.category for d in settings.menu} >= {"Cocktails", "Mocktails", "Coffee"}
    flat_white = next(d for d in settings.menu if d.id == "flat-white")
    assert flat_white.modifiers["milk"][0] == "whole" and "oat" in flat_white.modifiers["milk"]
    rules = settings.rules
    assert (rules.mode, rules.max_queue, rules.max_open_orders_per_guest) == ("party", 20, 2)
    assert rules.barista_timeout == timedelta(minutes=15)
    assert rules.scan_grace == timedelta(seconds=60)
    assert settings.data_dir == SAMPLE_CONFIG.parent / ".bar"


@pytest.mark.parametrize("text,expected", [
    ("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)),
    ("4h", timedelta(hours=4)), ("2d", timedelta(days=2)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_environment_overrides_and_data_dir_flag(tmp_path):
    env = {"BAR_RULES_MAX_QUEUE": "5", "BAR_SERVER_PORT": "9000", "BAR_RULES_MODE": "popup",
           "BAR_DATA_DIR": str(tmp_path / "env")}
    settings = load_settings(SAMPLE_CONFIG, environ=env)
    assert settings.rules.max_queue == 5 and settings.port == 9000 and settings.rules.popup
    assert settings.data_dir == tmp_path / "env"
    flagged = load_settings(SAMPLE_CONFIG, data_dir=tmp_path / "flag", environ=env)
    assert flagged.data_dir == tmp_path / "flag"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bar.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,names", [
    ("[rules]\nmax_queue = 'lots'\n", "rules.max_queue"),
    ("[rules]\nmax_queue = 0\n", "rules.max_queue"),
    ("[rules]\nmode = 'disco'\n", "rules.mode"),
    ("[rules]\nbarista_timeout = '15 minutes'\n", "rules.barista_timeout"),
    ("[rules]\nmax_qeueu = 3\n", "rules.max_qeueu"),
    ("[server]\nport = 70000\n", "server.port"),
    ("[partay]\n", "[partay]"),
    ("[[menu]]\nid = 'Bad Id'\nname = 'x'\n", "menu[0].id"),
    ("[[menu]]\nid = 'a'\nname = 'A'\nmodifiers = { milk = 'oat' }\n", "menu.a.modifiers"),
    ("rules = [", "not valid TOML"),
    ("[display]\nshow_join_code = 'maybe'\n", "display.show_join_code"),
])
def test_wrong_values_name_the_key(tmp_path, text, names):
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text), environ={})
    assert names in error.value.message


@pytest.mark.parametrize("text,environ,shown", [
    ("", {}, True),  # on unless the host turns it off
    ("[display]\nshow_join_code = false\n", {}, False),
    ("", {"BAR_DISPLAY_SHOW_JOIN_CODE": "off"}, False),
    ("[display]\nshow_join_code = false\n", {"BAR_DISPLAY_SHOW_JOIN_CODE": "1"}, True),
])
def test_show_join_code_from_the_file_or_the_environment(tmp_path, text, environ, shown):
    assert load_settings(_write(tmp_path, text), environ=environ).show_join_code is shown


def test_wrong_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="BAR_RULES_MAX_QUEUE"):
        load_settings(SAMPLE_CONFIG, environ={"BAR_RULES_MAX_QUEUE": "-1"})


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BAR_RULES_LAST_CALL_MESSAGE": "Last\ncall"},
         "BAR_RULES_LAST_CALL_MESSAGE: message must not contain control characters"),
        ({"BAR_RULES_LAST_CALL_MESSAGE": "  "}, "BAR_RULES_LAST_CALL_MESSAGE: message must be 1 to 280"),
        ({"BAR_RULES_CLOSE_AT": "25:00"}, "BAR_RULES_CLOSE_AT: expected a time like 23:30"),
        ({"BAR_AUTH_INACTIVITY_TIMEOUT": "3h"},
         "auth.inactivity_timeout must be longer than auth.access_ttl"),
    ],
)
def test_timers_and_sessions_are_checked_at_start(environ, message):
    with pytest.raises(ConfigError) as refused:
        load_settings(SAMPLE_CONFIG, environ=environ)
    assert str(refused.value).startswith(message)


def test_a_drinks_translations_are_flat_keys_and_a_category_is_translated_once(tmp_path):
    settings = load_settings(_write(tmp_path, """
[[menu]]
id = "espresso"
name = "Espresso"
name_pt = "Expresso"
category = "Coffee"
category_pt = "Cafés"
description = "Short and strong."
description_de = "  Kurz und kräftig. "
name_fr = ""
modifiers = { shots = ["single", "double"] }
words_pt = { shots = "doses", double = " duplo ", single = "" }

[[menu]]
id = "flat-white"
name = "Flat White"
category = "Coffee"
"""), environ={})
    espresso, flat_white = settings.menu
    assert espresso.translations == {
        "pt": {"name": "Expresso", "category": "Cafés",
               "word:shots": "doses", "word:double": "duplo"},
        "de": {"description": "Kurz und kräftig."}}
    # the category's translation, written on one drink, is every drink's of that category
    assert flat_white.translations == {"pt": {"category": "Cafés"}}


@pytest.mark.parametrize("entry,names", [
    ("name_it = 'Caffè'", "unknown key name_it: 'it' is not one of the guest page's languages"),
    ("description_pt_br = 'x'", "unknown key description_pt_br"),
    ("name_pt = 3", "menu.espresso.name_pt: expected text"),
    ("translations = { pt = { name = 'x' } }", "unknown key translations"),
    ("words_it = { shots = 'dosi' }", "unknown key words_it: 'it' is not one of"),
    ("words_pt = 'doses'", "menu.espresso.words_pt: expected a table of words"),
    ("words_pt = { shots = 2 }", "menu.espresso.words_pt: expected a table of words"),
    ("words_pt = { shot = 'dose' }",
     "menu.espresso.words_pt: 'shot' is not one of its modifiers, options or ingredients (double, "
     "shots, single)"),
])
def test_a_translation_the_page_cannot_show_is_an_error_naming_the_key(tmp_path, entry, names):
    text = ("[[menu]]\nid = 'espresso'\nname = 'Espresso'\n"
            f"modifiers = {{ shots = ['single', 'double'] }}\n{entry}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text), environ={})
    assert names in error.value.message


def test_two_translations_of_one_category_are_an_error(tmp_path):
    text = """
[[menu]]
id = "espresso"
name = "Espresso"
category = "Coffee"
category_pt = "Cafés"

[[menu]]
id = "latte"
name = "Latte"
category = "Coffee"
category_pt = "Café"
"""
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text), environ={})
    assert error.value.message == ("menu.latte.category_pt: 'Café', but menu.espresso translates "
                                   "the same category 'Coffee' as 'Cafés'")


@pytest.mark.parametrize(("text", "environ", "language"), [
    ("", {}, "en"),
    ("[bar]\nlanguage = 'pt'\n", {}, "pt"),
    ("[bar]\nlanguage = 'DE'\n", {}, "de"),
    ("[bar]\nlanguage = 'pt'\n", {"BAR_LANGUAGE": "fr"}, "fr"),
])
def test_the_boards_language(tmp_path, text, environ, language):
    assert load_settings(_write(tmp_path, text), environ=environ).language == language


@pytest.mark.parametrize(("text", "environ", "message"), [
    ("[bar]\nlanguage = 'klingon'\n", {},
     "bar.language: expected one of en, pt, fr, de, es, got 'klingon'"),
    ("", {"BAR_LANGUAGE": "pt-BR"}, "BAR_LANGUAGE: expected one of en, pt, fr, de, es, got 'pt-BR'"),
])
def test_a_language_the_boards_do_not_speak_is_refused(tmp_path, text, environ, message):
    with pytest.raises(ConfigError) as refused:
        load_settings(_write(tmp_path, text), environ=environ)
    assert str(refused.value) == message
