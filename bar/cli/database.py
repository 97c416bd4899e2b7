"""`bar db`: where the bar's data is (`check`), and moving it to PostgreSQL (`copy`)."""

from __future__ import annotations

import click

from bar.cli.base import Context, command_group, pass_ctx


@command_group("db", "The bar's database: check it, or copy a party's SQLite data to PostgreSQL.")
def db_group() -> None:
    pass


@db_group.command("check")
@pass_ctx
def db_check(ctx: Context) -> None:
    """Which engine and database, the schema, rows per table, and whether it can write."""
    from bar import dbcheck
    from bar.models import SCHEMA_VERSION

    checked = dbcheck.check(ctx.settings)
    click.echo(f"engine   {checked.where}")
    schema = f"{checked.schema}" if checked.current else \
        f"{checked.schema} (this bar's is {SCHEMA_VERSION}: `bar init` brings it up to date)"
    click.echo(f"schema   {schema}")
    click.echo("writes   " + ("ok" if checked.writable else f"REFUSED: {checked.write_error}"))
    width = max(len(table) for table, _ in checked.rows)
    for table, count in checked.rows:
        click.echo(f"  {table:<{width}}  {'(missing)' if count is None else f'{count:>8,}'}")
    if not checked.writable:
        raise click.ClickException(f"cannot write to {checked.where}: {checked.write_error}")


@db_group.command("copy")
@click.option("--to", "url", required=True, metavar="URL",
              help="An empty PostgreSQL database: postgresql://user:password@host:port/dbname")
@pass_ctx
def db_copy(ctx: Context, url: str) -> None:
    """Copy this bar's SQLite data into an empty PostgreSQL database (stop the bar first)."""
    from bar import dbcopy

    copied = dbcopy.copy_to(ctx.settings, url)
    click.echo(f"Copied {copied.source}\n  into {copied.target}:")
    width = max(len(table) for table, _ in copied.rows)
    for table, count in copied.rows:
        click.echo(f"  {table:<{width}}  {count:>8,}")
    click.echo(f"  {'total':<{width}}  {copied.total:>8,} rows")
    target = copied.target.removeprefix("PostgreSQL ")
    hidden = " (with your password for ***)" if ":***@" in target else ""
    click.echo(f'Next: in bar.toml set [database] url = "{target}"{hidden}, or BAR_DATABASE_URL; '
               "then `bar db check`, and start the bar as before.")
