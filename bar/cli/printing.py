"""`bar print`: the receipt printer of `[printer]`: a test page, an order's ticket, an invite.

These print at once, or say in one line why they could not (a printer that is off is
an error here: someone is standing at it). The tickets of new orders are printed by the
kiosk (`bar up`, `bar kiosk`) from the events, not by these commands.
"""

from __future__ import annotations

import click

from bar import joincodes, printer, registration, spool, tickets
from bar.cli.base import Context, cli, pass_ctx
from bar.clock import utcnow
from bar.errors import ConfigError
from bar.net import join_url


@cli.group("print", cls=click.Group)
def print_group() -> None:
    """Print on the receipt printer ([printer] url in bar.toml)."""


def _url(ctx: Context, given: str | None) -> str:
    url = given or ctx.settings.printer_url
    if not url:
        raise ConfigError("no printer: set [printer] url in bar.toml (or BAR_PRINTER_URL, or --url)")
    try:
        printer.parse_url(url)
    except ValueError as exc:
        raise ConfigError(f"--url: {exc}") from None
    return url


url_option = click.option("--url", metavar="URL",
                          help="This printer instead of [printer] url (tcp://HOST:9100, file:///path, …).")


@print_group.command("test")
@url_option
@pass_ctx
def print_test(ctx: Context, url: str | None) -> None:
    """A test page: the printer's URL, the paper's width, a QR code."""
    target = _url(ctx, url)
    printer.send(target, tickets.test_page(ctx.settings, url=target, now=utcnow()))
    click.echo(f"Printed a test page on {target}")


@print_group.command("order")
@click.argument("number", type=int)
@url_option
@pass_ctx
def print_order(ctx: Context, number: int, url: str | None) -> None:
    """Today's order NUMBER's ticket, again."""
    target = _url(ctx, url)
    ctx.open()
    from bar import orders

    order = orders.find_by_number(number, day_starts_at=ctx.settings.day_starts_at, now=utcnow())
    spool.reprint(ctx.settings, order, url=target)
    click.echo(f"Printed #{order.number} {order.drink.name} for {order.guest.username}")


@print_group.command("invite")
@url_option
@pass_ctx
def print_invite(ctx: Context, url: str | None) -> None:
    """The invite for the door: its QR code, short URL and code (the one the kiosk shows)."""
    target = _url(ctx, url)
    ctx.open()
    row = registration.current_invite(ctx.settings, now=utcnow(), created_by="cli")
    invite = tickets.Invite(join_url(ctx.settings, row.code), row.code, row.expires_at, row.max_uses)
    printer.send(target, tickets.invite_ticket(ctx.settings, invite))
    click.echo(f"Printed the invite {joincodes.grouped(row.code)} ({invite.join_url})")
