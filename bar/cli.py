"""The `bar` command: a thin layer over the core services.

Errors from the core become one line (`Error: …`) and exit status 1, never a traceback.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click
import peewee
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bar import (
    admins,
    datadir,
    events,
    guests,
    menu,
    notifications,
    orders,
    qr,
    registration,
    shop,
    stats,
    timers,
)
from bar.clock import utcnow
from bar.config import Settings, format_duration, load_settings
from bar.errors import BarError
from bar.net import base_url, join_url
from bar.tokens import Keys

console = Console(highlight=False)


class BarGroup(click.Group):
    """Turns core errors into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BarError as exc:
            raise click.ClickException(exc.message) from None
        except peewee.DatabaseError as exc:
            raise click.ClickException(f"database error: {exc}") from None


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

    def open(self) -> Keys:
        return datadir.open_bar(self.settings)

    def init(self) -> tuple[Keys, bool]:
        return datadir.init(self.settings)


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=BarGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", envvar="BAR_CONFIG", metavar="PATH", help="bar.toml to use.")
@click.option("--data-dir", envvar="BAR_DATA_DIR", metavar="DIR", help="Data directory.")
@click.version_option(package_name="bar")
@click.pass_context
def cli(ctx: click.Context, config: str | None, data_dir: str | None) -> None:
    """bar: a self-hosted bar kiosk. Guests order from their phones; you pour."""
    ctx.obj = Context(config, data_dir)


