"""A known night, played through the core services at known times, and its figures.

The bar is in Berlin (UTC+1 in November), so local midnight is 23:00 UTC: a figure
computed in UTC, or cut at midnight instead of at `day_starts_at` (06:00), comes out
wrong. Business day 2024-11-15 runs from Friday 06:00 to Saturday 06:00 local.

     #  local (Nov 15/16)  guest  drink              what happens                wait
     1  22:50              Ana    Negroni            ready 22:54, served 22:55   240 s
     2  23:05              Bo     Flat White         ready 23:08, served 23:09   180 s
     3  23:20              Cy     Negroni            guest cancels 23:21
     4  23:45              Dee    Aperol Spritz      ready 23:53, served 23:56   480 s
     5  00:02              Ana    Negroni            ready 00:04, served 00:05   120 s
     6  00:05              Bo     Negroni            ready 00:10, served 00:11   300 s
     7  00:12              Cy     Espresso Martini   ready 00:13, not collected:  60 s
                                                    expired at 00:30
     8  00:40              Ana    Flat White         never made: expired at 01:00
     9  00:50              Dee    Negroni            ready 01:00, served 01:02   600 s
    10  01:30              Bo     Espresso           claimed, still preparing

Plus, on the business day before (2024-11-14), Eli's espresso at 05:40 on Nov 15:
ready 05:43 (180 s), served 05:44.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bar import orders
from bar.clock import FrozenClock
from bar.config import Settings
from tests.conftest import Factory

ZONE = "Europe/Berlin"
DAY = "2024-11-15"
EARLY_DAY = "2024-11-14"


@contextmanager
def local_zone(name: str = ZONE) -> Iterator[None]:
    """Make `name` this process's local time zone (Python's and SQLite's `localtime`)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def local(hhmm: str, day: int = 15) -> datetime:
    """Nov `day` 2024 at `hh:mm` in Berlin, as an aware UTC time."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2024, 11, day, hour, minute, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def play(make: Factory, clock: FrozenClock, settings: Settings | None = None) -> None:
    """Play the night in the table above (the clock ends at 01:40 on Nov 16)."""
    settings = settings or make.settings
    clock.now = local("05:00")
    ana, bo, cy, dee, eli = (make.guest(n) for n in ("Ana", "Bo", "Cy", "Dee", "Eli"))
    placed: dict[int, str] = {}

    def order(number: int, when: datetime, guest: object, drink_id: str) -> None:
        clock.now = when
        placed[number] = make.order(guest, drink_id=drink_id).id  # type: ignore[arg-type]

    def to(number: int, status: str, when: datetime, actor: str = "barista") -> None:
        orders.move(placed[number], status, actor=actor, barista="Sam", now=when)  # type: ignore[arg-type]

    def made(number: int, ready: datetime, served: datetime | None = None) -> None:
        to(number, orders.PREPARING, ready)
        to(number, orders.READY, ready)
        if served:
            to(number, orders.SERVED, served)

    order(0, local("05:40"), eli, "espresso")
    made(0, local("05:43"), local("05:44"))
    order(1, local("22:50"), ana, "negroni")
    made(1, local("22:54"), local("22:55"))
    order(2, local("23:05"), bo, "flat-white")
    made(2, local("23:08"), local("23:09"))
    order(3, local("23:20"), cy, "negroni")
    to(3, orders.CANCELLED, local("23:21"), actor="guest")
    order(4, local("23:45"), dee, "aperol-spritz")
    made(4, local("23:53"), local("23:56"))
    order(5, local("00:02", 16), ana, "negroni")
    made(5, local("00:04", 16), local("00:05", 16))
    order(6, local("00:05", 16), bo, "negroni")
    made(6, local("00:10", 16), local("00:11", 16))
    order(7, local("00:12", 16), cy, "espresso-martini")
    made(7, local("00:13", 16))
    assert len(orders.expire_overdue(settings.rules, now=local("00:30", 16))) == 1
    order(8, local("00:40", 16), ana, "flat-white")
    order(9, local("00:50", 16), dee, "negroni")
    to(9, orders.PREPARING, local("00:55", 16))
    assert len(orders.expire_overdue(settings.rules, now=local("01:00", 16))) == 1
    to(9, orders.READY, local("01:00", 16))
    to(9, orders.SERVED, local("01:02", 16))
    order(10, local("01:30", 16), bo, "espresso")
    to(10, orders.PREPARING, local("01:31", 16))
    clock.now = local("01:40", 16)
