"""The bartender's core: a menu the test makes up (names in Portuguese, options of its
own), the index per menu version, suggestions that follow the queue."""

from __future__ import annotations

import dataclasses
import json
import random

from bar import menu, orders
from bar.assistant import Assistant
from bar.assistant.index import menu_index
from bar.assistant.model import menu_context
from bar.assistant.parser import parse
from bar.assistant.recommend import Tonight, rank, taste_terms
from bar.config import DrinkSpec
from tests.conftest import with_rules

MADE_UP = (
    DrinkSpec("caipirinha", "Caipirinha", category="Coquetéis",
              ingredients=("cachaça", "limão", "açúcar"), tags=("sour", "strong"),
              modifiers={"açúcar": ("normal", "pouco", "sem")}),
    DrinkSpec("cafe-com-leite", "Café com Leite", category="Café",
              ingredients=("café", "leite"), tags=("no-alcohol",),
              modifiers={"tamanho": ("pequeno", "grande")}),
    DrinkSpec("bica", "Bica", category="Café", ingredients=("café",), tags=("bitter", "no-alcohol")),
    DrinkSpec("limonada", "Limonada de Hortelã", category="Sem álcool",
              ingredients=("limão", "hortelã", "açúcar"), tags=("sour", "sweet", "no-alcohol")),
)


def test_a_menu_the_test_makes_up():
    index = menu_index(MADE_UP)
    stock = {d.id for d in MADE_UP}
    draft, language = parse("duas caipirinhas, uma com pouco açúcar, e um cafe com leite grande",
                            index, stock)
    assert language == "pt"
    assert [i.to_dict() for i in draft.items] == [
        {"drink_id": "caipirinha", "quantity": 1, "modifiers": {"açúcar": "pouco"}},
        {"drink_id": "caipirinha", "quantity": 1, "modifiers": {}},
        {"drink_id": "cafe-com-leite", "quantity": 1, "modifiers": {"tamanho": "grande"}},
    ]
    draft, _ = parse("three bicas and a caipirinia without sugar", index, stock)
    assert [i.to_dict() for i in draft.items] == [
        {"drink_id": "bica", "quantity": 3, "modifiers": {}},
        {"drink_id": "caipirinha", "quantity": 1, "modifiers": {"açúcar": "sem"}},
    ]  # "without" is the option "sem", in any of the five languages
    suggestions = rank(index, stock, Tonight(), tastes=["sour"], alcohol=False)
    assert [s.drink_id for s in suggestions] == ["limonada"]
    assert suggestions[0].reasons == ["sour and alcohol-free"]
    for asked in ("hortelã", "mint", "Minze"):
        minty = rank(index, stock, Tonight(), tastes=taste_terms([asked]), language="pt")
        assert [s.drink_id for s in minty] == ["limonada"] and minty[0].reasons == ["com hortelã"]


def test_the_index_is_built_once_per_menu_version(settings, keys, clock):
    first = menu_index(menu.list_drinks())
    menu.set_in_stock("negroni", False, now=clock())
    assert menu_index(menu.list_drinks()) is first  # stock is read per question
    renamed = [dataclasses.replace(d, name="Negroni Sbagliato") if d.id == "negroni" else d
               for d in settings.menu]
    menu.import_menu(tuple(renamed), now=clock())
    second = menu_index(menu.list_drinks())
    assert second is not first and second.drinks["negroni"].name == "Negroni Sbagliato"
    answer = Assistant(settings).answer("a negroni sbagliato", user_key=None, now=clock())
    assert answer.items == [] and answer.unmatched == ["Negroni Sbagliato"]  # out of stock
    assert "out of stock" in answer.reply


