"""The menu: the drinks in the database, run live by the host.

`bar.toml`'s `[[menu]]` seeds it: the first `bar init` writes every drink, and a later
`bar init` (or `bar up`) only adds the drinks of the file the database has never had,
so what the host changed during the night (a price, a photo, a retired drink) survives
a restart. `bar menu import` makes the database match the file on purpose.

Every change (`add_drink`, `edit_drink`, `retire`, `restore`, `set_photo`,
`set_in_stock`, …) is one write transaction with its `MENU_CHANGED` event on the
public `config` channel, carrying the drink as guests see it (`drink_dict`), so an open
page updates in place. A retired drink (`on_menu` false) leaves the menu and stays for
its old orders; an order keeps the name and price it was ordered at (`bar.orders`).

A drink's name, description and category may each have translations (`translations`:
`{"pt": {"name": "Expresso"}}`, from bar.toml's `name_pt`); a guest reading one of those
languages sees them, and the default text for a field without one (`localize`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bar import events, photos
from bar.config import TRANSLATED, WORD, DrinkSpec
from bar.db import write
from bar.errors import AlreadyExists, InvalidInput, NotFound
from bar.menu_languages import (
    Patch,
    clean_translations,
    merge_translations,
    with_category,
    words_checked,
)
from bar.models import Drink
from bar.payloads import MenuChanged
from bar.text import clean_text

NAME_MAX = 60
CATEGORY_MAX = 40
DESCRIPTION_MAX = 500
ITEM_MAX = 60  # one ingredient, tag or modifier option
ITEMS_MAX = 30
PRICE_MAX = 100_000
EDITABLE = ("name", "category", "description", "ingredients", "tags", "price", "modifiers",
            "position", "is_active", "retired", "translations")
_TEXT_MAX = {"name": NAME_MAX, "description": DESCRIPTION_MAX, "category": CATEGORY_MAX,
             WORD: ITEM_MAX}
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


# -- seeding from bar.toml ------------------------------------------------------------------


def _spec_fields(spec: DrinkSpec, position: int) -> dict[str, Any]:
    return {
        "name": spec.name, "description": spec.description, "category": spec.category,
        "ingredients": list(spec.ingredients), "tags": list(spec.tags),
        "price": spec.price, "image": spec.image,
        "modifiers": {k: list(v) for k, v in spec.modifiers.items()},
        "on_menu": True, "position": position,
        "translations": {language: dict(texts) for language, texts in spec.translations.items()},
    }


def seed_menu(specs: tuple[DrinkSpec, ...]) -> list[str]:
    """`bar init`: add the drinks of `bar.toml` the database has never had; returns their ids.

    Nothing the database already has is changed: the menu is the host's from the first
    start on (`import_menu` is the deliberate re-sync).
    """
    with write():
        known = {d.id for d in Drink.select(Drink.id)}
        # A first start keeps the file's order; later, new drinks go at the end.
        first = (Drink.select(Drink.position).order_by(Drink.position.desc()).scalar() + 1
                 if known else 0)
        added = [spec for spec in specs if spec.id not in known]
        for offset, spec in enumerate(added):
            Drink.create(id=spec.id, **_spec_fields(spec, first + offset))
        return [spec.id for spec in added]


def import_menu(specs: tuple[DrinkSpec, ...], *, now: datetime) -> int:
    """`bar menu import`: make the menu match `bar.toml`, in its order; returns the drinks
    changed. A drink not in the file is retired; each drink keeps its stock and photo."""
    with write():
        ids = [spec.id for spec in specs]
        changed = 0
        for position, spec in enumerate(specs):
            fields = _spec_fields(spec, position)
            if spec.image is None:
                del fields["image"]  # an uploaded photo stays
            drink = Drink.get_or_none(Drink.id == spec.id)
            if drink is None:
                drink = Drink.create(id=spec.id, **fields)
            elif all(getattr(drink, k) == v for k, v in fields.items()):
                continue
            else:
                Drink.update(**fields).where(Drink.id == spec.id).execute()
                drink = Drink.get_by_id(spec.id)
            changed += 1
            _announce(drink, "imported", now)
        for drink in Drink.select().where(Drink.id.not_in(ids), Drink.on_menu == True):  # noqa: E712
            Drink.update(on_menu=False).where(Drink.id == drink.id).execute()
            drink.on_menu = False
            changed += 1
            _announce(drink, "retired", now)
        return changed


# -- reading --------------------------------------------------------------------------------


def list_drinks(*, include_off_menu: bool = False) -> list[Drink]:
    query = Drink.select().order_by(Drink.position, Drink.name)
    if not include_off_menu:
        query = query.where(Drink.on_menu == True)  # noqa: E712
    return list(query)


def find_drink(ref: str, *, include_retired: bool = False) -> Drink:
    """A drink on the menu by id or by name (any case); a retired one too if asked."""
    ref = str(ref).strip()
    drink = Drink.get_or_none(Drink.id == ref)
    if drink is not None and not (drink.on_menu or include_retired):
        drink = None
    if drink is None:
        # casefold in Python, on both engines: a menu is short, and SQLite's NOCASE
        # knows only ASCII ("Café" would not match "CAFÉ").
        wanted = ref.casefold()
        drink = next((d for d in list_drinks(include_off_menu=include_retired)
                      if d.name.casefold() == wanted), None)
    if drink is None:
        raise NotFound(f"no drink {ref!r} on the menu")
    return drink


def drink_dict(drink: Drink) -> dict[str, object]:
    """A drink as pages, the API and `MENU_CHANGED` show it.

    `image` is the large photo's URL (or `bar.toml`'s own `image`, or null); `thumb` is
    always an image to show: the photo's thumbnail, or the drink's placeholder.
    """
    if drink.photo:
        image: str | None = photos.URL_PREFIX + photos.large_name(drink.photo)
        thumb = photos.URL_PREFIX + photos.thumb_name(drink.photo)
    else:
        image = drink.image
        thumb = drink.image or photos.placeholder_url(drink.name, drink.category)
    return {
        "id": drink.id, "name": drink.name, "description": drink.description,
        "category": drink.category, "ingredients": drink.ingredients, "tags": drink.tags,
        "price": cents(drink.price), "image": image, "thumb": thumb, "modifiers": drink.modifiers,
        "is_active": drink.is_active, "retired": not drink.on_menu, "position": drink.position,
        "translations": drink.translations or {},
    }


def localize(shown: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A `drink_dict` as a guest reading `language` sees it: the drink's name, description
    and category in that language where it has them, its default text for the others.

    `translations` stays, so a page can do the same with a live `MENU_CHANGED`'s drink.
    """
    own = (shown.get("translations") or {}).get(language) or {}
    return {**shown, **{key: text for key, text in own.items() if key in TRANSLATED and text}}


