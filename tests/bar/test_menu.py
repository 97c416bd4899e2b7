"""The menu run live: seeding and re-syncing from bar.toml, changes with their events,
orders that keep the name and price they were ordered at, and revenue."""

from __future__ import annotations

import dataclasses

import pytest

from bar import datadir, events, menu, orders, stats, summary
from bar.config import DrinkSpec, load_settings
from bar.db import db
from bar.errors import AlreadyExists, ConfigError, InvalidInput, NotFound
from bar.models import Drink, Order
from bar.payloads import MenuChanged


def menu_events() -> list[MenuChanged]:
    found = [e.data for e in events.read_since(0, [events.CONFIG]) if e.type == events.MENU_CHANGED]
    assert all(isinstance(e, MenuChanged) for e in found)
    return found  # type: ignore[return-value]


def test_a_live_change_survives_the_next_init_and_new_file_drinks_are_added(settings, keys, clock):
    menu.edit_drink("negroni", {"price": 9.5, "name": "House Negroni"}, now=clock())
    menu.retire("espresso", now=clock())
    mojito = dataclasses.replace(settings.menu[0], id="mojito", name="Mojito")
    datadir.init(dataclasses.replace(settings, menu=(*settings.menu, mojito)))
    negroni = Drink.get_by_id("negroni")
    assert (negroni.name, negroni.price) == ("House Negroni", 9.5)
    assert not Drink.get_by_id("espresso").on_menu
    assert menu.list_drinks()[-1].id == "mojito"  # a drink new to the file: at the end


def test_import_makes_the_menu_match_the_file_on_purpose(settings, keys, clock):
    menu.edit_drink("negroni", {"price": 9.5}, now=clock())
    menu.add_drink({"name": "Paloma"}, now=clock())
    changed = menu.import_menu(settings.menu, now=clock())
    assert changed == 2  # the negroni's price, the paloma retired
    assert Drink.get_by_id("negroni").price is None
    assert [d.id for d in menu.list_drinks()] == [s.id for s in settings.menu]
    assert {(e.drink_id, e.change) for e in menu_events()} >= {("negroni", "imported"),
                                                               ("paloma", "retired")}


def test_add_edit_retire_restore_each_announce_the_drink(keys, clock):
    added = menu.add_drink({"name": "Piña Colada", "category": "Cocktails", "price": "8,50",
                            "tags": ["Sweet", "sweet"], "ingredients": "rum, pineapple"},
                           now=clock())
    assert (added.id, added.price, added.tags, added.ingredients) == (
        "pina-colada", 8.5, ["sweet"], ["rum", "pineapple"])
    assert added.position > max(d.position for d in menu.list_drinks() if d.id != added.id)
    menu.edit_drink("pina-colada", {"price": 9}, now=clock())
    menu.retire("Piña Colada", now=clock())
    assert "pina-colada" not in {d.id for d in menu.list_drinks()}
    with pytest.raises(NotFound):
        menu.find_drink("pina-colada")
    menu.restore("pina-colada", now=clock())
    seen = [(e.change, e.is_active, e.drink and e.drink["price"]) for e in menu_events()]
    assert seen == [("added", True, 8.5), ("edited", True, 9.0), ("retired", False, 9.0),
                    ("restored", True, 9.0)]
    assert menu.find_drink("pina-colada").on_menu


def test_an_edit_that_changes_nothing_announces_nothing(keys, clock):
    menu.edit_drink("negroni", {"name": "Negroni"}, now=clock())
    assert menu_events() == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "name must be 1 to 60"),
    ({"name": "x", "price": -1}, "price must be from 0"),
    ({"name": "x", "price": "cheap"}, "not a number"),
    ({"name": "x", "price": True}, "price must be a number"),
    ({"name": "x", "modifiers": {"milk": []}}, "at least one option"),
    ({"name": "x", "tags": "a\x00b"}, "control characters"),
    ({"name": "x", "colour": "red"}, "unknown drink field 'colour'"),
    ({"name": "!!!"}, "give the drink an id"),
])
def test_bad_fields_are_refused_and_change_nothing(keys, clock, fields, message):
    before = Drink.select().count()
    with pytest.raises(InvalidInput, match=message):
        menu.add_drink(fields, now=clock())
    assert Drink.select().count() == before and menu_events() == []


