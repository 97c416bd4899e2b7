"""The menu in several languages: seeded and re-synced from bar.toml's `name_pt`, …,
edited as a merge patch, announced with the drink, shown per field with the default
as the fallback."""

from __future__ import annotations

import pytest

from bar import datadir, events, menu
from bar.db import db
from bar.errors import InvalidInput
from bar.models import SCHEMA_VERSION, Drink
from bar.payloads import MenuChanged


def announced() -> list[MenuChanged]:
    return [e.data for e in events.read_since(0, [events.CONFIG])  # type: ignore[misc]
            if e.type == events.MENU_CHANGED]


def test_the_first_init_seeds_the_files_translations_and_import_brings_them_back(
    settings, keys, clock
):
    espresso = Drink.get_by_id("espresso")
    assert espresso.translations["pt"] == {
        "name": "Expresso", "category": "Cafés",
        "description": "Uma dose de café de origem única, curta e intensa.",
        "word:shots": "doses", "word:single": "simples", "word:double": "duplo",
        "word:espresso": "café expresso"}
    assert espresso.translations["es"]["name"] == "Café solo"
    menu.edit_drink("espresso", {"translations": {"pt": None}}, now=clock())
    assert "pt" not in Drink.get_by_id("espresso").translations
    # the file's Portuguese again: the espresso's, and its category's on the two other
    # coffees (taking the language off one took the category's word off all three)
    assert menu.import_menu(settings.menu, now=clock()) == 3
    assert Drink.get_by_id("espresso").translations["pt"]["name"] == "Expresso"


def test_an_edit_is_a_merge_patch_and_announces_the_drink_with_its_translations(keys, clock):
    menu.edit_drink("negroni", {"translations": {
        "pt": {"name": "Negroni da casa"}, "de": {"name": "Negroni", "description": "Bitter."}}},
        now=clock())
    menu.edit_drink("negroni", {"translations": {
        "pt": {"description": None}, "de": {"description": ""}, "fr": {"name": " Négroni "}}},
        now=clock())
    translations = Drink.get_by_id("negroni").translations
    # pt keeps its new name and loses the file's description; "" takes a text away too
    words = {"word:ice", "word:big cube", "word:crushed", "word:no ice",  # the file's
             "word:gin", "word:sweet vermouth", "word:orange"}
    assert {k: v for k, v in translations["pt"].items() if k not in words} == {
        "name": "Negroni da casa", "category": "Coquetéis"}
    assert words <= set(translations["pt"])
    assert translations["de"] == {"name": "Negroni", "word:ice": "Eis",
                                  "word:big cube": "großer Eiswürfel",
                                  "word:crushed": "Crushed Ice", "word:no ice": "ohne Eis",
                                  "word:sweet vermouth": "roter Wermut", "word:orange": "Orange",
                                  "word:gin": "Gin"}
    assert translations["fr"]["name"] == "Négroni"
    last = announced()[-1]
    assert (last.change, last.drink and last.drink["translations"]) == ("edited", translations)
    # the same patch again changes nothing, and says nothing
    menu.edit_drink("negroni", {"translations": {"de": {"name": "Negroni"}}}, now=clock())
    assert len(announced()) == 2


def test_options_are_translated_word_by_word_and_follow_the_drink_s_options(keys, clock):
    assert Drink.get_by_id("negroni").translations["pt"]["word:big cube"] == "cubo grande"
    menu.edit_drink("negroni", {"translations": {
        "pt": {"word:big cube": "pedra grande", "word:crushed": None}}}, now=clock())
    pt = Drink.get_by_id("negroni").translations["pt"]
    assert (pt["word:big cube"], "word:crushed" in pt) == ("pedra grande", False)
    # a word that is not one of the drink's: refused, nothing changed
    with pytest.raises(InvalidInput, match="'big cubes' is not one of the drink's modifiers, "
                                           "options or ingredients"):
        menu.edit_drink("negroni", {"translations": {"pt": {"word:big cubes": "x"}}},
                        now=clock())
    assert Drink.get_by_id("negroni").translations["pt"] == pt
    # the host takes "no ice" away: its words go with it, in every language
    menu.edit_drink("negroni", {"modifiers": {"ice": ["big cube", "crushed"]}}, now=clock())
    after = Drink.get_by_id("negroni").translations
    assert all("word:no ice" not in texts for texts in after.values())
    assert after["de"]["word:crushed"] == "Crushed Ice"
    # and an ingredient's, when the drink is made without it
    menu.edit_drink("negroni", {"ingredients": ["gin", "Campari", "sweet vermouth"]}, now=clock())
    assert "word:orange" not in Drink.get_by_id("negroni").translations["pt"]
    assert Drink.get_by_id("negroni").translations["pt"]["word:sweet vermouth"] == "vermute tinto"
    # an order still names the option as the host wrote it
    assert menu.localize(menu.drink_dict(menu.find_drink("negroni")), "pt")["modifiers"] == {
        "ice": ["big cube", "crushed"]}


