"""`bar shop` and `bar orders`: the bar open or closed, and the queue (and its recall).

`bar menu` is in `bar.cli.menu`.
"""

from __future__ import annotations

import click

from bar import history, orders, shop
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
        print_json(state)
        return
    click.echo(f"The bar is {'open' if state['is_open'] else 'closed'} ({rules.mode} mode), "
               f"{state['queue']} of {rules.max_queue} in the queue")



@command_group("orders", "The queue: list orders, move one along.", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include served, cancelled and expired.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def orders_group(click_ctx: click.Context, show_all: bool, as_json: bool) -> None:
    if click_ctx.invoked_subcommand is not None:
        return
    click_ctx.obj.open()
    statuses = None if show_all else orders.OPEN_STATUSES
    # Every order, oldest first, read from the database a batch at a time.
    rows = orders.iter_orders(statuses=statuses)
    if as_json:
        print_json_list(orders.order_dict(o) for o in rows)
        return
    table = new_table("#", "status", "guest", "drink", "modifiers", "note", "barista", "ordered")
    for o in rows:
        mods = ", ".join(f"{k}: {v}" for k, v in o.modifiers.items())
        table.add_row(str(o.number), o.status, o.guest.username, o.drink_name or o.drink.name, mods, o.note,
                      o.barista or "", local_time(o.created_at))
    console.print(table)
    click.echo(f"{table.row_count} {'orders' if show_all else 'open orders'}")


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
