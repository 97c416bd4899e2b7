"""Running the bar: `bar init`, `bar up` (the main job), `bar serve`, `bar kiosk`, `bar display`."""

from __future__ import annotations

import dataclasses
import sys

import click

from bar import datadir, menu, push, registration, stations, tls
from bar.cli.base import Context, cli, pass_ctx
from bar.clock import utcnow
from bar.config import Settings
from bar.errors import ConfigError, NoInvite
from bar.net import base_url, check_port_free, join_url


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the data directory, database, keys and menu (safe to run again)."""
    _, first = ctx.init()
    s = ctx.settings
    verb = "Created" if first else "Checked"
    click.echo(f"{verb} {s.data_dir} ({len(menu.list_drinks())} drinks on the menu)")

def _has_push_key(settings: Settings) -> bool:
    """Has the bar its Web Push key (made by `bar init`)? No bar yet: no key."""
    try:
        datadir.open_database(settings)
    except ConfigError:
        return False
    return push.application_server_key() is not None


@cli.command()
@click.option("--host", help="Address to listen on (default: server.host from the config).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: server.port).")
@click.option("--check", is_flag=True,
              help="Say what the phones will get (HTTPS, notifications) and exit.")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, check: bool) -> None:
    """Serve the guest page, the TV board and the API (no TUI) until stopped."""
    from webapp import server

    settings = _with_address(ctx.settings, host, port)
    if check:
        _, lines = tls.phones_report(settings, push_key=_has_push_key(settings))
        for line in lines:
            click.echo(line)
        return
    if not server.on_event_loop():
        # Refused here, in one line, before gevent and gunicorn start (its own message
        # would be a retry loop and a traceback).
        tls.load(settings)
        check_port_free(settings.host, settings.port)
        server.restart_on_event_loop(sys.argv[1:])  # does not return
    from webapp import create_app

    datadir.init(settings)
    base = base_url(settings)
    files = server.raise_open_file_limit()  # before the app: its hub sizes itself by it
    app = create_app(settings)
    click.echo(f"Serving {settings.name} at {base} — room for "
               f"{app.extensions['bar'].hub.admission.total} open pages (open-file limit {files})")
    if settings.rules.popup:
        click.echo(f"Guests join with the code on the board: open {base}/display on the TV")
    else:
        click.echo("Guests join with an invite: bar codes create --max-uses 25 --expires 1d")
    server.serve(app, host=settings.host, port=settings.port)


@cli.command("kiosk")
@click.option("--barista", metavar="NAME", help="Your name on the orders you claim.")
@click.option("--station", metavar="ID", help="Only this station's queue (bar.toml's [[stations]]).")
@pass_ctx
def kiosk_command(ctx: Context, barista: str | None, station: str | None) -> None:
    """The barista's live queue in this terminal (the web server runs elsewhere)."""
    from bar.health import HealthWatch
    from bar.up import watched_url
    from kiosk.app import KioskApp  # textual only when the TUI starts

    only = stations.find(ctx.settings, station)  # an unknown one: one line, before the TUI
    datadir.attach(ctx.settings)
    # Not our server: the header says whether the one this bar.toml names answers.
    health = HealthWatch(watched_url(ctx.settings))
    KioskApp(ctx.settings, barista=barista, health=health,
             station=only.id if only else None).run()


@cli.command("display")
@click.option("--station", metavar="ID", help="Only this station's board (bar.toml's [[stations]]).")
@pass_ctx
def display_command(ctx: Context, station: str | None) -> None:
    """The TV board in this terminal: the QR code to join, Preparing and Ready (q quits)."""
    from kiosk.display import DisplayApp  # textual only when the TUI starts

    only = stations.find(ctx.settings, station)
    datadir.attach(ctx.settings)
    DisplayApp(ctx.settings, station=only.id if only else None).run()


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
    from bar.health import HealthWatch
    from kiosk.app import KioskApp  # textual only when the TUI starts

    settings = _with_address(ctx.settings, host, port)
    tls.load(settings)  # a bad certificate: one line, before the kiosk takes the terminal
    check_port_free(settings.host, settings.port)
    datadir.init(settings)
    if settings.rules.popup:
        click.echo(f"Pop-up bar: open {base_url(settings)}/display?admin=1 on the TV")
    else:
        try:
            invite = registration.current_invite(settings, now=utcnow(), created_by="bar up")
            click.echo(f"Guests join at {join_url(settings, invite.code)}")
        except NoInvite as exc:  # the host's codes ran out: the kiosk says so, and makes one
            click.echo(f"No guest can join: {exc.message} (press i in the kiosk to make one)")
    click.echo(f"Starting the web server at {base_url(settings)} …")
    server = runner.WebServer(settings)
    server.start()
    try:
        # The kiosk watches this server: the header says whether it is up, and if it
        # dies the kiosk says so and offers to start it again.
        health = HealthWatch(server.url, server=server)
        KioskApp(settings, barista=barista, health=health).run()
    finally:
        server.stop()
    click.echo(f"Stopped. The web server's log is in {settings.data_dir / 'server.log'}")
