"""Orders: placing them under the bar's rules, and moving them through the status machine.

    pending ──claim──▶ preparing ──▶ ready ──▶ served
      │ ▲                  │           │
      │ └─────unclaim──────┘           └─(not collected in time)─▶ expired
      ├──▶ cancelled (guest, while pending; barista, any time before served)
      └──▶ expired   (barista timeout: not made in time)

Each change and its events (guest channel, `admin`, `display`) and the guest's
notification are written in one transaction, with the step itself (a `Move` row:
`bar.history` recalls a barista's last one).
"""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal

from peewee import JOIN, SQL, Select, fn

from bar import events, limits, reasons, refusals, scan, shop, stations
from bar.config import Rules, Settings, StationSpec
from bar.db import Prepared, engine, slot, write, write_together
from bar.errors import (
    DrinkUnavailable,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QueueFull,
    ShopClosed,
    TooManyOpenOrders,
)
from bar.models import Drink, Guest, Move, Notification, Order, State
from bar.payloads import (
    NOTIFY_ON,
    ORDER_READY,
    ORDER_REMINDER,
    EventPayload,
    NewOrder,
    OrderExpired,
    OrderInfo,
    OrderReminder,
    OrderStatusChanged,
    PublicOrder,
    first_name,
)
from bar.status import (
    CANCELLED,
    EXPIRED,
    FINAL_STATUSES,
    OPEN_STATUSES,
    PENDING,
    PREPARING,
    QUEUE_STATUSES,
    READY,
    SERVED,
    STATUSES,
)
from bar.text import clean_text

Actor = Literal["guest", "barista", "system"]

# (from, to) -> who may make that move. Every other move is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    (PENDING, PREPARING): frozenset({"barista"}),
    (PENDING, CANCELLED): frozenset({"guest", "barista"}),
    (PENDING, EXPIRED): frozenset({"system"}),
    (PREPARING, PENDING): frozenset({"barista"}),
    (PREPARING, READY): frozenset({"barista"}),
    (PREPARING, CANCELLED): frozenset({"barista"}),
    (READY, SERVED): frozenset({"barista"}),
    (READY, CANCELLED): frozenset({"barista"}),
    (READY, EXPIRED): frozenset({"system"}),
}

# The next step for a barista's single "advance" key.
NEXT_STATUS = {PENDING: PREPARING, PREPARING: READY, READY: SERVED}

NOTE_MAX = 200


def business_day(now: datetime, day_starts_at: int) -> str:
    """The day an order number belongs to: numbers restart at `day_starts_at` local time."""
    return (now.astimezone() - timedelta(hours=day_starts_at)).date().isoformat()


def clean_modifiers(
    drink: str, allowed: Mapping[str, list[str]], chosen: object
) -> dict[str, str]:
    """Check chosen modifiers against the options of the drink (named `drink`); fill in
    the defaults."""
    if chosen is None:
        chosen = {}
    if not isinstance(chosen, Mapping):
        raise InvalidInput("modifiers must be an object like {\"milk\": \"oat\"}")
    for name, value in chosen.items():
        if name not in allowed:
            raise InvalidInput(f"{drink} has no modifier {name!r}")
        if value not in allowed[name]:
            options = ", ".join(allowed[name])
            raise InvalidInput(f"{name}: {value!r} is not an option for {drink} ({options})")
    return {name: chosen.get(name, options[0]) for name, options in allowed.items()}


def order_dict(order: Order) -> dict[str, Any]:
    """An order as the guest and the admin see it (the API's and events' shape)."""
    return OrderInfo.of(order).to_payload()


def display_dict(order: Order) -> dict[str, Any]:
    """What the public board may show: no user keys, no ids, first names only."""
    return PublicOrder.of(order).to_payload()


