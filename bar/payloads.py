"""What each event says: one typed dataclass per event type, and the order's shapes.

A service builds these and appends them with `bar.events.publish`, inside the
transaction of the change they announce. `to_payload` is the JSON kept in the `events`
table and sent on the wire (a WebSocket message's `event` is `{"type": ..., **payload}`);
`from_payload` reads it back, so a reader gets the typed event of a row from
`BarEvent.data` instead of picking keys out of a dict. Each shape is written once here.

An order travels in one of three views, chosen by the channel it is published on:

- `OrderInfo`: the whole order, on `admin` and in a guest's own `NEW_ORDER` (and in
  the REST API, as `bar.orders.order_dict`);
- `OrderInfo.for_guest()`: the same without `user_key` and `username`, for the changes
  on the guest's channel and the notifications kept for them;
- `PublicOrder`: number, first name, drink and status, for the public `display` board.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Self

from bar import reasons
from bar.models import Order
from bar.status import CANCELLED, EXPIRED, READY

# Event types: the `type` of a row and of the event a socket receives.
NEW_ORDER = "NEW_ORDER"
ORDER_STATUS_CHANGED = "ORDER_STATUS_CHANGED"
ORDER_EXPIRED = "ORDER_EXPIRED"
SHOP_STATUS_CHANGED = "SHOP_STATUS_CHANGED"
MENU_CHANGED = "MENU_CHANGED"
ANNOUNCEMENT = "ANNOUNCEMENT"
ORDER_REMINDER = "ORDER_REMINDER"  # ready a while and not collected: told once more
GUEST_SIGNED_OUT = "GUEST_SIGNED_OUT"  # kicked by the host: sockets close, tokens stop
GUEST_LET_BACK = "GUEST_LET_BACK"  # the host lifted a kick: that name and phone may join
ORDER_REFUSED = "ORDER_REFUSED"  # turned away (closed, queue full, ...): admins only

# Notification types: what a guest must not miss, kept unread until read. Besides
# these, an `ORDER_REMINDER` and an `ANNOUNCEMENT` are kept too.
ORDER_READY = "ORDER_READY"
ORDER_CANCELLED = "ORDER_CANCELLED"
NOTIFY_ON = {READY: ORDER_READY, CANCELLED: ORDER_CANCELLED, EXPIRED: ORDER_EXPIRED}


def first_name(username: str) -> str:
    """What the public board shows of a guest: "Ana Lopez" is "Ana"."""
    return username.split()[0] if username.split() else username


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# -- the order's shapes -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderInfo:
    """An order as the guest and the admin see it (the API's and the events' shape)."""

    order_id: str
    number: int
    # None in the guest's own view (`for_guest`): the payload leaves both keys out.
    user_key: str | None
    username: str | None
    drink_id: str
    drink_name: str
    modifiers: dict[str, str]
    note: str
    status: str
    barista: str | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None
    completed_at: datetime | None
    # What the drink cost when it was ordered (None: no price on the menu then).
    price: float | None = None
    # Where it is made (`bar.stations`); None at a bar without stations.
    station: str | None = None

    @classmethod
    def of(cls, order: Order) -> OrderInfo:
        """From a loaded order (with its guest and drink)."""
        return cls(
            order_id=order.id, number=order.number,
            user_key=order.guest.user_key, username=order.guest.username,
            drink_id=order.drink.id, drink_name=order.drink_name or order.drink.name,
            modifiers=dict(order.modifiers), note=order.note, status=order.status,
            barista=order.barista, cancel_reason=order.cancel_reason,
            created_at=order.created_at, updated_at=order.updated_at,
            ready_at=order.ready_at, completed_at=order.completed_at, price=order.price,
            station=order.station,
        )

    def for_guest(self) -> OrderInfo:
        """The guest's own view: who ordered goes without saying."""
        return replace(self, user_key=None, username=None)

    def to_payload(self) -> dict[str, Any]:
        who = {} if self.user_key is None else {"user_key": self.user_key, "username": self.username}
        return {
            "order_id": self.order_id,
            "number": self.number,
            **who,
            "drink_id": self.drink_id,
            "drink_name": self.drink_name,
            "modifiers": self.modifiers,
            "note": self.note,
            "status": self.status,
            "barista": self.barista,
            "cancel_reason": self.cancel_reason,
            # The template the reason reads as (`bar.reasons`), for the guest's language;
            # None: the barista's own words, shown as typed.
            "cancel_reason_code": reasons.code_of(self.cancel_reason),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "ready_at": _iso(self.ready_at),
            "completed_at": _iso(self.completed_at),
            "price": self.price,
            "station": self.station,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OrderInfo:
        return cls(
            order_id=str(payload["order_id"]), number=int(payload["number"]),
            user_key=payload.get("user_key"), username=payload.get("username"),
            drink_id=str(payload["drink_id"]), drink_name=str(payload["drink_name"]),
            modifiers={str(k): str(v) for k, v in (payload.get("modifiers") or {}).items()},
            note=str(payload.get("note") or ""), status=str(payload["status"]),
            barista=payload.get("barista"), cancel_reason=payload.get("cancel_reason"),
            created_at=datetime.fromisoformat(payload["created_at"]),
            updated_at=datetime.fromisoformat(payload["updated_at"]),
            ready_at=_time(payload.get("ready_at")),
            completed_at=_time(payload.get("completed_at")),
            price=payload.get("price"),
            station=payload.get("station"),
        )


@dataclass(frozen=True)
class PublicOrder:
    """What the public board may show of an order: no user keys, no ids, first names."""

    number: int
    first_name: str
    drink_name: str
    status: str
    updated_at: datetime
    station: str | None = None  # where to pick it up (`bar.stations`)
    # The menu's drink, so a board can name it in its own language (`/api/menu?lang=`);
    # None in events of older versions.
    drink_id: str | None = None

    @classmethod
    def of(cls, order: Order) -> PublicOrder:
        return cls(order.number, first_name(order.guest.username),
                   order.drink_name or order.drink.name, order.status, order.updated_at,
                   order.station, order.drink_id)

    def to_payload(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "first_name": self.first_name,
            "drink_name": self.drink_name,
            "status": self.status,
            "updated_at": self.updated_at.isoformat(),
            "station": self.station,
            "drink_id": self.drink_id,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PublicOrder:
        return cls(int(payload["number"]), str(payload["first_name"]), str(payload["drink_name"]),
                   str(payload["status"]), datetime.fromisoformat(payload["updated_at"]),
                   payload.get("station"), payload.get("drink_id"))


# -- the events ---------------------------------------------------------------------------


class EventPayload(ABC):
    """A typed event: `type` names it in the table and on the wire."""

    type: ClassVar[str]

    @abstractmethod
    def to_payload(self) -> dict[str, Any]:
        """The event's JSON object, as stored and sent."""

    @classmethod
    @abstractmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """The event read back from its JSON object."""


@dataclass(frozen=True)
class OrderEvent(EventPayload):
    """An order, in the view of the channel it was published on (see the module's doc)."""

    order: OrderInfo | PublicOrder

    def to_payload(self) -> dict[str, Any]:
        return self.order.to_payload()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        # Only the board's view has no order id.
        view = OrderInfo if "order_id" in payload else PublicOrder
        return cls(view.from_payload(payload))


@dataclass(frozen=True)
class NewOrder(OrderEvent):
    type: ClassVar[str] = NEW_ORDER


@dataclass(frozen=True)
class OrderStatusChanged(OrderEvent):
    """Every move, expiry and cancellation included. `recalled`: the change undoes a
    barista's move (`bar.history.recall`); a ready drink recalled from served is the same
    drink, and a printer does not print its ticket again."""

    type: ClassVar[str] = ORDER_STATUS_CHANGED
    recalled: bool = False

    def to_payload(self) -> dict[str, Any]:
        # No key for an ordinary move: its events read as before.
        return {**super().to_payload(), "recalled": True} if self.recalled else super().to_payload()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        view = OrderInfo if "order_id" in payload else PublicOrder
        return cls(view.from_payload(payload), recalled=payload.get("recalled") is True)


@dataclass(frozen=True)
class OrderExpired(OrderEvent):
    """Sent after the `ORDER_STATUS_CHANGED` of an expiry, to the guest and the admins."""

    type: ClassVar[str] = ORDER_EXPIRED


@dataclass(frozen=True)
class OrderReminder(OrderEvent):
    """A drink has waited at the bar a while: the guest is told once more."""

    type: ClassVar[str] = ORDER_REMINDER


@dataclass(frozen=True)
class ShopStatusChanged(EventPayload):
    """The bar opened or closed, or its queue filled up or has room again (`bar.shop`)."""

    type: ClassVar[str] = SHOP_STATUS_CHANGED
    is_open: bool
    queue_full: bool = False  # absent from events of older versions
    # One station's switch and queue (`bar.stations`); None: the bar's, and no key.
    station: str | None = None

    def to_payload(self) -> dict[str, Any]:
        where = {} if self.station is None else {"station": self.station}
        return {"is_open": self.is_open, "queue_full": self.queue_full, **where}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(bool(payload["is_open"]), bool(payload.get("queue_full", False)),
                   payload.get("station"))


@dataclass(frozen=True)
class MenuChanged(EventPayload):
    """A drink changed: its stock, or (`change`) added, edited, retired, restored,
    moved, its photo, imported. `drink` is the drink as pages show it
    (`bar.menu.drink_dict`); `is_active` is whether guests can order it now (false for
    a retired drink). Events of older versions have neither `change` nor `drink`."""

    type: ClassVar[str] = MENU_CHANGED
    drink_id: str
    name: str
    is_active: bool
    change: str = "stock"
    drink: Mapping[str, Any] | None = None

    def to_payload(self) -> dict[str, Any]:
        return {"drink_id": self.drink_id, "name": self.name, "is_active": self.is_active,
                "change": self.change, "drink": dict(self.drink) if self.drink else None}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(str(payload["drink_id"]), str(payload["name"]), bool(payload["is_active"]),
                   str(payload.get("change") or "stock"), payload.get("drink"))


@dataclass(frozen=True)
class Announcement(EventPayload):
    """A message from the host to every guest.

    `kind` names a message the bar says by itself in its own words (`"last_call"`: the
    daily last call with bar.toml's default message): a page shows its own translation
    of it. None: the host's words, shown as written."""

    type: ClassVar[str] = ANNOUNCEMENT
    message: str
    at: datetime | None  # None only in events of older versions
    kind: str | None = None

    def to_payload(self) -> dict[str, Any]:
        # No `kind` key for the host's words: their events read as before.
        own = {} if self.kind is None else {"kind": self.kind}
        return {"message": self.message, "at": _iso(self.at), **own}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(str(payload.get("message", "")), _time(payload.get("at")), payload.get("kind"))


@dataclass(frozen=True)
class GuestSignedOut(EventPayload):
    """The host kicked a guest: their sockets close, their tokens stop working."""

    type: ClassVar[str] = GUEST_SIGNED_OUT
    user_key: str
    username: str

    def to_payload(self) -> dict[str, Any]:
        return {"user_key": self.user_key, "username": self.username}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(str(payload["user_key"]), str(payload["username"]))


@dataclass(frozen=True)
class GuestLetBack(EventPayload):
    """The host lifted a kick (`bar guests unkick`): that name and phone may join again."""

    type: ClassVar[str] = GUEST_LET_BACK
    username: str
    user_keys: tuple[str, ...]  # the guests whose kicks were lifted

    def to_payload(self) -> dict[str, Any]:
        return {"username": self.username, "user_keys": list(self.user_keys)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(str(payload["username"]), tuple(str(k) for k in payload.get("user_keys", ())))


@dataclass(frozen=True)
class OrderRefused(EventPayload):
    """A guest's order was turned away (`bar.refusals`), on the admin channel only.

    `count` refusals of this guest for this `reason` (an error code: `shop_closed`,
    `queue_full`, `window_spent`, `too_many_open_orders`) between `first_at` and
    `last_at`: a guest's repeated taps within a few seconds are counted in one event.
    """

    type: ClassVar[str] = ORDER_REFUSED
    user_key: str
    username: str
    reason: str
    count: int
    first_at: datetime
    last_at: datetime

    def to_payload(self) -> dict[str, Any]:
        return {"user_key": self.user_key, "username": self.username, "reason": self.reason,
                "count": self.count, "first_at": self.first_at.isoformat(),
                "last_at": self.last_at.isoformat()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        return cls(str(payload["user_key"]), str(payload["username"]), str(payload["reason"]),
                   int(payload["count"]), datetime.fromisoformat(payload["first_at"]),
                   datetime.fromisoformat(payload["last_at"]))


EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.type: cls
    for cls in (NewOrder, OrderStatusChanged, OrderExpired, OrderReminder, ShopStatusChanged,
                MenuChanged, Announcement, GuestSignedOut, GuestLetBack, OrderRefused)
}


def decode(type_name: str, payload: Mapping[str, Any]) -> EventPayload | None:
    """The typed event of a stored row; None for a type this version does not know."""
    cls = EVENT_TYPES.get(type_name)
    return cls.from_payload(payload) if cls is not None else None
