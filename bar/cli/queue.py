"""`bar shop` and `bar orders`: the bar open or closed, and the queue (and its recall).

`bar menu` is in `bar.cli.menu`.
"""

from __future__ import annotations

import click

from bar import history, orders, shop, stations
from bar.cli.base import (
    Context,
    command_group,
    console,
    local_time,
    new_table,
    pass_ctx,
    print_json,
    print_json_list,
)
from bar.clock import utcnow


@command_group("shop", "Open or close the bar.", invoke_without_command=True)
@click.pass_context
def shop_group(click_ctx: click.Context) -> None:
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(shop_status)


_STATION = click.option("--station", metavar="ID", help="One station (bar.toml's [[stations]]).")


@shop_group.command("open")
@_STATION
@pass_ctx
def shop_open(ctx: Context, station: str | None) -> None:
    """Take orders (at one station with --station)."""
    ctx.open()
    _set_open(ctx, True, station)


@shop_group.command("close")
@_STATION
@pass_ctx
def shop_close(ctx: Context, station: str | None) -> None:
    """Stop taking orders (the queue is still served); --station: that station only."""
    ctx.open()
    _set_open(ctx, False, station)


def _set_open(ctx: Context, open_: bool, station_id: str | None) -> None:
    station = stations.find(ctx.settings, station_id)
    shop.set_open(open_, now=utcnow(), station=station.id if station else None)
    word = "open" if open_ else "closed"
    if station is None:
        click.echo(f"The bar is {word}")
        return
    others = [f"the {s.name} is {'open' if s.is_open else 'closed'}"
              for s in stations.states(ctx.settings) if s.id != station.id]
    click.echo(f"The {station.name} is {word}" + (f"; {', '.join(others)}" if others else ""))


@shop_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def shop_status(ctx: Context, as_json: bool = False) -> None:
    """Open or closed, and the queue (each station's too)."""
    ctx.open()
    rules = ctx.settings.rules
    each = stations.states(ctx.settings)
    queue = sum(s.queue for s in each) if each else shop.queue_length()
    state: dict[str, object] = {"is_open": shop.is_open(), "queue": queue,
                                "max_queue": rules.max_queue, "mode": rules.mode}
    if each:
        state["stations"] = [s.to_payload() for s in each]
    if as_json:
        print_json(state)
        return
    if not each:
        click.echo(f"The bar is {'open' if state['is_open'] else 'closed'} ({rules.mode} mode), "
                   f"{queue} of {rules.max_queue} in the queue")
        return
    click.echo(f"The bar is {'open' if state['is_open'] else 'closed'} ({rules.mode} mode)")
    for s in each:
        click.echo(f"  {s.name}: {'open' if s.is_open else 'closed'}, "
                   f"{s.queue} of {s.max_queue} in the queue")


@command_group("orders", "The queue: list orders, move one along.", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include served, cancelled and expired.")
@click.option("--json", "as_json", is_flag=True)
@_STATION
@click.pass_context
def orders_group(click_ctx: click.Context, show_all: bool, as_json: bool,
                 station: str | None) -> None:
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    where = stations.find(ctx.settings, station)  # an unknown id: one clear line
    ctx.open()
    statuses = None if show_all else orders.OPEN_STATUSES
    # Every order, oldest first, read from the database a batch at a time.
    rows = orders.iter_orders(statuses=statuses, station=where.id if where else None)
    if as_json:
        print_json_list(orders.order_dict(o) for o in rows)
        return
    table = new_table("#", "status", "guest", "drink", "modifiers", "note", "barista", "ordered")
    for o in rows:
        mods = ", ".join(f"{k}: {v}" for k, v in o.modifiers.items())
        table.add_row(str(o.number), o.status, o.guest.username, o.drink_name or o.drink.name, mods, o.note,
                      o.barista or "", local_time(o.created_at))
    console.print(table)
    what = "orders" if show_all else "open orders"
    click.echo(f"{table.row_count} {what}" + (f" at the {where.name}" if where else ""))


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
    drink = moved.drink_name or moved.drink.name
    click.echo(f"#{moved.number} {drink} for {moved.guest.username} is {moved.status}")


@orders_group.command("recall")
@click.option("--barista", default="cli", show_default=True,
              help="Whose last move to undo (a kiosk's --barista name).")
@pass_ctx
def orders_recall(ctx: Context, barista: str) -> None:
    """Undo BARISTA's last move of the last 5 minutes (the kiosk's `z`)."""
    ctx.open()
    done = history.recall(ctx.settings, barista=barista, now=utcnow())
    click.echo(f"Recalled {done.describe()}")