def _publish_new(info: OrderInfo, board: PublicOrder, now: datetime) -> None:
    new = NewOrder(info)  # the guest's and the admins' are the same event
    public = NewOrder(board)
    events.publish_many([
        (events.guest_channel(str(info.user_key)), new),
        *((channel, new) for channel in stations.channels(events.ADMIN, info.station)),
        *((channel, public) for channel in stations.channels(events.DISPLAY, info.station)),
    ], now=now)


def publish_change(order: Order, now: datetime, *, recalled: bool = False) -> None:
    """The events and the guest's notification of an order's new status (inside the
    write transaction that changed it); `recalled` when it undoes a move."""
    full = OrderInfo.of(order)
    guest_view = full.for_guest()
    channel = events.guest_channel(order.guest.user_key)
    admins = stations.channels(events.ADMIN, order.station)
    batch: list[tuple[str, EventPayload]] = [
        (channel, OrderStatusChanged(guest_view, recalled)),
        *((admin, OrderStatusChanged(full, recalled)) for admin in admins),
        *((board, OrderStatusChanged(PublicOrder.of(order), recalled))
          for board in stations.channels(events.DISPLAY, order.station)),
    ]
    if order.status == EXPIRED:
        batch += [(channel, OrderExpired(guest_view)),
                  *((admin, OrderExpired(full)) for admin in admins)]
    events.publish_many(batch, now=now)
    if order.status in FINAL_STATUSES:
        # Served, cancelled or expired: "ready" and the reminder have nothing left to say
        # (a stale "ready" delivered on reconnect would ring for a drink that is gone).
        (Notification.update(read_at=now)
         .where(Notification.guest == order.guest, Notification.read_at.is_null(),
                Notification.type.in_((ORDER_READY, ORDER_REMINDER)),
                engine().json_text(Notification.payload, "order_id") == order.id)
         .execute())
    if order.status in NOTIFY_ON:
        Notification.create(
            guest=order.guest, type=NOTIFY_ON[order.status], payload=guest_view.to_payload(),
            created_at=now,
        )


@dataclass(frozen=True)
class Placed:
    """A placed order: `info` as the guest and the admins see it (its `NEW_ORDER`)."""

    info: OrderInfo
    created: bool  # False when an idempotent retry returned the first order
    loaded: Order | None = None

    @cached_property
    def order(self) -> Order:
        """The order's row, with its drink and guest (read now, if it was not already)."""
        return self.loaded or _load(self.info.order_id)


def place_order(
    settings: Settings, guest: Guest | str, *, drink_id: object,
    modifiers: object = None, note: object = "", idempotency_key: str | None = None,
    scan_code: str | None = None, now: datetime, turned_away: refusals.Refusals | None = None,
) -> Placed:
    """Place an order for `guest` if the bar's rules allow it.

    Checks, in order: the guest, idempotent retry, orders per minute, drink, modifiers
    and note, bar open, scan code (pop-up), the guest's open orders, queue capacity.
    The checks and the insert share one write transaction with the orders other guests
    place at the same moment (`bar.db.write_together`: one commit for all of them), so
    every limit holds exactly however many phones order at once.

    An order turned away (closed, queue full, window spent, the guest's limit) is
    recorded in the same transaction (`bar.refusals`); `turned_away` is the process's
    tally that holds back a guest's repeats (None: every refusal is written).
    """
    if idempotency_key is not None:
        idempotency_key = clean_text(idempotency_key, field="Idempotency-Key", min_len=1, max_len=100)
    # What does not depend on other writers is worked out before the write lock.
    placing = _Placing(
        settings=settings,
        user_key=guest.user_key if isinstance(guest, Guest) else str(guest),
        drink_id=str(drink_id),
        modifiers=modifiers,
        note=clean_text(note or "", field="note", max_len=NOTE_MAX),
        idempotency_key=idempotency_key or None,
        scan_code=scan_code if settings.rules.popup else None,
        order_id=str(uuid.uuid4()),
        day=business_day(now, settings.day_starts_at),
        now=now,
        likely_station=stations.guess(settings, str(drink_id)),
    )

    def record(error: Exception) -> None:
        refusals.refused(turned_away, error, user_key=placing.user_key, day=placing.day, now=now)

    return write_together(placing.place, after_error=record)


