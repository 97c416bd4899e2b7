"""`bar menu`: the drinks, run live: list, add, edit, photograph, retire, restore,
stock, and a deliberate re-sync from `bar.toml` (`import`).

Every command is one change of `bar.menu` with its `MENU_CHANGED` event: open guest
pages follow at once, whether the bar is running or not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from bar import menu, photos
from bar.cli.base import Context, command_group, console, new_table, pass_ctx, print_json
from bar.clock import utcnow
from bar.config import TRANSLATED, WORD, load_settings
from bar.errors import InvalidInput
from bar.language import LANGUAGES
from bar.models import Drink


@command_group("menu", "The drinks: what is poured, its price and photo, and what is in stock.")
def menu_group() -> None:
    pass


@menu_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Retired drinks too.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def menu_list(ctx: Context, show_all: bool, as_json: bool) -> None:
    """List the drinks on the menu."""
    ctx.open()
    drinks = menu.list_drinks(include_off_menu=show_all)
    if as_json:
        print_json([menu.drink_dict(d) for d in drinks])
        return
    currency = ctx.settings.currency
    table = new_table("id", "name", "category", "price", "in stock", "photo", "modifiers",
                      title="Menu")
    for d in drinks:
        mods = "\n".join(f"{k}: {' / '.join(v)}" for k, v in d.modifiers.items())
        stock: str | Text = "yes" if d.is_active else Text("no", style="red")
        if not d.on_menu:
            stock = Text("retired", style="dim")
        price = f"{d.price:.2f} {currency}".strip() if d.price is not None else ""
        table.add_row(d.id, d.name, d.category, price, stock, "yes" if d.photo else "", mods)
    console.print(table)


def _stock_command(name: str, in_stock: bool, help_: str) -> None:
    @menu_group.command(name, help=help_)
    @click.argument("drink")
    @pass_ctx
    def command(ctx: Context, drink: str) -> None:
        ctx.open()
        found = menu.set_in_stock(drink, in_stock, now=utcnow())
        click.echo(f"{found.name} is {'in stock' if in_stock else 'out of stock'}")


_stock_command("enable", True, "Put DRINK (id or name) back in stock.")
_stock_command("disable", False, "Mark DRINK (id or name) out of stock.")


def _drink_options(command: Any) -> Any:
    """The fields `add` and `edit` share; a list is comma-separated ("gin, tonic")."""
    options = [
        click.option("--category", help="e.g. Cocktails, Coffee."),
        click.option("--description"),
        click.option("--price", help="A number (7.5); an empty one ('') takes the price away."),
        click.option("--ingredients", help="Comma-separated: 'gin, tonic, lime'."),
        click.option("--tags", help="Comma-separated tastes: 'bitter, strong' or 'no-alcohol'."),
        click.option("--modifier", "modifiers", multiple=True, metavar="NAME=A,B",
                     help="An option and its choices, the first the default (repeat it)."),
        click.option("--position", type=int, help="Place on the menu (0 is first)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _fields(**given: Any) -> dict[str, Any]:
    fields = {k: v for k, v in given.items() if v is not None and k != "modifiers"}
    if given.get("modifiers"):
        parsed: dict[str, list[str]] = {}
        for text in given["modifiers"]:
            name, sep, options = text.partition("=")
            if not sep or not name.strip():
                raise InvalidInput(f"--modifier {text!r}: expected NAME=A,B like milk=whole,oat")
            parsed[name.strip()] = [o.strip() for o in options.split(",") if o.strip()]
        fields["modifiers"] = parsed
    return fields


def _show(drink: Drink, verb: str, currency: str) -> None:
    price = f", {drink.price:.2f} {currency}".rstrip() if drink.price is not None else ""
    click.echo(f"{verb} {drink.name} ({drink.id}{price})")


@menu_group.command("add")
@click.argument("name")
@click.option("--id", "drink_id", help="Its id (default: made from the name).")
@_drink_options
@pass_ctx
def menu_add(ctx: Context, name: str, drink_id: str | None, **given: Any) -> None:
    """Add a drink called NAME; guests see it at once."""
    ctx.open()
    fields = _fields(name=name, id=drink_id, **given)
    _show(menu.add_drink(fields, now=utcnow()), "added", ctx.settings.currency)


@menu_group.command("edit")
@click.argument("drink")
@click.option("--name", help="A new name.")
@click.option("--lang", metavar="LANG",
              help=f"Set the {'/'.join(TRANSLATED)} guests reading LANG see "
                   f"({', '.join(LANGUAGES)}); '' takes one away.")
@click.option("--word", "words", multiple=True, metavar="WORD=TEXT",
              help="With --lang: a drink's option or ingredient as guests reading LANG see it "
                   "(--word 'big cube=cubo grande'; an empty TEXT takes it away). Repeatable.")
@_drink_options
@pass_ctx
def menu_edit(ctx: Context, drink: str, name: str | None, lang: str | None,
              words: tuple[str, ...], **given: Any) -> None:
    """Change DRINK (id or name): only the options given.

    With --lang pt, --name, --description and --category are the drink's Portuguese
    ones, and --word its options' and ingredients': `bar menu edit espresso --lang pt
    --name Expresso --word double=duplo`.
    """
    ctx.open()
    fields = _fields(name=name, **given)
    if words and lang is None:
        raise InvalidInput("--word needs --lang: the language the word is in")
    if lang is not None:
        fields = _translated(lang, fields, words)
    if not fields:
        raise click.UsageError("say what to change, e.g. --price 7.5")
    changed = menu.edit_drink(drink, fields, now=utcnow())
    _show(changed, "changed", ctx.settings.currency)
    if lang is not None:
        own = (changed.translations or {}).get(lang, {})
        for key in fields["translations"][lang]:
            word = key.removeprefix(WORD)
            default = word if key.startswith(WORD) else getattr(changed, key)
            shown = own.get(key) or f"none (guests see {default!r})"
            click.echo(f"  {word!r} in {lang}: {shown}" if key.startswith(WORD)
                       else f"  {key} in {lang}: {shown}")


def _translated(lang: str, fields: dict[str, Any], words: tuple[str, ...]) -> dict[str, Any]:
    """--name/--description/--category and --word as LANG's translation (`bar.menu`
    translations)."""
    if lang not in LANGUAGES:
        raise InvalidInput(f"--lang {lang!r}: one of {', '.join(LANGUAGES)}")
    others = sorted(set(fields) - set(TRANSLATED))
    if others:
        raise InvalidInput(f"--lang sets only the translated {', '.join(TRANSLATED)} and "
                           f"--word: change --{others[0]} without --lang")
    texts: dict[str, Any] = dict(fields)
    for given in words:
        word, sep, text = given.partition("=")
        if not sep or not word.strip():
            raise InvalidInput(f"--word {given!r}: expected WORD=TEXT like 'big cube=cubo grande'")
        texts[WORD + word.strip()] = text.strip() or None
    return {"translations": {lang: texts}} if texts else {}


@menu_group.command("image")
@click.argument("drink")
@click.argument("photo", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--remove", is_flag=True, help="Take the photo away (guests see the placeholder).")
@pass_ctx
def menu_image(ctx: Context, drink: str, photo: Path | None, remove: bool) -> None:
    """Give DRINK a photo (a JPEG, PNG or WebP file), or --remove it."""
    ctx.open()
    if remove == (photo is not None):
        raise click.UsageError("give a PHOTO file, or --remove")
    if remove:
        found = menu.clear_photo(drink, now=utcnow())
        click.echo(f"{found.name} has no photo now")
        return
    assert photo is not None
    menu.find_drink(drink, include_retired=True)  # an unknown drink: before reading the file
    try:
        with photo.open("rb") as file:
            data = file.read(photos.MAX_UPLOAD_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {photo}: {exc.strerror}") from None
    found = menu.set_photo(drink, photos.process(data), now=utcnow())
    click.echo(f"{found.name} has a new photo: {menu.drink_dict(found)['image']}")


@menu_group.command("retire")
@click.argument("drink")
@pass_ctx
def menu_retire(ctx: Context, drink: str) -> None:
    """Take DRINK off the menu (its old orders keep it; `restore` brings it back)."""
    ctx.open()
    click.echo(f"{menu.retire(drink, now=utcnow()).name} is off the menu")


@menu_group.command("restore")
@click.argument("drink")
@pass_ctx
def menu_restore(ctx: Context, drink: str) -> None:
    """Put a retired DRINK back on the menu."""
    ctx.open()
    click.echo(f"{menu.restore(drink, now=utcnow()).name} is back on the menu")


@menu_group.command("import")
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def menu_import(ctx: Context, config: Path | None) -> None:
    """Make the menu match CONFIG's [[menu]] (default: the bar's bar.toml).

    Drinks not in the file are retired; each drink keeps its stock and its photo.
    """
    ctx.open()
    specs = load_settings(config).menu if config is not None else ctx.settings.menu
    changed = menu.import_menu(specs, now=utcnow())
    click.echo(f"{len(specs)} drinks in the file, {changed} changed on the menu")