def test_an_id_is_never_taken_twice_not_even_by_a_retired_drink(keys, clock):
    menu.retire("negroni", now=clock())
    with pytest.raises(AlreadyExists, match="retired: restore it"):
        menu.add_drink({"name": "Negroni"}, now=clock())


def test_reorder_puts_the_named_drinks_first(keys, clock):
    drinks = menu.reorder(["espresso", "negroni"], now=clock())
    assert [d.id for d in drinks][:3] == ["espresso", "negroni", "margarita"]
    with pytest.raises(NotFound):
        menu.reorder(["no-such"], now=clock())


def test_an_old_order_keeps_the_name_and_price_it_was_ordered_at(settings, make, clock):
    menu.edit_drink("negroni", {"price": 8.0}, now=clock())
    first = make.order()
    menu.edit_drink("negroni", {"price": 10.0, "name": "Negroni Sbagliato"}, now=clock())
    second = make.order(make.guest("Bo"))
    for order, status in ((first, "preparing"), (first, "ready"), (first, "served"),
                          (second, "preparing"), (second, "ready"), (second, "served")):
        orders.move(order.id, status, actor="barista", barista="Sam", now=clock())
    old = orders.get_order(first.id)
    assert (old.drink_name, old.price) == ("Negroni", 8.0)
    assert orders.order_dict(old)["drink_name"] == "Negroni"
    assert orders.order_dict(old)["price"] == 8.0
    assert orders.order_dict(orders.get_order(second.id))["drink_name"] == "Negroni Sbagliato"
    assert stats.compute().revenue == 18.0
    page = summary.render("Bar", orders.business_day(clock(), settings.day_starts_at), currency="EUR")
    assert "Revenue" in page and "18.00 EUR" in page


def test_a_schema_4_database_gives_old_orders_their_drinks_name_and_price(settings, make, clock):
    menu.edit_drink("negroni", {"price": 7.0}, now=clock())
    order = make.order()
    for table, column in (("drink", "photo"), ("orders", "drink_name"), ("orders", "price")):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    db.execute_sql("UPDATE schema_version SET version = 4")
    db.close()
    datadir.open_database(settings)
    row = Order.get_by_id(order.id)
    assert (row.drink_name, row.price) == ("Negroni", 7.0)
    assert Drink.get_by_id("negroni").photo is None


def test_seeding_an_empty_database_keeps_the_files_order(keys, settings):
    assert [d.id for d in menu.list_drinks()] == [s.id for s in settings.menu]
    assert menu.seed_menu(settings.menu) == []  # nothing new the second time
    assert menu.seed_menu((DrinkSpec(id="new", name="New"),)) == ["new"]


def test_the_currency_is_a_three_letter_code():
    assert load_settings(None, environ={"BAR_CURRENCY": "eur"}).currency == "EUR"
    with pytest.raises(ConfigError, match="BAR_CURRENCY: expected a three-letter currency code"):
        load_settings(None, environ={"BAR_CURRENCY": "euro"})


def test_a_price_reads_back_to_the_cent_on_either_engine(make, clock):
    menu.edit_drink("negroni", {"price": 7.99}, now=clock())
    assert menu.drink_dict(menu.find_drink("negroni"))["price"] == 7.99
    order = make.order()
    assert orders.order_dict(orders.get_order(order.id))["price"] == 7.99
    for status in ("preparing", "ready", "served"):
        orders.move(order.id, status, actor="barista", barista="Sam", now=clock())
    assert stats.compute().revenue == 7.99
