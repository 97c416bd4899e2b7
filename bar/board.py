"""What a TV board shows: the one rule both boards render (`/display` and `bar display`).

A board is read by the whole room, and its web page is anonymous. So of an order it
shows what `PublicOrder` carries (number, first name, drink, status: never a note, a
user key or an order id), in three columns like a fast-food order-status board:

- "In line": the pending orders, oldest first (`MAX_WAITING` of them and how many there
  are; a board shows as many as fit and "+N more");
- "Preparing" and "Ready": at most `MAX_TICKETS` each, oldest first;

and besides them whether the bar is open, the host's latest announcement while it is
fresh (`ANNOUNCEMENT_SHOWN_FOR`), and the party's invite for the web board
(`board_invite`).

The invite on an anonymous page: the party's invite is the QR code the host puts on
the wall and on the kiosk for everyone in the room to scan, so a board showing it tells
nobody anything the room cannot see. It is shown only where that holds: in party mode,
with `display.show_join_code` on, and only the invite the kiosk shows anyway (the
newest that still registers guests). Reading the board never makes a code, and never
shows a pop-up's rotating scan code (only a signed-in admin's board does: a scan code
is good for drinks, so it must stay in the room). A host whose Wi-Fi reaches people who
are not guests turns `show_join_code` off: the board then shows no code at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bar import events, orders, registration, shop
from bar.config import Settings
from bar.db import db
from bar.models import Order
from bar.net import join_url
from bar.payloads import Announcement, PublicOrder
from bar.status import PENDING, PREPARING, READY

MAX_TICKETS = 14  # Preparing and Ready: what fits on a TV and reads across the room
MAX_WAITING = 50  # In line: more than any board fits; the count says the rest
# An announcement stays on the boards this long: long enough to be seen by a room
# that glances at the TV now and then, short enough not to say "Last call!" all night.
ANNOUNCEMENT_SHOWN_FOR = timedelta(minutes=2)


@dataclass(frozen=True)
class BoardNews:
    """The host's latest announcement, while the boards still show it."""

    message: str
    at: datetime
    until: datetime
    kind: str | None = None  # the bar's own words, to translate (`Announcement.kind`)

    def to_payload(self, now: datetime) -> dict[str, Any]:
        # Seconds left rather than a time: the TV's clock need not agree with ours.
        left = max(0.0, (self.until - now).total_seconds())
        return {"message": self.message, "at": self.at.isoformat(), "seconds_left": round(left, 1),
                "kind": self.kind}


@dataclass(frozen=True)
class BoardInvite:
    """The party's invite, as the web board shows it (see the module's doc)."""

    code: str
    join_url: str
    expires_at: datetime

    def to_payload(self) -> dict[str, Any]:
        return {"code": self.code, "join_url": self.join_url,
                "expires_at": self.expires_at.isoformat()}


@dataclass(frozen=True)
class Board:
    """Everything a board shows but the code, read in one go."""

    waiting: tuple[PublicOrder, ...] = ()  # oldest first, at most MAX_WAITING
    waiting_count: int = 0  # all of them
    preparing: tuple[PublicOrder, ...] = ()
    ready: tuple[PublicOrder, ...] = ()
    is_open: bool = True
    announcement: BoardNews | None = None

    @property
    def waiting_beyond(self) -> int:
        """Pending orders not in `waiting` (past `MAX_WAITING`)."""
        return self.waiting_count - len(self.waiting)

    def to_payload(self, now: datetime) -> dict[str, Any]:
        def column(tickets: tuple[PublicOrder, ...]) -> list[dict[str, Any]]:
            return [ticket.to_payload() for ticket in tickets]

        return {
            "waiting": column(self.waiting),
            "waiting_count": self.waiting_count,
            "preparing": column(self.preparing),
            "ready": column(self.ready),
            "announcement": self.announcement.to_payload(now) if self.announcement else None,
        }


def read(*, now: datetime, station: str | None = None) -> Board:
    """The board at `now`: three short queries and two one-row reads, in one snapshot.

    `station`: that station's board (`bar.stations`): its orders, open if both the bar
    and the station are. None: every order, each ticket saying where it is made."""

    def column(status: str, limit: int) -> tuple[PublicOrder, ...]:
        rows = orders.list_orders(statuses=(status,), newest_first=False, limit=limit,
                                  station=station)
        return tuple(PublicOrder.of(order) for order in rows)

    with db.atomic():  # one read transaction: the columns agree with each other
        waiting = column(PENDING, MAX_WAITING)
        count = len(waiting)
        if count == MAX_WAITING:
            pending = Order.select().where(Order.status == PENDING)
            if station is not None:
                pending = pending.where(Order.station == station)
            count = pending.count()
        return Board(
            waiting=waiting, waiting_count=count,
            preparing=column(PREPARING, MAX_TICKETS), ready=column(READY, MAX_TICKETS),
            is_open=shop.is_open() and (station is None or shop.is_open(station)),
            announcement=latest_announcement(now=now),
        )


def latest_announcement(*, now: datetime) -> BoardNews | None:
    """The newest announcement, if it was made less than `ANNOUNCEMENT_SHOWN_FOR` ago."""
    found = events.read_last(1, [events.ANNOUNCEMENTS], [events.ANNOUNCEMENT])
    if not found or not isinstance(news := found[0].data, Announcement):
        return None
    at = news.at or found[0].created_at
    until = at + ANNOUNCEMENT_SHOWN_FOR
    if now >= until:
        return None
    return BoardNews(news.message, at, until, news.kind)


def board_invite(settings: Settings, *, now: datetime) -> BoardInvite | None:
    """The invite an anonymous board may show, or None (see the module's doc)."""
    if settings.rules.popup or not settings.show_join_code:
        return None
    row = registration.active_invite(now=now)
    if row is None:
        return None
    return BoardInvite(row.code, join_url(settings, row.code), row.expires_at)
