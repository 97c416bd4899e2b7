"""`bar codes`: invite codes, their join URL and QR code, and a card to print.

Codes are shown grouped for people (`K7QM-4XPA`, `bar.joincodes`) and given as stored
in `--json` (`K7QM4XPA`); every command takes either, in any case.
"""

from __future__ import annotations

from pathlib import Path

import click

from bar import card, joincodes, qr, registration
from bar.cli.base import Context, command_group, console, local_time, new_table, pass_ctx, print_json
from bar.clock import utcnow
from bar.net import join_url
from bar.timeparse import parse_expiry


@command_group("codes", "Invite codes guests register with.")
def codes() -> None:
    pass


@codes.command("create")
@click.option("--max-uses", type=click.IntRange(1, 100_000),
              help="Guests who may join with it (default: invites.max_uses, 25).")
@click.option("--expires", help="Duration (12h, 2d) or ISO time (default: invites.valid_for, 1d).")
@click.option("--notes", default="", help="A note for yourself, e.g. who it is for.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a card to print as PNG (300 dpi).")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a card to print as SVG.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a card to print as PDF.")
@click.option("--wifi", metavar="SSID",
              help="Also a QR code that joins this Wi-Fi network (printed, and on the card).")
@click.option("--wifi-password", metavar="PASSWORD", help="The Wi-Fi password (WPA).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@pass_ctx
def codes_create(
    ctx: Context, max_uses: int | None, expires: str | None, notes: str, png: Path | None,
    svg: Path | None, pdf: Path | None, wifi: str | None, wifi_password: str | None,
    as_json: bool,
) -> None:
    """Make an invite code and print its join URL and QR code.

    --png, --svg and --pdf write a card to print: the bar's name, the QR code, the join
    URL, the code, its limits and, with --wifi, the Wi-Fi's QR code, name and password.
    """
    ctx.open()
    now = utcnow()
    row = registration.new_invite(
        ctx.settings, max_uses=max_uses, notes=notes, created_by="cli", now=now,
        expires_at=parse_expiry(expires, now=now) if expires else None,
    )
    url = join_url(ctx.settings, row.code)
    invite = card.Card(
        bar_name=ctx.settings.name, join_url=url, code=joincodes.grouped(row.code),
        expires_at=row.expires_at, max_uses=row.max_uses,
        wifi=card.Wifi(wifi, wifi_password) if wifi else None,
    )
    written = []
    for path, kind in ((png, "png"), (svg, "svg"), (pdf, "pdf")):
        if path is None:
            continue
        try:
            written.append(card.write(invite, path, kind))
        except OSError as exc:
            raise click.ClickException(
                f"cannot write {path}: {exc.strerror or exc} (the code "
                f"{joincodes.grouped(row.code)} was made all the same)") from None
    if as_json:
        print_json({"code": row.code, "expires_at": row.expires_at.isoformat(),
                     "max_uses": row.max_uses, "join_url": url})
        return
    print_invite(row.code, url, f"{row.max_uses} uses, expires {local_time(row.expires_at)}")
    for path in written:
        click.echo(f"Wrote the card {path}")
    if wifi:
        click.echo(f"\nWi-Fi: scan to join {wifi}")
        click.echo(qr.half_blocks(qr.wifi(wifi, wifi_password)))


def print_invite(code: str, url: str, detail: str) -> None:
    click.echo(qr.half_blocks(qr.make(url)))
    click.echo(f"Code      {joincodes.grouped(code)}\nJoin URL  {url}\n          {detail}")


@codes.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def codes_list(ctx: Context, as_json: bool) -> None:
    """List invite codes and how much of each is used."""
    ctx.open()
    now = utcnow()
    rows = registration.list_codes()
    if as_json:
        print_json([{
            "code": r.code, "status": registration.code_status(r, now), "use_count": r.use_count,
            "max_uses": r.max_uses, "expires_at": r.expires_at.isoformat(), "notes": r.notes,
            "join_url": join_url(ctx.settings, r.code),
        } for r in rows])
        return
    table = new_table("code", "status", "used", "expires", "notes", title="Invite codes")
    table.columns[0].overflow = "fold"  # a host copies the code: never cut it short
    for r in rows:
        table.add_row(joincodes.grouped(r.code), registration.code_status(r, now),
                      f"{r.use_count}/{r.max_uses}", local_time(r.expires_at), r.notes)
    console.print(table)


@codes.command("revoke")
@click.argument("code")
@pass_ctx
def codes_revoke(ctx: Context, code: str) -> None:
    """Stop a code from registering anyone else."""
    ctx.open()
    row = registration.revoke_code(code)
    click.echo(f"Revoked {joincodes.grouped(row.code)}")