def test_a_drink_is_found_by_its_translated_names_and_named_in_the_guests_language(
    settings, keys, clock
):
    # bar.toml: the espresso is "Café solo" in Spanish, the Gin & Tonic "Gim-tônica" in
    # Portuguese; neither name is said in the drinks' own names or ingredients.
    answer = Assistant(settings).answer("dos cafés solos, por favor", user_key=None, now=clock())
    assert (answer.language, [(i.drink_id, i.quantity) for i in answer.items]) == (
        "es", [("espresso", 2)])
    assert "2 × Café solo" in answer.reply
    answer = Assistant(settings).answer("uma gim-tônica", user_key=None, now=clock())
    assert [i.drink_id for i in answer.items] == ["gin-tonic"] and answer.unmatched == []
    assert "1 × Gim-tônica" in answer.reply
    # a local model is told those names too
    told = json.loads(menu_context(menu_index(menu.list_drinks()), {"gin-tonic"}))
    assert set(told[0]["also_called"]) == {"Gim-tônica", "Gin tonic", "Gin Tonic", "Gin-tonic"}
    # and the menu's words for its options (words_pt, …), the option answered as written
    assert set(told[0]["options_also_called"]["cucumber"]) == {"pepino", "concombre", "Gurke"}
    assert "gin" not in told[0]["options_also_called"]  # an ingredient, not an option
    # A translation added live is a new menu version: the bartender knows it at once.
    menu.edit_drink("negroni", {"translations": {"de": {"name": "Bitterer Italiener"}}},
                    now=clock())
    answer = Assistant(settings).answer("einen bitteren Italiener", user_key=None, now=clock())
    assert [i.drink_id for i in answer.items] == ["negroni"]


def test_a_long_queue_favours_quick_drinks(settings, keys, make, clock):
    settings = with_rules(settings, max_queue=6)
    guests = [make.guest(f"G{i}") for i in range(3)]
    for guest in guests:
        for drink in ("margarita", "negroni"):
            make.order(guest, drink, settings=settings)
            clock.advance(seconds=21)
    assistant = Assistant(settings, rng=random.Random(1))
    suggestions = assistant.recommend(user_key=None, tastes=[], alcohol=None, limit=10,
                                      surprise=False, now=clock())
    quick = [s.drink_id for s in suggestions if "quick to make while the line is long" in s.reasons]
    assert quick and "espresso" in quick and "negroni" not in quick
    # with room in the queue, nobody is told to hurry
    for order in orders.list_orders(statuses=("pending",))[:4]:
        orders.move(order.id, "cancelled", actor="barista", now=clock())
    calm = assistant.recommend(user_key=None, tastes=[], alcohol=None, limit=10,
                               surprise=False, now=clock())
    assert not any("quick to make while the line is long" in s.reasons for s in calm)


def test_an_option_is_picked_and_said_in_the_menu_s_words_for_it(settings, keys, clock):
    # bar.toml: words_pt = { ice = "gelo", crushed = "picado", … } on the Negroni,
    # { salt = "com sal", "no salt" = "sem sal", … } on the Margarita; the German
    # "Hafermilch" is the oat milk of the flat white.
    bartender = Assistant(settings)
    answer = bartender.answer("um negroni com gelo picado e uma margarita sem sal",
                              user_key=None, now=clock())
    assert [i.to_dict() for i in answer.items] == [
        {"drink_id": "negroni", "quantity": 1, "modifiers": {"ice": "crushed"}},
        {"drink_id": "margarita", "quantity": 1, "modifiers": {"rim": "no salt"}},
    ]  # the order names each option as the host wrote it
    assert "1 × Negroni (picado)" in answer.reply and "1 × Margarita (sem sal)" in answer.reply
    answer = bartender.answer("einen Flat White mit Hafermilch", user_key=None, now=clock())
    assert [i.modifiers for i in answer.items] == [{"milk": "oat"}]
    assert "(Hafermilch)" in answer.reply


def test_a_suggestion_with_no_reason_of_its_own_names_its_category_in_the_guests_words(
        settings, keys, clock):
    index = menu_index(menu.list_drinks())
    stock = set(index.drinks)
    shown = {s.drink_id: s.reasons for s in rank(index, stock, Tonight(), tastes=[], limit=10,
                                                  language="pt")}
    assert shown["espresso"] == ["Cafés"]  # bar.toml's category_pt; "Coffee" in English
    english = {s.drink_id: s.reasons for s in rank(index, stock, Tonight(), tastes=[], limit=10)}
    assert english["espresso"] == ["Coffee"]