_ISO = Order.created_at.db_value  # our stored form of a time (sorts as text)
_JSON = Order.modifiers.db_value


def _count_upto(rows: Any) -> Any:
    """COUNT(*) of `rows`, which end at their LIMIT: a rule asks whether a limit is
    reached, so no more rows are read than the limit (not the whole queue)."""
    return Select([rows.alias("upto")], [fn.COUNT(SQL("*"))])


def _facts() -> Any:
    """Everything the rules look at, in one read inside the write transaction: the
    guest, the drink, the guest's earlier order with this Idempotency-Key, their `nth`
    newest order within the rate window, their open orders (counted up to the limit),
    the queue's length (and whether a count of it is kept), the day's last number,
    whether the bar is open."""
    user = slot("user_key")
    retry = Order.select(Order.id).where(Order.guest == user, Order.idempotency_key == slot("key"))
    nth_newest = (
        Order.select(Order.created_at)
        .where(slot("limited") & (Order.guest == user) & (Order.created_at > slot("since")))
        .order_by(Order.created_at.desc()).limit(1).offset(slot("nth"))
    )
    open_orders = _count_upto(
        Order.select(SQL("1")).where(Order.guest == user, Order.status.in_(OPEN_STATUSES))
        .limit(slot("max_open"))
    )
    # The station's queue, kept up to date: no counting of the queue.
    queued = shop.queue_length_query(slot("queue_key"), slot("station"))
    kept = shop.kept_length_query(slot("queue_key"))
    last_number = Order.select(fn.MAX(Order.number)).where(Order.day == slot("day"))
    is_open = State.select(State.value).where(State.key == shop.OPEN_KEY)
    station_open = State.select(State.value).where(State.key == slot("station_open_key"))
    return (
        Guest.select(Guest.username, Guest.is_active, Drink.id, Drink.name, Drink.modifiers,
                     Drink.is_active, Drink.price, Drink.category, retry, nth_newest, open_orders,
                     queued, kept, last_number, is_open, station_open)
        .join(Drink, JOIN.LEFT_OUTER, on=(Drink.id == slot("drink")) & Drink.on_menu)
        .where(Guest.user_key == user)
    )


# Built once by peewee, run with new values for every order (`bar.db.Prepared`): peewee
# building these took several times what SQLite takes to run them, inside the write lock.
_FACTS = Prepared(_facts)
_INSERT = Prepared(lambda: Order.insert({
    field: slot(field.name) for field in (
        Order.id, Order.number, Order.day, Order.drink, Order.drink_name, Order.price,
        Order.guest, Order.modifiers, Order.note, Order.status, Order.scan_code,
        Order.idempotency_key, Order.created_at, Order.updated_at, Order.station)
}))