# -- changing ---------------------------------------------------------------------------------


def _announce(drink: Drink, change: str, now: datetime) -> None:
    events.publish(
        events.CONFIG,
        MenuChanged(drink.id, drink.name, drink.is_active and drink.on_menu, change=change,
                    drink=drink_dict(drink)),
        now=now,
    )


def set_in_stock(ref: str, in_stock: bool, *, now: datetime) -> Drink:
    """Switch a drink on or off; tells every open page through the `config` channel."""
    with write():
        drink = find_drink(ref)
        if drink.is_active != in_stock:
            drink.is_active = in_stock
            drink.save()
            _announce(drink, "stock", now)
        return drink


def add_drink(fields: Mapping[str, Any], *, now: datetime) -> Drink:
    """A new drink at the end of the menu (or at `position`), in stock unless said.

    `fields`: `name` (required), `id` (default: made from the name), and any of
    `EDITABLE`. An id already taken, even by a retired drink, is an `AlreadyExists`.
    """
    unknown = set(fields) - set(EDITABLE) - {"id"}
    if unknown:
        raise InvalidInput(f"unknown drink field {sorted(unknown)[0]!r}")
    if fields.get("name") is None:
        raise InvalidInput("name is required")
    values = clean_fields(fields)
    values.pop("on_menu", None)  # a new drink is on the menu
    patch = values.pop("translations", {})
    drink_id = clean_id(fields["id"]) if fields.get("id") is not None else slug(values["name"])
    with write():
        values["translations"] = words_checked(
            with_category(merge_translations({}, patch), values.get("category", ""), patch,
                          drink_id),
            patch, values.get("modifiers", {}), values.get("ingredients", []))
        existing = Drink.get_or_none(Drink.id == drink_id)
        if existing is not None:
            hint = " (it is retired: restore it)" if not existing.on_menu else ""
            raise AlreadyExists(f"there is already a drink {drink_id!r}{hint}")
        if "position" not in values:
            last = Drink.select(Drink.position).order_by(Drink.position.desc()).scalar()
            values["position"] = (last or 0) + 1
        drink = Drink.create(id=drink_id, on_menu=True, **values)
        _announce(drink, "added", now)
        _share_category(drink, patch, now)
        return drink


