"""The menu: drinks from `bar.toml`, with stock switched on and off at run time."""

from __future__ import annotations

from datetime import datetime

from bar import events
from bar.config import DrinkSpec
from bar.db import write
from bar.errors import NotFound
from bar.models import Drink
from bar.payloads import MenuChanged


def sync_menu(specs: tuple[DrinkSpec, ...]) -> None:
    """Make the drinks table match `bar.toml`, keeping each drink's stock state.

    A drink no longer in the file leaves the menu but stays for its past orders.
    """
    with write():
        ids = [spec.id for spec in specs]
        for position, spec in enumerate(specs):
            fields = {
                "name": spec.name, "description": spec.description, "category": spec.category,
                "ingredients": list(spec.ingredients), "tags": list(spec.tags),
                "price": spec.price, "image": spec.image,
                "modifiers": {k: list(v) for k, v in spec.modifiers.items()},
                "on_menu": True, "position": position,
            }
            if Drink.update(**fields).where(Drink.id == spec.id).execute() == 0:
                Drink.create(id=spec.id, **fields)
        Drink.update(on_menu=False).where(Drink.id.not_in(ids)).execute()


def list_drinks(*, include_off_menu: bool = False) -> list[Drink]:
    query = Drink.select().order_by(Drink.position, Drink.name)
    if not include_off_menu:
        query = query.where(Drink.on_menu == True)  # noqa: E712
    return list(query)


def find_drink(ref: str) -> Drink:
    """A drink on the menu by id or by name (any case)."""
    ref = str(ref).strip()
    drink = Drink.get_or_none((Drink.id == ref) & (Drink.on_menu == True))  # noqa: E712
    if drink is None:
        # casefold in Python, on both engines: a menu is short, and SQLite's NOCASE
        # knows only ASCII ("Café" would not match "CAFÉ").
        wanted = ref.casefold()
        drink = next((d for d in list_drinks() if d.name.casefold() == wanted), None)
    if drink is None:
        raise NotFound(f"no drink {ref!r} on the menu")
    return drink


def set_in_stock(ref: str, in_stock: bool, *, now: datetime) -> Drink:
    """Switch a drink on or off; tells every open page through the `config` channel."""
    with write():
        drink = find_drink(ref)
        if drink.is_active != in_stock:
            drink.is_active = in_stock
            drink.save()
            events.publish(events.CONFIG, MenuChanged(drink.id, drink.name, in_stock), now=now)
        return drink


def drink_dict(drink: Drink) -> dict[str, object]:
    return {
        "id": drink.id, "name": drink.name, "description": drink.description,
        "category": drink.category, "ingredients": drink.ingredients, "tags": drink.tags,
        "price": drink.price, "image": drink.image, "modifiers": drink.modifiers,
        "is_active": drink.is_active,
    }