@dataclass(frozen=True)
class _Placing:
    """An order on its way in: its input, checked for shape, and its new id and day."""

    settings: Settings
    user_key: str
    drink_id: str
    modifiers: object
    note: str
    idempotency_key: str | None
    scan_code: str | None
    order_id: str
    day: str
    now: datetime
    # The drink's station as bar.toml's menu says: its queue is read with the rules.
    likely_station: StationSpec | None = None

    def place(self) -> Placed:
        """The rules and the insert: runs inside the write transaction."""
        settings, rules, now = self.settings, self.settings.rules, self.now
        per_minute = settings.orders_per_minute
        likely = self.likely_station.id if self.likely_station else None
        row = _FACTS.execute(
            key=self.idempotency_key, limited=per_minute > 0,
            since=_ISO(now - limits.WINDOW) if per_minute > 0 else None,
            nth=max(0, per_minute - 1), max_open=rules.max_open_orders_per_guest,
            day=self.day, drink=self.drink_id, user_key=self.user_key,
            queue_key=shop.station_key(shop.QUEUE_KEY, likely), station=likely or "",
            station_open_key=shop.station_key(shop.OPEN_KEY, likely),
        ).fetchone()
        if row is None or not row[1]:
            raise NotFound("unknown guest")
        (username, _, drink_id, name, drink_modifiers, in_stock, price, category, first_id,
         nth_newest, open_orders, queued, kept, last_number, open_value, station_open) = row
        if first_id is not None:
            order = _load(first_id)
            return Placed(OrderInfo.of(order), created=False, loaded=order)
        limits.check_orders(
            per_minute, datetime.fromisoformat(nth_newest) if nth_newest else None, now=now
        )
        if drink_id is None:
            raise NotFound(f"no drink {self.drink_id!r} on the menu")
        if not in_stock:
            raise DrinkUnavailable(f"{name} is out of stock right now", params={"drink": name})
        chosen = clean_modifiers(name, json.loads(drink_modifiers), self.modifiers)
        if open_value is not None and not json.loads(open_value):
            raise ShopClosed("the bar is closed right now")
        station = stations.route(settings, drink_id, category)
        where = station.id if station else None
        if where != likely:  # the menu moved the drink since bar.toml: read its station's
            queued, kept = shop.queue_length(where), None
            station_open = json.dumps(shop.is_open(where)) if where else None
        if station is not None and station_open is not None and not json.loads(station_open):
            raise ShopClosed(stations.closed_message(settings, station))
        max_queue = station.rules.max_queue if station else rules.max_queue
        if rules.popup:
            scan.use_drink(self.scan_code, station.rules if station else rules, now=now,
                           station=where)
        if open_orders >= rules.max_open_orders_per_guest:
            raise TooManyOpenOrders(
                f"you already have {open_orders} open order{'s' if open_orders > 1 else ''}: "
                "collect it before ordering again"
            )
        if queued >= max_queue:
            raise QueueFull(f"the {station.name}'s queue is full, try again in a few minutes"
                            if station else "queue full, try again in a few minutes")
        number = (last_number or 0) + 1
        created = _ISO(now)
        price = None if price is None else round(price, 2)  # the drink's, in cents (a REAL)
        _INSERT.execute(
            id=self.order_id, number=number, day=self.day, drink=drink_id, drink_name=name,
            price=price, guest=self.user_key,
            modifiers=_JSON(chosen), note=self.note, status=PENDING, scan_code=self.scan_code,
            idempotency_key=self.idempotency_key, created_at=created, updated_at=created,
            station=where,
        )
        shop.queue_moved(1, where, kept=kept is not None)
        # The events' views straight from what was written: no models to build.
        info = OrderInfo(
            order_id=self.order_id, number=number, user_key=self.user_key, username=username,
            drink_id=drink_id, drink_name=name, modifiers=chosen, note=self.note, status=PENDING,
            barista=None, cancel_reason=None, created_at=now, updated_at=now, ready_at=None,
            completed_at=None, price=price, station=where,
        )
        _publish_new(info, PublicOrder(number, first_name(username), name, PENDING, now, where,
                                       drink_id), now)
        if queued + 1 >= max_queue:
            shop.queue_filled(max_queue, now=now, station=where)
        return Placed(info, created=True)


def _load(order_id: str) -> Order:
    order = (
        Order.select(Order, Drink, Guest).join(Drink).switch(Order).join(Guest)
        .where(Order.id == order_id).first()
    )
    if order is None:
        raise NotFound("no such order")
    return order


def get_order(order_id: str) -> Order:
    return _load(str(order_id))


def find_by_number(number: int, *, day_starts_at: int, now: datetime) -> Order:
    """Today's order with that number (what the barista calls out)."""
    order = (
        Order.select(Order.id)
        .where(Order.number == number, Order.day == business_day(now, day_starts_at))
        .first()
    )
    if order is None:
        raise NotFound(f"no order #{number} today")
    return _load(order.id)