def edit_drink(ref: str, fields: Mapping[str, Any], *, now: datetime) -> Drink:
    """Change some of a drink's `EDITABLE` fields (a retired drink too; `retired`
    retires or restores it); one transaction, one event."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"unknown drink field {sorted(unknown)[0]!r}")
    values = clean_fields(fields)
    with write():
        drink = find_drink(ref, include_retired=True)
        patch = values.get("translations", {})
        current = drink.translations or {}
        category = values.get("category", drink.category)
        if category != drink.category:  # the old category's words are not the new one's
            current = {language: {k: v for k, v in texts.items() if k != "category"}
                       for language, texts in current.items()}
        if ("translations" in values or category != drink.category
                or "modifiers" in values or "ingredients" in values):
            values["translations"] = words_checked(
                with_category(merge_translations(current, patch), category, patch, drink.id),
                patch, values.get("modifiers", drink.modifiers),
                values.get("ingredients", drink.ingredients or []))
        changed = {k: v for k, v in values.items() if getattr(drink, k) != v}
        if changed:
            Drink.update(**changed).where(Drink.id == drink.id).execute()
            for key, value in changed.items():
                setattr(drink, key, value)
            change = "edited"
            if set(changed) == {"on_menu"}:
                change = "restored" if drink.on_menu else "retired"
            _announce(drink, change, now)
        _share_category(drink, patch, now)
        return drink


def _share_category(drink: Drink, patch: Patch, now: datetime) -> None:
    """A category's translation set or taken away on one drink is every drink's of that
    category (each announced)."""
    # a category's word set or taken away, or its whole language taken away ({"pt": null})
    said = {language: None if texts is None else texts["category"]
            for language, texts in patch.items() if texts is None or "category" in texts}
    if not said or not drink.category:
        return
    for other in Drink.select().where(Drink.category == drink.category, Drink.id != drink.id):
        words = {language: {"category": text} for language, text in said.items()}
        translations = merge_translations(other.translations or {}, words)
        if translations != (other.translations or {}):
            Drink.update(translations=translations).where(Drink.id == other.id).execute()
            other.translations = translations
            _announce(other, "edited", now)


def retire(ref: str, *, now: datetime) -> Drink:
    """Take a drink off the menu (it stays for its orders; `restore` brings it back)."""
    return _set_on_menu(ref, False, now=now)


def restore(ref: str, *, now: datetime) -> Drink:
    """Put a retired drink back on the menu, where it was."""
    return _set_on_menu(ref, True, now=now)


def _set_on_menu(ref: str, on_menu: bool, *, now: datetime) -> Drink:
    with write():
        drink = find_drink(ref, include_retired=True)
        if drink.on_menu != on_menu:
            Drink.update(on_menu=on_menu).where(Drink.id == drink.id).execute()
            drink.on_menu = on_menu
            _announce(drink, "restored" if on_menu else "retired", now)
        return drink


def reorder(ids: list[str], *, now: datetime) -> list[Drink]:
    """Put the drinks named by `ids` first, in that order; the others keep theirs after."""
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("order must be a list of drink ids")
    with write():
        drinks = {d.id: d for d in list_drinks(include_off_menu=True)}
        missing = [i for i in ids if i not in drinks]
        if missing:
            raise NotFound(f"no drink {missing[0]!r} on the menu")
        rest = [d.id for d in sorted(drinks.values(), key=lambda d: (d.position, d.name))
                if d.id not in ids]
        for position, drink_id in enumerate([*dict.fromkeys(ids), *rest]):
            drink = drinks[drink_id]
            if drink.position != position:
                Drink.update(position=position).where(Drink.id == drink_id).execute()
                drink.position = position
                _announce(drink, "moved", now)
        return list_drinks()


def set_photo(ref: str, photo: photos.Photo, *, now: datetime) -> Drink:
    """Give a drink a photo: an upload checked and made safe by `bar.photos.process`
    (the slow part: done before, off the write lock and, on a server, off its loop)."""
    with write():
        drink = find_drink(ref, include_retired=True)
        old = drink.photo
        photos.store(photo, now=now)
        Drink.update(photo=photo.key).where(Drink.id == drink.id).execute()
        drink.photo = photo.key
        if old and old != photo.key:
            photos.forget_unused(old)
        _announce(drink, "photo", now)
        return drink


def clear_photo(ref: str, *, now: datetime) -> Drink:
    """Take a drink's photo away (it shows its placeholder)."""
    with write():
        drink = find_drink(ref, include_retired=True)
        old = drink.photo
        if old is not None or drink.image is not None:
            Drink.update(photo=None, image=None).where(Drink.id == drink.id).execute()
            drink.photo = drink.image = None
            if old:
                photos.forget_unused(old)
            _announce(drink, "photo", now)
        return drink


