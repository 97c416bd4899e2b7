"""The `bar` command group, its context and the helpers every command uses.

Errors from the core become one line (`Error: …`) and exit status 1, never a traceback.
Everything is printed as it is: `console` reads no Rich markup and no emoji codes, so a
guest called `[link=http://evil]click[/link]` or `x[/bold]` is shown literally (and
never crashes a table). Style a cell with a `rich.text.Text`, never with markup.
"""

from __future__ import annotations

import importlib
import json
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
import peewee
from rich.console import Console
from rich.table import Table

from bar import datadir
from bar.config import Settings, load_settings
from bar.errors import BarError

if TYPE_CHECKING:
    from bar.tokens import Keys

# Names, notes and messages are typed by guests: nothing printed through this console
# is markup (`[bold]`), an emoji code (`:beer:`) or highlighted. Use `Text` for style.
console = Console(highlight=False, markup=False, emoji=False)


class BarGroup(click.Group):
    """Turns core errors into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BarError as exc:
            raise click.ClickException(exc.message) from None
        except peewee.DatabaseError as exc:
            # One line: PostgreSQL's messages may go on with a hint on the next ones.
            first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
            raise click.ClickException(f"database error: {first or type(exc).__name__}") from None


# Each top-level command and the module of `bar.cli` that defines it. A command's module
# is imported only when that command runs: `bar shop status` should not pay for the web
# server, the TUI or password hashing. `bar --help` imports them all.
COMMAND_MODULES = {
    "init": "run", "serve": "run", "kiosk": "run", "display": "run", "up": "run",
    "codes": "codes",
    "menu": "menu", "shop": "queue", "orders": "queue",
    "guests": "people", "keys": "people", "admin": "people",
    "stats": "reports", "summary": "reports", "events": "reports",
    "announce": "announce",
    "db": "database",
    "print": "printing",
}


class LazyGroup(BarGroup):
    """The `bar` group: imports a command's module (which registers it) when asked for it."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"bar.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in sorted(set(COMMAND_MODULES.values())):
            importlib.import_module(f"bar.cli.{module}")
        return super().list_commands(ctx)


@dataclass
class Context:
    config: str | None
    data_dir: str | None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, data_dir=self.data_dir)
        return self._settings

    def open(self) -> None:
        """Open the bar's database (run `bar init` first)."""
        datadir.open_database(self.settings)

    def open_with_keys(self) -> Keys:
        """Open the database and the key pair that signs tokens."""
        return datadir.open_bar(self.settings)

    def init(self) -> tuple[Keys, bool]:
        return datadir.init(self.settings)


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", envvar="BAR_CONFIG", metavar="PATH", help="bar.toml to use.")
@click.option("--data-dir", envvar="BAR_DATA_DIR", metavar="DIR", help="Data directory.")
@click.version_option(package_name="bar")
@click.pass_context
def cli(ctx: click.Context, config: str | None, data_dir: str | None) -> None:
    """bar: a self-hosted bar kiosk. Guests order from their phones; you pour."""
    ctx.obj = Context(config, data_dir)


def command_group(name: str, help_: str, **kwargs: Any) -> Callable[..., click.Group]:
    return cli.group(name, cls=BarGroup, help=help_, **kwargs)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_json_list(items: Iterable[Any]) -> None:
    """What `print_json(list(items))` prints, written item by item as they come.

    A listing of thousands of orders is never held in memory as one list.
    """
    opening = "[\n"
    for item in items:
        body = json.dumps(item, indent=2, ensure_ascii=False, default=str)
        click.echo(opening + textwrap.indent(body, "  "), nl=False)
        opening = ",\n"
    click.echo("[]" if opening == "[\n" else "\n]")


def new_table(*columns: str, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    return table


def local_time(when: Any) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""

