"""Tonight's finished orders, and recalling a barista's last move (a kitchen display's
"recall": the ticket bumped by mistake comes back).

What a recall undoes: the newest move made under this barista's name (kiosks without
`--barista` share one, no name) in the last `RECALL_WINDOW` (5 minutes) that still
stands: not recalled already, and nothing has moved the order since. Every barista
move of `bar.orders.TRANSITIONS` can be recalled:

    claim       pending → preparing      back to pending, unclaimed
    unclaim     preparing → pending      back to preparing, with the barista it had
    made        preparing → ready        back to preparing; the guest's "ready" is withdrawn
    served      ready → served           back to ready
    cancelled   pending, preparing or    back where it was, the reason cleared; only if the
                ready → cancelled        rules still allow it: the guest is not kicked, has
                                         room under `max_open_orders_per_guest`, and (back
                                         to pending or preparing) the queue is not full

and any of them only if the order would not expire at once (see below).

Never recalled: what the bar did by itself (an expiry) or a guest did (their own
cancel); a recall (there is no redo: move the order again); a move older than the
window, or one that another move followed. Recalling again walks back through the
barista's moves, one at a time. Anything else is refused with `InvalidTransition`
and a line saying why, and nothing changes.

A recalled order keeps its times (ordered, ready): its timeouts count from them as
before, so a recall that would put it where its timeout has passed (pending after
`barista_timeout`, ready after `uncollected_timeout`) is refused: it would expire at
once. The recall is a status change like any other: the order, its
`ORDER_STATUS_CHANGED` events (guest, `admin`, `display`) and the guest's notification
in one transaction, so the phone, the boards and every kiosk follow live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import fn

from bar import shop, stations
from bar.config import Settings
from bar.db import engine, write
from bar.errors import InvalidTransition
from bar.models import Drink, Guest, Move, Notification, Order
from bar.orders import business_day, publish_change
from bar.payloads import ORDER_CANCELLED, ORDER_READY, ORDER_REMINDER
from bar.status import (
    CANCELLED,
    FINAL_STATUSES,
    OPEN_STATUSES,
    PENDING,
    PREPARING,
    QUEUE_STATUSES,
    READY,
    SERVED,
)
from bar.timeparse import format_duration

RECALL_WINDOW = timedelta(minutes=5)


def finished_tonight(settings: Settings, *, now: datetime, limit: int = 500) -> list[Order]:
    """Tonight's served, cancelled and expired orders, the last to finish first."""
    day = business_day(now, settings.day_starts_at)
    return list(
        Order.select(Order, Drink, Guest).join(Drink).switch(Order).join(Guest)
        .where(Order.day == day, Order.status.in_(FINAL_STATUSES))
        .order_by(Order.updated_at.desc(), Order.number.desc())
        .limit(limit)
    )


@dataclass(frozen=True)
class Recall:
    """A move a recall would undo (or did), and its order as it is (or became)."""

    move: Move
    order: Order

    def describe(self) -> str:
        """`#12 Negroni for Ana: served → ready` (guest text: show it as text)."""
        o = self.order
        return (f"#{o.number} {o.drink_name or o.drink.name} for {o.guest.username}: "
                f"{self.move.to_status} → {self.move.from_status}")


def _who(barista: str | None) -> str:
    return barista or "this kiosk"