# -- input ------------------------------------------------------------------------------------


def slug(name: str) -> str:
    """An id from a name: "Piña Colada" → "pina-colada"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    made = _SLUG_CHARS.sub("-", ascii_name.lower()).strip("-")[:40].strip("-")
    if not made:
        raise InvalidInput("give the drink an id: its name has no letters to make one of")
    return made


def clean_id(value: object) -> str:
    text = clean_text(value, field="id", min_len=1, max_len=40)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", text):
        raise InvalidInput("id: a short lowercase id like 'negroni' (letters, digits, - and _)")
    return text


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Each given field checked and tidied; raises `InvalidInput` naming the field."""
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "id":
            continue
        if key == "name":
            values[key] = clean_text(value, field="name", min_len=1, max_len=NAME_MAX)
        elif key == "category":
            values[key] = clean_text(value, field="category", max_len=CATEGORY_MAX)
        elif key == "description":
            values[key] = clean_text(value, field="description", max_len=DESCRIPTION_MAX)
        elif key == "ingredients":
            values[key] = _clean_list(value, "ingredients")
        elif key == "tags":
            values[key] = list(dict.fromkeys(t.lower() for t in _clean_list(value, "tags")))
        elif key == "price":
            values[key] = clean_price(value)
        elif key == "modifiers":
            values[key] = _clean_modifiers(value)
        elif key in ("position",):
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInput("position must be a whole number")
            values[key] = value
        elif key in ("is_active", "retired"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{key} must be true or false")
            values["on_menu" if key == "retired" else key] = not value if key == "retired" else value
        elif key == "translations":
            values[key] = clean_translations(value, max_len=_TEXT_MAX)
    return values


def cents(price: float | None) -> float | None:
    """A stored price as it was set: PostgreSQL's REAL reads 7.99 back as 7.98999977."""
    return None if price is None else round(price, 2)


def clean_price(value: object) -> float | None:
    """None (no price) or a number from 0 to `PRICE_MAX`, to the cent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise InvalidInput(f"price: {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("price must be a number (or null for none)")
    if not 0 <= value <= PRICE_MAX:
        raise InvalidInput(f"price must be from 0 to {PRICE_MAX}")
    return round(float(value), 2)


def _clean_list(value: object, field: str) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or len(value) > ITEMS_MAX:
        raise InvalidInput(f"{field} must be a list of at most {ITEMS_MAX} words")
    return [clean_text(item, field=field, min_len=1, max_len=ITEM_MAX) for item in value]


def _clean_modifiers(value: object) -> dict[str, list[str]]:
    if not isinstance(value, Mapping) or len(value) > 10:
        raise InvalidInput('modifiers must be an object like {"milk": ["whole", "oat"]}')
    cleaned: dict[str, list[str]] = {}
    for name, options in value.items():
        key = clean_text(name, field="modifier", min_len=1, max_len=ITEM_MAX)
        opts = _clean_list(options, f"modifiers.{key}")
        if not opts:
            raise InvalidInput(f"modifiers.{key}: give at least one option (the first is the default)")
        cleaned[key] = list(dict.fromkeys(opts))
    return cleaned
