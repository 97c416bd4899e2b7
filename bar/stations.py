"""Stations: the places in one event that make drinks (a cocktail bar, a coffee corner).

A station is a `[[stations]]` table of `bar.toml` (`bar.config.StationSpec`): its
`categories` of the menu, and `drinks` listed by id whatever their category (a drink
listed by a station goes there before any category's station). A drink no station
claims goes to the first station, so a new drink is never without a place.

Without `[[stations]]` the bar is one implicit station, exactly as before stations
existed: its orders carry `"station": null`, its queue is the bar's, and nothing else
in this module changes anything.

Each station has its own queue (its `max_queue`, `[stations.rules]`), its own switch
(`bar shop close --station coffee`: that station's drinks are refused, the others' are
not) and its own channels: an order's events go to `admin` and `display` as always and
also to `admin/<id>` and `display/<id>` (the same readers may read them: admins, and
anyone). A guest's open-order limit is one limit across every station. Order numbers
are one sequence per business day across stations, so a number called out names one
order in the whole room.

The counts and switches themselves live in `bar.shop`, keyed by station.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bar import events, shop
from bar.config import Rules, Settings, StationSpec
from bar.errors import InvalidInput
from bar.models import Order
from bar.status import QUEUE_STATUSES


def route(settings: Settings, drink_id: str, category: str) -> StationSpec | None:
    """The station that makes `drink_id` (of `category`); None at a bar without stations."""
    stations = settings.stations
    if not stations:
        return None
    for station in stations:
        if drink_id in station.drinks:
            return station
    wanted = category.strip().casefold()
    for station in stations:
        if any(c.casefold() == wanted for c in station.categories):
            return station
    return stations[0]


def guess(settings: Settings, drink_id: str) -> StationSpec | None:
    """The station of `drink_id` as `bar.toml`'s menu names its category: read before the
    write lock, so the queue it reads with the rules is most likely the right one."""
    if not settings.stations:
        return None
    category = next((d.category for d in settings.menu if d.id == drink_id), "")
    return route(settings, drink_id, category)


def find(settings: Settings, station_id: str | None) -> StationSpec | None:
    """The station `station_id` (None or "": none); `InvalidInput` for an unknown one."""
    if not station_id:
        return None
    for station in settings.stations:
        if station.id == station_id:
            return station
    known = ", ".join(s.id for s in settings.stations) or "none: bar.toml has no [[stations]]"
    raise InvalidInput(f"no station {station_id!r} (stations: {known})")


def rules_of(settings: Settings, station_id: str | None) -> Rules:
    """The rules an order at that station is placed under."""
    for station in settings.stations:
        if station.id == station_id:
            return station.rules
    return settings.rules


def name_of(settings: Settings, station_id: str | None) -> str:
    """What guests call it ("Coffee corner"); the bar's name at a bar without stations."""
    for station in settings.stations:
        if station.id == station_id:
            return station.name
    return settings.name


def channels(channel: str, station: str | None) -> list[str]:
    """Where an order event of `channel` (admin, display) goes: the channel, and the
    station's own beside it."""
    return [channel] if station is None else [channel, f"{channel}/{station}"]


def station_channel(channel: str) -> tuple[str, str] | None:
    """("admin", "coffee") for "admin/coffee"; None for any other channel."""
    base, _, station = channel.partition("/")
    if station and base in (events.ADMIN, events.DISPLAY):
        return base, station
    return None


def closed_message(settings: Settings, station: StationSpec) -> str:
    """Why a closed station refuses a drink, and where the guest can still order."""
    open_ones = [s.name for s in settings.stations if s.id != station.id and shop.is_open(s.id)]
    where = f": the {' and the '.join(open_ones)} {'is' if len(open_ones) == 1 else 'are'} open" \
        if open_ones else ""
    return f"the {station.name} is closed right now{where}"


def queued(station: str | None) -> int:
    """Counted from the rows (not the kept count): the recall's rare check."""
    return (Order.select().where(Order.status.in_(QUEUE_STATUSES),
                                 Order.station.is_null() if station is None
                                 else Order.station == station).count())


def with_stations(settings: Settings, drinks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The menu's drinks (`bar.menu.drink_dict`), each with the `station` that makes it
    (left as they are at a bar without stations)."""
    if not settings.stations:
        return drinks
    routed = []
    for drink in drinks:
        station = route(settings, str(drink["id"]), str(drink.get("category") or ""))
        routed.append({**drink, "station": station.id if station else None})
    return routed


def makes(settings: Settings, station_id: str, drinks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The drinks (`bar.menu.drink_dict`) that station `station_id` makes, each with its
    `station`; `InvalidInput` for a station `bar.toml` does not have."""
    station = find(settings, station_id)
    return [d for d in with_stations(settings, drinks) if station and d["station"] == station.id]


def sync_queues_full(settings: Settings, *, now: datetime) -> None:
    """`bar.shop.sync_queue_full` for the bar and each station (the housekeeping's)."""
    shop.sync_queue_full(settings.rules.max_queue, now=now)
    for station in settings.stations:
        shop.sync_queue_full(station.rules.max_queue, now=now, station=station.id)


@dataclass(frozen=True)
class StationState:
    """A station as pages and kiosks show it."""

    id: str
    name: str
    is_open: bool
    queue_full: bool
    queue: int
    max_queue: int

    def to_payload(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "is_open": self.is_open,
                "queue_full": self.queue_full, "queue": self.queue, "max_queue": self.max_queue}


def states(settings: Settings, only: Iterable[str] | None = None) -> list[StationState]:
    """Each station's switch and queue (none at a bar without stations)."""
    wanted = set(only) if only is not None else None
    found = []
    for station in settings.stations:
        if wanted is not None and station.id not in wanted:
            continue
        length = shop.queue_length(station.id)
        found.append(StationState(
            station.id, station.name, shop.is_open(station.id),
            length >= station.rules.max_queue, length, station.rules.max_queue))
    return found