def move(
    order_id: str, to: str, *, actor: Actor, now: datetime, barista: str | None = None,
    reason: str | None = None, user_key: str | None = None,
) -> Order:
    """Move an order along the status machine; refuses any move not in `TRANSITIONS`.

    `user_key` (for guests) makes sure a guest moves only their own orders.
    """
    if to not in STATUSES:
        raise InvalidInput(f"unknown status {to!r}: one of {', '.join(STATUSES)}")
    reason_text = clean_text(reason or "", field="reason", max_len=200) or None
    with write():
        order = _load(str(order_id))
        if user_key is not None and order.guest.user_key != user_key:
            raise Forbidden("that is not your order")
        allowed = TRANSITIONS.get((order.status, to), frozenset())
        if actor not in allowed:
            raise InvalidTransition(_refusal(order, to, actor))
        _apply(order, to, actor=actor, now=now, barista=barista, reason=reason_text)
        return order


def _refusal(order: Order, to: str, actor: Actor) -> str:
    if actor == "guest" and to == CANCELLED:
        return f"order #{order.number} is {order.status}: only pending orders can be cancelled"
    return f"order #{order.number} cannot go from {order.status} to {to}"


def _apply(
    order: Order, to: str, *, actor: Actor, now: datetime, barista: str | None = None,
    reason: str | None = None,
) -> None:
    # The step is kept (`bar.history` recalls a barista's last one), before the order changes.
    Move.create(order=order.id, from_status=order.status, to_status=to, actor=actor,
                by=barista if actor == "barista" else None, barista_before=order.barista, at=now)
    if to == PREPARING:
        order.barista = barista
    elif to == PENDING:
        order.barista = None
    elif to == READY:
        order.ready_at = now
    elif to == SERVED:
        order.completed_at = now
    if to in (CANCELLED, EXPIRED):
        order.cancel_reason = reason
    left_queue = order.status in QUEUE_STATUSES and to not in QUEUE_STATUSES
    shop.queue_moved((to in QUEUE_STATUSES) - (order.status in QUEUE_STATUSES), order.station)
    order.status = to
    order.updated_at = now
    order.save()
    publish_change(order, now)
    if left_queue:
        shop.queue_left(now=now, station=order.station)


def advance(order_id: str, *, barista: str | None, now: datetime) -> Order:
    """The barista's one key: pending → preparing → ready → served."""
    order = _load(str(order_id))
    if order.status not in NEXT_STATUS:
        raise InvalidTransition(f"order #{order.number} is {order.status}: nothing to advance")
    return move(order.id, NEXT_STATUS[order.status], actor="barista", barista=barista, now=now)


def _under_own_rules(
    rules: Rules, own: Sequence[StationSpec], condition: Callable[[Rules], Any | None]
) -> Any | None:
    """`condition` of each order under its station's rules (`own`, `[stations.rules]`),
    the bar's `rules` for an order of no station; None where no rules make it true."""
    ids = [station.id for station in own]
    groups = [((Order.station.is_null() | Order.station.not_in(ids)) if ids else None, rules),
              *((Order.station == station.id, station.rules) for station in own)]
    where = None
    for which, its_rules in groups:
        holds = condition(its_rules)
        if holds is None:
            continue
        holds = holds if which is None else which & holds
        where = holds if where is None else where | holds
    return where


def expire_overdue(rules: Rules, *, now: datetime, own: Sequence[StationSpec] = ()) -> list[Order]:
    """Expire orders not made within `barista_timeout` and ready ones not collected, each
    under its station's timeouts (`own`: the stations with rules of their own).

    Idempotent: safe to run from every process, as often as wanted.
    """
    overdue_where = _under_own_rules(rules, own, lambda r: (
        ((Order.status == PENDING) & (Order.created_at <= now - r.barista_timeout))
        | ((Order.status == READY) & (Order.ready_at <= now - r.uncollected_timeout))
    ))
    with write():
        overdue = (
            Order.select(Order, Drink, Guest).join(Drink).switch(Order).join(Guest)
            .where(overdue_where)
            .order_by(Order.created_at)
        )
        expired = []
        for order in overdue:
            why = reasons.NOT_MADE_IN_TIME if order.status == PENDING else reasons.NOT_COLLECTED_IN_TIME
            _apply(order, EXPIRED, actor="system", now=now, reason=reasons.text(why))
            expired.append(order)
        return expired