def test_a_category_reads_the_same_on_all_its_drinks_whoever_changes_it(keys, clock):
    def coffee_pt() -> set[str | None]:
        return {(Drink.get_by_id(i).translations.get("pt") or {}).get("category")
                for i in ("espresso", "flat-white", "cappuccino", "cortado")
                if Drink.get_or_none(Drink.id == i)}

    assert coffee_pt() == {"Cafés"}
    # a new drink that says the category's word says it for all of them
    menu.add_drink({"name": "Cortado", "category": "Coffee",
                    "translations": {"pt": {"category": "Cafezinhos"}}}, now=clock())
    assert coffee_pt() == {"Cafezinhos"}
    # all of Portuguese taken off one drink takes the category's word off all of them
    menu.edit_drink("espresso", {"translations": {"pt": None}}, now=clock())
    assert coffee_pt() == {None}
    assert Drink.get_by_id("cappuccino").translations["pt"]["word:milk"] == "leite"  # the rest stays


def test_taking_a_word_away_is_fine_once_the_drink_no_longer_has_it(keys, clock):
    # a client sending back the table it read, with nulls, after the option went
    menu.edit_drink("negroni", {"modifiers": {"ice": ["big cube", "crushed"]},
                                "translations": {"pt": {"word:no ice": None, "word:gone": None}}},
                    now=clock())
    assert "word:no ice" not in Drink.get_by_id("negroni").translations["pt"]


def test_a_guest_sees_each_field_in_their_language_or_else_the_default(keys, clock):
    menu.add_drink({"name": "Paloma", "category": "Long drinks", "description": "Tequila, grapefruit.",
                    "translations": {"es": {"name": "Paloma"}, "pt": {"description": "Tequila, toranja."}}},
                   now=clock())
    paloma = menu.drink_dict(menu.find_drink("paloma"))
    pt = menu.localize(paloma, "pt")
    assert (pt["name"], pt["description"], pt["category"]) == ("Paloma", "Tequila, toranja.",
                                                              "Long drinks")
    assert menu.localize(paloma, "de") == paloma  # nothing in German: all default
    assert menu.localize(menu.localize(paloma, "pt"), "pt") == pt  # a page may do it again


@pytest.mark.parametrize(("translations", "message"), [
    ({"it": {"name": "Caffè"}}, "no language 'it'"),
    ({"pt": {"ingredients": "café"}}, "'ingredients' is not translated"),
    ({"pt": "Expresso"}, "translations.pt must be an object"),
    ({"pt": {"name": "x" * 61}}, "translations.pt.name must be"),
    ({"pt": {"name": "a\x00b"}}, "control characters"),
    (["pt"], "translations must be an object"),
])
def test_bad_translations_are_refused_and_change_nothing(keys, clock, translations, message):
    before = Drink.get_by_id("espresso").translations
    with pytest.raises(InvalidInput, match=message):
        menu.edit_drink("espresso", {"translations": translations}, now=clock())
    assert Drink.get_by_id("espresso").translations == before and announced() == []


def test_a_schema_6_database_gains_the_languages_columns(settings, keys):
    db.execute_sql('ALTER TABLE "drink" DROP COLUMN "translations"')
    db.execute_sql('ALTER TABLE "push_subscriptions" DROP COLUMN "language"')
    db.execute_sql("UPDATE schema_version SET version = 6")
    db.close()
    datadir.open_database(settings)
    assert Drink.get_by_id("negroni").translations == {}  # the file's wait for an import
    assert menu.localize(menu.drink_dict(Drink.get_by_id("negroni")), "pt")["name"] == "Negroni"
    assert "language" in {column.name for column in db.get_columns("push_subscriptions")}
    assert db.execute_sql("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)


def test_a_category_reads_the_same_on_every_drink_of_it(keys, clock):
    def category_in(drink_id: str, language: str) -> str | None:
        return Drink.get_by_id(drink_id).translations.get(language, {}).get("category")

    # a new drink takes its category's translations from the menu
    menu.add_drink({"name": "Cortado", "category": "Coffee"}, now=clock())
    assert (category_in("cortado", "pt"), category_in("cortado", "de")) == ("Cafés", "Kaffee")
    # moved to another category: that one's words, none of the old one's
    menu.edit_drink("cortado", {"category": "Cocktails"}, now=clock())
    assert (category_in("cortado", "pt"), category_in("cortado", "de")) == ("Coquetéis", None)
    # a category's translation changed on one drink is every drink's of that category
    before = len(announced())
    menu.edit_drink("espresso", {"translations": {"pt": {"category": "Café"}}}, now=clock())
    assert {category_in(d, "pt") for d in ("espresso", "flat-white", "cappuccino")} == {"Café"}
    assert len(announced()) == before + 3  # each drink a guest sees change