def _group(name: str, help_: str, **kwargs: Any) -> Callable[..., click.Group]:
    return cli.group(name, cls=BarGroup, help=help_, **kwargs)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _table(*columns: str, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    return table


# -- setup ------------------------------------------------------------------------------


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the data directory, database, keys and menu (safe to run again)."""
    _, first = ctx.init()
    s = ctx.settings
    verb = "Created" if first else "Checked"
    click.echo(f"{verb} {s.data_dir} ({len(menu.list_drinks())} drinks on the menu)")


# -- codes ------------------------------------------------------------------------------


@_group("codes", "Invite codes guests register with.")
def codes() -> None:
    pass


@codes.command("create")
@click.option("--max-uses", type=click.IntRange(1, 100_000), default=25, show_default=True)
@click.option("--expires", default="1d", show_default=True, help="Duration (12h, 2d) or ISO time.")
@click.option("--notes", default="", help="A note for yourself, e.g. who it is for.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Write the QR as PNG.")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), help="Write the QR as SVG.")
@click.option("--wifi", metavar="SSID", help="Also print a QR that joins this Wi-Fi network.")
@click.option("--wifi-password", metavar="PASSWORD", help="The Wi-Fi password (WPA).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@pass_ctx
def codes_create(
    ctx: Context, max_uses: int, expires: str, notes: str, png: Path | None, svg: Path | None,
    wifi: str | None, wifi_password: str | None, as_json: bool,
) -> None:
    """Make an invite code and print its join URL and QR code."""
    ctx.open()
    now = utcnow()
    row = registration.create_code(
        max_uses=max_uses, expires_at=registration.parse_expiry(expires, now=now),
        notes=notes, now=now,
    )
    url = join_url(ctx.settings, row.code)
    code_qr = qr.make(url)
    written = [qr.save(code_qr, path, kind) for path, kind in ((png, "png"), (svg, "svg")) if path]
    if as_json:
        _print_json({"code": row.code, "expires_at": row.expires_at.isoformat(),
                     "max_uses": row.max_uses, "join_url": url})
        return
    print_invite(row.code, url, f"{row.max_uses} uses, expires {_local(row.expires_at)}")
    for path in written:
        click.echo(f"Wrote {path}")
    if wifi:
        click.echo(f"\nWi-Fi: scan to join {wifi}")
        click.echo(qr.half_blocks(qr.wifi(wifi, wifi_password)))


def print_invite(code: str, url: str, detail: str) -> None:
    click.echo(qr.half_blocks(qr.make(url)))
    click.echo(f"Code      {code}\nJoin URL  {url}\n          {detail}")


def _local(when: Any) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


@codes.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def codes_list(ctx: Context, as_json: bool) -> None:
    """List invite codes and how much of each is used."""
    ctx.open()
    now = utcnow()
    rows = registration.list_codes()
    if as_json:
        _print_json([{
            "code": r.code, "status": registration.code_status(r, now), "use_count": r.use_count,
            "max_uses": r.max_uses, "expires_at": r.expires_at.isoformat(), "notes": r.notes,
            "join_url": join_url(ctx.settings, r.code),
        } for r in rows])
        return
    table = _table("code", "status", "used", "expires", "notes", title="Invite codes")
    table.columns[0].overflow = "fold"  # a host copies the code: never cut it short
    for r in rows:
        table.add_row(r.code, registration.code_status(r, now), f"{r.use_count}/{r.max_uses}",
                      _local(r.expires_at), r.notes)
    console.print(table)


@codes.command("revoke")
@click.argument("code")
@pass_ctx
def codes_revoke(ctx: Context, code: str) -> None:
    """Stop a code from registering anyone else."""
    ctx.open()
    registration.revoke_code(code)
    click.echo(f"Revoked {code.strip()}")


# -- menu and shop ----------------------------------------------------------------------


@_group("menu", "The drinks, and what is in stock.")
def menu_group() -> None:
    pass


@menu_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def menu_list(ctx: Context, as_json: bool) -> None:
    """List the drinks on the menu."""
    ctx.open()
    drinks = menu.list_drinks()
    if as_json:
        _print_json([menu.drink_dict(d) for d in drinks])
        return
    table = _table("id", "name", "category", "in stock", "modifiers", title="Menu")
    for d in drinks:
        mods = "\n".join(f"{k}: {' / '.join(v)}" for k, v in d.modifiers.items())
        table.add_row(d.id, d.name, d.category, "yes" if d.is_active else "[red]no[/]", mods)
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


@_group("shop", "Open or close the bar.", invoke_without_command=True)
@click.pass_context
def shop_group(click_ctx: click.Context) -> None:
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(shop_status)


@shop_group.command("open")
@pass_ctx
def shop_open(ctx: Context) -> None:
    """Take orders."""
    ctx.open()
    shop.set_open(True, now=utcnow())
    click.echo("The bar is open")


@shop_group.command("close")
@pass_ctx
def shop_close(ctx: Context) -> None:
    """Stop taking orders (the queue is still served)."""
    ctx.open()
    shop.set_open(False, now=utcnow())
    click.echo("The bar is closed")


@shop_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shop_status(ctx: Context, as_json: bool = False) -> None:
    """Open or closed, and the queue."""
    ctx.open()
    rules = ctx.settings.rules
    state = {"is_open": shop.is_open(), "queue": shop.queue_length(),
             "max_queue": rules.max_queue, "mode": rules.mode}
    if as_json:
        _print_json(state)
        return
    click.echo(f"The bar is {'open' if state['is_open'] else 'closed'} ({rules.mode} mode), "
               f"{state['queue']} of {rules.max_queue} in the queue")


# -- orders -----------------------------------------------------------------------------


@_group("orders", "The queue: list orders, move one along.", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include served, cancelled and expired.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def orders_group(click_ctx: click.Context, show_all: bool, as_json: bool) -> None:
    if click_ctx.invoked_subcommand is not None:
        return
    click_ctx.obj.open()
    statuses = None if show_all else orders.OPEN_STATUSES
    rows = orders.list_orders(statuses=statuses, newest_first=False)
    if as_json:
        _print_json([orders.order_dict(o) for o in rows])
        return
    table = _table("#", "status", "guest", "drink", "modifiers", "note", "barista", "ordered")
    for o in rows:
        mods = ", ".join(f"{k}: {v}" for k, v in o.modifiers.items())
        table.add_row(str(o.number), o.status, o.guest.username, o.drink.name, mods, o.note,
                      o.barista or "", _local(o.created_at))
    console.print(table)


@orders_group.command("move")
@click.argument("number", type=int)
@click.argument("status", type=click.Choice(orders.STATUSES))
@click.option("--reason", help="Why (for cancelled).")
@click.option("--barista", default="cli", show_default=True)
@pass_ctx
def orders_move(ctx: Context, number: int, status: str, reason: str | None, barista: str) -> None:
    """Move today's order NUMBER to STATUS."""
    ctx.open()
    now = utcnow()
    order = orders.find_by_number(number, day_starts_at=ctx.settings.day_starts_at, now=now)
    moved = orders.move(order.id, status, actor="barista", barista=barista, reason=reason, now=now)
    click.echo(f"#{moved.number} {moved.drink.name} for {moved.guest.username} is {moved.status}")


# -- guests and keys --------------------------------------------------------------------


@_group("guests", "The guests who joined; sign one out.")
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
        _print_json([dataclasses.asdict(r) for r in rows])
        return
    table = _table("name", "key", "joined", "last seen", "orders", "phones", "status", title="Guests")
    for r in rows:
        # Names are typed by guests: Text() shows them as they are, never as markup.
        table.add_row(Text(r.username), r.user_key, _local(r.created_at),
                      _local(r.last_login) if r.last_login else "", str(r.orders), str(r.sessions),
                      "active" if r.is_active else "signed out")
    console.print(table)


@guests_group.command("kick")
@click.argument("guest")
@pass_ctx
def guests_kick(ctx: Context, guest: str) -> None:
    """Sign GUEST (a name or a key) out on every phone, for good."""
    ctx.open()
    kicked = guests.kick(guest, now=utcnow())
    click.echo(f"Signed out {kicked.username} ({kicked.user_key})")


@_group("keys", "The key pair that signs access tokens.")
def keys_group() -> None:
    pass


@keys_group.command("rotate")
@pass_ctx
def keys_rotate(ctx: Context) -> None:
    """Sign new tokens with a new key; the old one verifies until its tokens expire."""
    keys = ctx.open()
    retired = keys.rotate(valid_for=ctx.settings.access_ttl, now=utcnow())
    click.echo(f"Signing with key {keys.kid}; key {retired} still verifies its tokens "
               f"for {format_duration(ctx.settings.access_ttl)}")


# -- admins, stats, events, announcements ------------------------------------------------


@_group("admin", "Admin accounts for the web views.")
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


@cli.command("stats")
@click.option("--day", help="One business day, YYYY-MM-DD (a night past midnight is one day).")
@click.option("--since", metavar="TIME", help="Orders since a duration ago (3h, 90m) or an ISO time.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (its shape: bar/stats.py).")
@click.option("--csv", "as_csv", is_flag=True, help="One row per day and drink, with a header.")
@pass_ctx
def stats_command(
    ctx: Context, day: str | None, since: str | None, as_json: bool, as_csv: bool
) -> None:
    """Orders per day and drink, guests, wait times, the busiest hour."""
    ctx.open()
    result = stats.compute(_day(day), since=stats.parse_since(since, now=utcnow()) if since else None)
    if as_json:
        _print_json(result.to_dict())
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=stats.CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.csv_rows())
        click.echo(out.getvalue(), nl=False)
        return
    columns: tuple[str, ...] = ("drink", "ordered", "served", "cancelled", "expired", "open")
    title = f"Orders on {result.days[0]}" if len(result.days) == 1 else "Orders"
    if len(result.days) > 1:
        columns = ("day", *columns)
    table = _table(*columns, title=title)
    for r in result.rows:
        table.add_row(*(str(getattr(r, c)) for c in columns))
    console.print(table)
    for line in stats_lines(result):
        click.echo(line)