def remind_uncollected(
    rules: Rules, *, now: datetime, own: Sequence[StationSpec] = ()
) -> list[Order]:
    """Tell a guest once more about a drink that has waited `remind_after` at the bar
    (each order under its station's rules, as `expire_overdue`).

    Once per order (`reminded_at`); idempotent like `expire_overdue`.
    """
    due_where = _under_own_rules(rules, own, lambda r: (
        None if r.remind_after >= r.uncollected_timeout  # it would expire first
        else Order.ready_at <= now - r.remind_after
    ))
    if due_where is None:
        return []
    with write():
        due = (
            Order.select(Order, Drink, Guest).join(Drink).switch(Order).join(Guest)
            .where(Order.status == READY, Order.reminded_at.is_null(), due_where)
            .order_by(Order.ready_at)
        )
        reminded = []
        for order in due:
            order.reminded_at = now
            order.save()
            guest_view = OrderInfo.of(order).for_guest()
            events.publish(
                events.guest_channel(order.guest.user_key), OrderReminder(guest_view), now=now
            )
            Notification.create(
                guest=order.guest, type=ORDER_REMINDER, payload=guest_view.to_payload(),
                created_at=now,
            )
            reminded.append(order)
        return reminded


def list_orders(
    *, statuses: tuple[str, ...] | None = None, user_key: str | None = None, limit: int = 500,
    newest_first: bool = True, after: str | None = None, station: str | None = None,
) -> list[Order]:
    """At most `limit` orders, oldest or newest first, with their drink and guest.

    The order is total and stable: by `created_at`, then `number`, then `id` (orders
    placed in the same microsecond still come one way only). `after` is an order's id,
    a keyset cursor: only the orders that come after that one in this order, so a
    listing read page by page loses and repeats none while new orders arrive. Raises
    `InvalidInput` for an id that is no order. `station`: that station's orders only.
    """
    query = Order.select(Order, Drink, Guest).join(Drink).switch(Order).join(Guest)
    if statuses:
        query = query.where(Order.status.in_(statuses))
    if station is not None:
        query = query.where(Order.station == station)
    if user_key:
        query = query.where(Order.guest == user_key)
    if after is not None:
        query = query.where(_beyond(after, newest_first))
    keys = (Order.created_at, Order.number, Order.id)
    order_by = [k.desc() for k in keys] if newest_first else list(keys)
    return list(query.order_by(*order_by).limit(limit))


def _beyond(order_id: str, newest_first: bool) -> Any:
    """The condition "comes after order `order_id`" in `list_orders`' order."""
    mark = Order.get_or_none(Order.id == order_id)
    if mark is None:
        raise InvalidInput(f"no order {order_id!r} to list on from")
    # (created_at, number, id) past the mark's, spelled out rather than as a row value
    # so each side goes through its field's conversion (created_at is ISO text).
    past = operator.lt if newest_first else operator.gt
    created, number = Order.created_at, Order.number
    return past(created, mark.created_at) | ((created == mark.created_at) & (
        past(number, mark.number) | ((number == mark.number) & past(Order.id, mark.id))))


def iter_orders(
    *, statuses: tuple[str, ...] | None = None, newest_first: bool = False, batch: int = 500,
    station: str | None = None,
) -> Iterator[Order]:
    """Every matching order, read `batch` at a time: a listing of any length in little memory."""
    after: str | None = None
    while True:
        page = list_orders(statuses=statuses, newest_first=newest_first, limit=batch, after=after,
                           station=station)
        yield from page
        if len(page) < batch:
            return
        after = page[-1].id