def next_recall(barista: str | None, *, now: datetime) -> Recall:
    """The move `recall` would undo now; raises `InvalidTransition` when there is none."""
    mine = (
        Move.select(Move, Order, Drink, Guest)
        .join(Order).join(Drink).switch(Order).join(Guest)
        .where(Move.actor == "barista",
               Move.by.is_null() if barista is None else Move.by == barista,
               Move.at > now - RECALL_WINDOW, Move.recalled_at.is_null())
        .order_by(Move.id.desc())
    )
    newest: Recall | None = None
    for move in mine:
        found = Recall(move, move.order)
        newest = newest or found
        if found.order.status == move.to_status and _latest(found.order) == move.id:
            return found
    minutes = int(RECALL_WINDOW.total_seconds() // 60)
    if newest is None:
        raise InvalidTransition(
            f"nothing to recall: {_who(barista)} moved no order in the last {minutes} minutes")
    raise InvalidTransition(
        f"nothing to recall: #{newest.order.number} has changed since (it is "
        f"{newest.order.status} now), and no earlier move of the last {minutes} minutes stands")


def _latest(order: Order) -> int | None:
    """The id of the order's newest move not recalled."""
    return (Move.select(fn.MAX(Move.id))
            .where(Move.order == order, Move.recalled_at.is_null()).scalar())


def recall(settings: Settings, *, barista: str | None, now: datetime) -> Recall:
    """Undo `barista`'s last move that still stands (see the module's doc)."""
    with write():
        found = next_recall(barista, now=now)
        move, order = found.move, found.order
        back = move.from_status
        _check_not_overdue(settings, order, back, now)
        if move.to_status == CANCELLED:
            _check_comeback(settings, order, back)
            order.cancel_reason = None
        elif move.to_status == SERVED:
            order.completed_at = None
        elif move.to_status == READY:
            order.ready_at = None
            order.reminded_at = None  # ready again later: the guest may be reminded again
        if back == PENDING:
            order.barista = None
        elif back == PREPARING and move.to_status == PENDING:
            order.barista = move.barista_before
        if move.to_status in (READY, CANCELLED):
            # What the guest was told is no longer so ("ready", "cancelled"): read, not
            # delivered again when the phone reconnects.
            (Notification.update(read_at=now)
             .where(Notification.guest == order.guest, Notification.read_at.is_null(),
                    Notification.type.in_((ORDER_READY, ORDER_REMINDER, ORDER_CANCELLED)),
                    engine().json_text(Notification.payload, "order_id") == order.id)
             .execute())
        shop.queue_moved((back in QUEUE_STATUSES) - (order.status in QUEUE_STATUSES), order.station)
        order.status = back
        order.updated_at = now
        order.save()
        Move.update(recalled_at=now).where(Move.id == move.id).execute()
        publish_change(order, now, recalled=True)
        return Recall(move, order)


def _check_not_overdue(settings: Settings, order: Order, back: str, now: datetime) -> None:
    """An order keeps its times: one back where its timeout has passed would expire at once."""
    rules = stations.rules_of(settings, order.station)
    if back == PENDING and order.created_at <= now - rules.barista_timeout:
        late = f"ordered over {format_duration(rules.barista_timeout)} ago"
    elif back == READY and order.ready_at and order.ready_at <= now - rules.uncollected_timeout:
        late = f"ready over {format_duration(rules.uncollected_timeout)} ago"
    else:
        return
    raise InvalidTransition(f"cannot recall #{order.number}: it would expire at once ({late})")


def _check_comeback(settings: Settings, order: Order, back: str) -> None:
    """A cancelled order may come back only where the rules would let it be now."""
    rules, guest = settings.rules, order.guest
    refuse = f"cannot recall #{order.number}"
    if not guest.is_active:
        raise InvalidTransition(f"{refuse}: {guest.username} was kicked")
    open_orders = (Order.select().where(Order.guest == guest, Order.status.in_(OPEN_STATUSES))
                   .count())
    if open_orders >= rules.max_open_orders_per_guest:
        raise InvalidTransition(
            f"{refuse}: {guest.username} has {open_orders} open "
            f"order{'s' if open_orders != 1 else ''} again (at most "
            f"{rules.max_open_orders_per_guest})")
    if back in QUEUE_STATUSES:
        max_queue = stations.rules_of(settings, order.station).max_queue
        if stations.queued(order.station) >= max_queue:
            raise InvalidTransition(f"{refuse}: the queue is full ({max_queue})")
