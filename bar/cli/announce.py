"""`bar announce`: a message to every guest, now or at a set time."""

from __future__ import annotations

import click

from bar import notifications, timers
from bar.cli.base import Context, cli, pass_ctx
from bar.clock import utcnow
from bar.timeparse import parse_when


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
        due = parse_when(when, now=now, day_starts_at=ctx.settings.day_starts_at)
        row = timers.schedule_announcement(text, due_at=due, now=now)
        click.echo(f"Planned #{row.id} for {due.astimezone():%a %H:%M}")
        return
    notifications.announce(text, now=now)
    click.echo("Announced")