def stats_lines(result: stats.Stats) -> list[str]:
    t = result.totals
    lines = [f"{t.ordered} orders: {t.served} served, {t.cancelled} cancelled, "
             f"{t.expired} expired, {t.open} open"]
    if result.guests:
        lines.append(f"{result.guests} guests, {result.mean_orders:g} orders each on average "
                     f"(at most {result.max_orders})")
    if result.wait_p50_s is not None:
        lines.append(f"wait to ready: p50 {stats.format_wait(result.wait_p50_s)}, "
                     f"p90 {stats.format_wait(result.wait_p90_s)} ({result.waits} drinks)")
    if result.busiest_hour:
        lines.append(f"busiest hour: {result.busiest_hour} ({result.busiest_hour_orders} orders)")
    return lines


def _day(day: str | None) -> str | None:
    if day is None:
        return None
    try:
        return date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise click.ClickException(f"--day: expected a date like 2026-11-20, got {day!r}") from None


@cli.command("summary")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write, e.g. night.html.")
@click.option("--day", help="The business day, YYYY-MM-DD (default: the latest with orders).")
@pass_ctx
def summary_command(ctx: Context, out: Path, day: str | None) -> None:
    """Write a one-file page of the night to share: totals, charts, waits, top drinks."""
    from bar import summary

    ctx.open()
    chosen = _day(day) or stats.latest_day()
    if chosen is None:
        raise click.ClickException("no orders yet: nothing to sum up")
    out.write_text(summary.render(ctx.settings.name, chosen, made_at=utcnow()), encoding="utf-8")
    click.echo(f"Wrote {out} (the night of {chosen})")


