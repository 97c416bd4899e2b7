"""`bar stats`, `bar summary` and `bar events`: what the night looked like."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import click

from bar import events, stations, stats
from bar.cli.base import Context, cli, console, new_table, pass_ctx, print_json
from bar.clock import utcnow
from bar.config import Settings
from bar.refusals import REASONS
from bar.timeparse import parse_since


@cli.command("stats")
@click.option("--day", help="One business day, YYYY-MM-DD (a night past midnight is one day).")
@click.option("--since", metavar="TIME", help="Orders since a duration ago (3h, 90m) or an ISO time.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (its shape: bar/stats.py).")
@click.option("--csv", "as_csv", is_flag=True, help="One row per day and drink, with a header.")
@pass_ctx
def stats_command(
    ctx: Context, day: str | None, since: str | None, as_json: bool, as_csv: bool
) -> None:
    """Orders per day and drink, guests, wait times, the busiest hour, orders turned away."""
    ctx.open()
    result = stats.compute(_day(day), since=parse_since(since, now=utcnow()) if since else None)
    if as_json:
        print_json(result.to_dict())
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
    table = new_table(*columns, title=title)
    for r in result.rows:
        table.add_row(*(str(getattr(r, c)) for c in columns))
    console.print(table)
    for line in stats_lines(result, currency=ctx.settings.currency):
        click.echo(line)
    for line in station_lines(ctx.settings, result):
        click.echo(line)


def station_lines(settings: Settings, result: stats.Stats) -> list[str]:
    """`Coffee corner: 40 orders, 38 served, ..., wait p50 2m 10s`: one line a station."""
    lines = []
    for row in result.stations:
        c = row.counts
        lines.append(
            f"{stations.name_of(settings, row.station)}: {c.ordered} orders, {c.served} served, "
            f"{c.cancelled} cancelled, {c.expired} expired, {c.open} open; wait to ready "
            f"p50 {stats.format_wait(row.wait_p50_s)}, p90 {stats.format_wait(row.wait_p90_s)}")
    return lines


def stats_lines(result: stats.Stats, *, currency: str = "") -> list[str]:
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
    if result.revenue is not None:
        lines.append(f"revenue (served, at the prices ordered at): "
                     f"{stats.format_money(result.revenue, currency)}")
    lines.append(stats.turned_away(result))
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
    names = {s.id: s.name for s in ctx.settings.stations}
    out.write_text(summary.render(ctx.settings.name, chosen, made_at=utcnow(), station_names=names,
                                   currency=ctx.settings.currency),
                   encoding="utf-8")
    click.echo(f"Wrote {out} (the night of {chosen})")


EVENTS_BATCH = 1000


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
        for event in found:
            click.echo(show(event))
    else:
        # Every event after `since`, however many: read and printed a batch at a time.
        after = since
        while found := events.read_since(after, channels, limit=EVENTS_BATCH, types=wanted):
            for event in found:
                click.echo(show(event))
            after = found[-1].id
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
            tail.wait(0.05)
    except KeyboardInterrupt:
        pass


def event_line(event: events.BarEvent) -> str:
    """`2026-11-20 22:50:03  #41    admin  NEW_ORDER  #1 Negroni for Ana: pending`."""
    p = event.payload
    if "number" in p and "drink_name" in p:
        who = p.get("username") or p.get("first_name")
        what = f"#{p['number']} {p['drink_name']}{f' for {who}' if who else ''}: {p.get('status', '')}"
    elif event.type == events.ORDER_REFUSED:
        reason = REASONS.get(p.get("reason", ""), p.get("reason", ""))
        times = p.get("count", 1)
        what = f"{p.get('username', '')} turned away: {reason}" + (f" ×{times}" if times != 1 else "")
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
