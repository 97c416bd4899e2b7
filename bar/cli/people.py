"""`bar guests`, `bar keys` and `bar admin`: who is signed in, and with what."""

from __future__ import annotations

import dataclasses
import sys

import click
from rich.text import Text

from bar import admins, guests
from bar.cli.base import Context, command_group, console, local_time, new_table, pass_ctx, print_json
from bar.clock import utcnow
from bar.timeparse import format_duration


@command_group("guests", "The guests who joined; keep one out for the night, or let them back.")
def guests_group() -> None:
    pass


@guests_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def guests_list(ctx: Context, as_json: bool) -> None:
    """List guests: when they joined, their orders, their signed-in phones."""
    ctx.open()
    rows = guests.list_guests(now=utcnow())
    if as_json:
        print_json([dataclasses.asdict(r) for r in rows])
        return
    table = new_table("name", "key", "joined", "last seen", "orders", "phones", "status", title="Guests")
    for r in rows:
        table.add_row(r.username, r.user_key, local_time(r.created_at),
                      local_time(r.last_login) if r.last_login else "", str(r.orders), str(r.sessions),
                      _status(r))
    console.print(table)


def _status(row: guests.GuestRow) -> str | Text:
    if row.kicked_until is not None:
        # Within the day: a kick ends when the business day does.
        return Text(f"kicked until {row.kicked_until.astimezone():%H:%M}", style="red")
    return "active" if row.is_active else "signed out"


@guests_group.command("kick")
@click.argument("guest")
@pass_ctx
def guests_kick(ctx: Context, guest: str) -> None:
    """Sign GUEST (a name or a key) out on every phone; keep that name and phone out tonight."""
    ctx.open()
    kick = guests.kick(guest, day_starts_at=ctx.settings.day_starts_at, now=utcnow())
    click.echo(f"Signed out {kick.username} ({kick.guest.user_key}), kept out until "
               f"{local_time(kick.until)}: `bar guests unkick` lets them back")


@guests_group.command("unkick")
@click.argument("guest")
@pass_ctx
def guests_unkick(ctx: Context, guest: str) -> None:
    """Let GUEST (a kicked name, or a key) join again tonight with an invite code."""
    ctx.open()
    let_back = guests.unkick(guest, now=utcnow())
    click.echo(f"{let_back.username} may join again tonight")


@command_group("keys", "The key pair that signs access tokens.")
def keys_group() -> None:
    pass


@keys_group.command("rotate")
@pass_ctx
def keys_rotate(ctx: Context) -> None:
    """Sign new tokens with a new key; the old one verifies until its tokens expire."""
    keys = ctx.open_with_keys()
    retired = keys.rotate(valid_for=ctx.settings.access_ttl, now=utcnow())
    click.echo(f"Signing with key {keys.kid}; key {retired} still verifies its tokens "
               f"for {format_duration(ctx.settings.access_ttl)}")



@command_group("admin", "Admin accounts for the web views.")
def admin_group() -> None:
    pass


@admin_group.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def admin_create(ctx: Context, name: str, password_stdin: bool) -> None:
    """Create admin NAME."""
    ctx.open()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    admins.create_admin(name, password, now=utcnow())
    click.echo(f"Created admin {name}")