@cli.command("events")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until Ctrl+C.")
@click.option("--since", type=int, default=None, help="Events after this id (default: the last 20).")
@click.option("--channel", multiple=True, help="Only this channel (repeat for more).")
@click.option("--type", "types", multiple=True, help="Only this event type, e.g. NEW_ORDER.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_ctx
def events_command(
    ctx: Context, follow: bool, since: int | None, channel: tuple[str, ...],
    types: tuple[str, ...], as_json: bool,
) -> None:
    """Print the event log: time, id, channel, type and what happened, one line each."""
    ctx.open()
    channels = channel or None
    wanted = tuple(t.upper() for t in types) or None
    show = (lambda e: json.dumps(e.to_message(), ensure_ascii=False)) if as_json else event_line
    if since is None:
        # The last id first: an event committed while we print is followed, not lost.
        after = events.last_event_id()
        found = events.read_last(20, channels, wanted, through=after)
    else:
        found = events.read_since(since, channels, limit=100_000, types=wanted)
        after = found[-1].id if found else since
    for event in found:
        click.echo(show(event))
    if not follow:
        return
    tail = events.EventTail(after=after)
    try:
        while True:
            for event in tail.poll():
                if (channels is None or event.channel in channels) and (
                    wanted is None or event.type in wanted
                ):
                    click.echo(show(event))
            time.sleep(0.05)
    except KeyboardInterrupt:
        pass


def event_line(event: events.BarEvent) -> str:
    """`2026-11-20 22:50:03  #41    admin  NEW_ORDER  #1 Negroni for Ana: pending`."""
    p = event.payload
    if "number" in p and "drink_name" in p:
        who = p.get("username") or p.get("first_name")
        what = f"#{p['number']} {p['drink_name']}{f' for {who}' if who else ''}: {p.get('status', '')}"
    elif "message" in p:
        what = str(p["message"])
    else:
        what = json.dumps(p, ensure_ascii=False, separators=(",", ":"))
    if len(what) > 100:
        what = what[:99] + "…"
    when = event.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"{when}  #{event.id:<5} {event.channel:<14} {event.type:<21} {_printable(what)}"


def _printable(text: str) -> str:
    # Names and messages are typed by guests: no escape sequence reaches the terminal.
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


@cli.command("announce")
@click.argument("text", required=False)
@click.option("--at", "when", metavar="WHEN", help='Send it later: a time ("23:30") or a delay ("10m").')
@click.option("--planned", is_flag=True, help="List what is planned (also last call and closing time).")
@click.option("--cancel", "cancel_id", type=int, metavar="ID", help="Cancel a planned announcement.")
@pass_ctx
def announce(
    ctx: Context, text: str | None, when: str | None, planned: bool, cancel_id: int | None
) -> None:
    """Send TEXT to every guest's phone, now or --at a set time."""
    ctx.open()
    now = utcnow()
    if cancel_id is not None:
        timers.cancel(cancel_id, now=now)
        click.echo(f"Cancelled #{cancel_id}")
        return
    if planned:
        timers.plan_daily(ctx.settings, now=now)
        rows = timers.upcoming()
        if not rows:
            click.echo("Nothing planned")
        for row in rows:
            what = "close the bar" if row.action == timers.CLOSE else repr(row.message)
            click.echo(f"#{row.id}  {row.due_at.astimezone():%a %H:%M}  {what}")
        return
    if not text:
        raise click.UsageError("say what to announce: bar announce \"Last call!\"")
    if when:
        due = timers.parse_when(when, now=now, day_starts_at=ctx.settings.day_starts_at)
        row = timers.schedule_announcement(text, due_at=due, now=now)
        click.echo(f"Planned #{row.id} for {due.astimezone():%a %H:%M}")
        return
    notifications.announce(text, now=now)
    click.echo("Announced")


@cli.command()
@click.option("--host", help="Address to listen on (default: server.host from the config).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: server.port).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the guest page, the TV board and the API (no TUI) until stopped."""
    from webapp import create_app
    from webapp.server import serve as run_server

    settings = _with_address(ctx.settings, host, port)
    datadir.init(settings)
    base = base_url(settings)
    click.echo(f"Serving {settings.name} at {base}")
    if settings.rules.popup:
        click.echo(f"Guests join with the code on the board: open {base}/display on the TV")
    else:
        click.echo("Guests join with an invite: bar codes create --max-uses 25 --expires 1d")
    run_server(create_app(settings), host=settings.host, port=settings.port)


@cli.command("kiosk")
@click.option("--barista", metavar="NAME", help="Your name on the orders you claim.")
@pass_ctx
def kiosk_command(ctx: Context, barista: str | None) -> None:
    """The barista's live queue in this terminal (the web server runs elsewhere)."""
    from kiosk.app import KioskApp  # textual only when the TUI starts

    datadir.init(ctx.settings)
    KioskApp(ctx.settings, barista=barista).run()


@cli.command("display")
@pass_ctx
def display_command(ctx: Context) -> None:
    """The TV board in this terminal: the QR code to join, Preparing and Ready (q quits)."""
    from kiosk.display import DisplayApp  # textual only when the TUI starts

    datadir.init(ctx.settings)
    DisplayApp(ctx.settings).run()


def _with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    return dataclasses.replace(
        settings, host=host or settings.host, port=settings.port if port is None else port
    )


@cli.command()
@click.option("--host", help="Address the web server listens on (default: server.host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: server.port).")
@click.option("--barista", metavar="NAME", help="Your name on the orders you claim.")
@pass_ctx
def up(ctx: Context, host: str | None, port: int | None, barista: str | None) -> None:
    """The main job: the web server for the phones and the kiosk in this terminal."""
    from bar import up as runner
    from kiosk.app import KioskApp  # textual only when the TUI starts

    settings = _with_address(ctx.settings, host, port)
    datadir.init(settings)
    if settings.rules.popup:
        click.echo(f"Pop-up bar: open {base_url(settings)}/display?admin=1 on the TV")
    else:
        invite = registration.current_invite(now=utcnow(), created_by="bar up")
        click.echo(f"Guests join at {join_url(settings, invite.code)}")
    click.echo(f"Starting the web server at {base_url(settings)} …")
    server = runner.start_server(settings)
    try:
        KioskApp(settings, barista=barista).run()
    finally:
        runner.stop_server(server)
    click.echo(f"Stopped. The web server's log is in {settings.data_dir / 'server.log'}")


def main() -> None:
    try:
        cli.main(prog_name="bar")
    except KeyboardInterrupt:
        sys.exit(130)
