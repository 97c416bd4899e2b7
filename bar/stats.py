"""What the night looked like: orders per drink, waits, guests, the busiest hour.

Every figure is an SQL aggregate over the `orders` table (and `refusals`, the orders
turned away: `bar.refusals`), so it is the same after a restart, from any process, and
whether or not the events of the night were pruned.
Orders belong to the business day stored with them (`Order.day`): a night that runs
past midnight is one day. Hours and 10-minute slots are local wall-clock time (the
same zone as Python's `astimezone()`; `bar.db.Engine.local_time`). The SQL is the same
on both engines but for those times.

The JSON form (`Stats.to_dict`, printed by `bar stats --json`) is a stable interface:

    {"filter": {"day": "YYYY-MM-DD" | null, "since": ISO time | null},
     "days": ["YYYY-MM-DD", ...],
     "rows": [{"day", "drink_id", "drink", "ordered", "served", "cancelled", "expired",
               "open"}, ...],                     # per business day and drink
     "drinks": [{"drink_id", "drink", "ordered", ...}, ...],   # per drink, most ordered first
     "totals": {"ordered", "served", "cancelled", "expired", "open"},
     "guests": {"count", "mean_orders", "max_orders", "mean_served"},
     "wait": {"count", "p50_s", "p90_s"},         # ordered → ready, nearest-rank percentiles
     "busiest_hour": {"hour": "YYYY-MM-DD HH:00", "orders"} | null,
     "refused": {"total", "by_reason": {"queue_full": n, ...}},  # turned away, most first
     "revenue": number | null,   # served orders, each at the price it was ordered at
     "stations": [{"station", "ordered", "served", "cancelled", "expired", "open",
                   "wait": {"count", "p50_s", "p90_s"}}, ...]}  # per station (bar.stations)

`stations` breaks the orders down by the station that made them, in the order of their
ids; it is left out where no order has a station (a bar without stations).

`refused` counts orders turned away for a closed bar (`shop_closed`), a full queue
(`queue_full`), a spent scan window (`window_spent`) or the guest's limit of open
orders (`too_many_open_orders`); `by_reason` lists only the reasons that happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from peewee import SQL, Case, fn

from bar.db import engine
from bar.models import Drink, Order, Refusal
from bar.refusals import REASONS
from bar.status import FINAL_STATUSES, OPEN_STATUSES, SERVED

CSV_COLUMNS = ("day", "drink_id", "drink", "ordered", "served", "cancelled", "expired", "open")
SLOT_MINUTES = 10


@dataclass
class Counts:
    ordered: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0


@dataclass
class DrinkRow:
    day: str  # "" in the per-drink totals
    drink_id: str
    drink: str
    ordered: int
    served: int
    cancelled: int
    expired: int
    open: int


@dataclass
class StationRow:
    """One station's orders (`Counts`) and waits."""

    station: str
    counts: Counts
    waits: int = 0
    wait_p50_s: float | None = None
    wait_p90_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"station": self.station, **asdict(self.counts),
                "wait": {"count": self.waits, "p50_s": self.wait_p50_s, "p90_s": self.wait_p90_s}}


@dataclass
class Stats:
    day: str | None = None
    since: datetime | None = None
    days: list[str] = field(default_factory=list)
    rows: list[DrinkRow] = field(default_factory=list)
    drinks: list[DrinkRow] = field(default_factory=list)
    totals: Counts = field(default_factory=Counts)
    guests: int = 0
    mean_orders: float | None = None
    max_orders: int = 0
    mean_served: float | None = None
    waits: int = 0
    wait_p50_s: float | None = None
    wait_p90_s: float | None = None
    busiest_hour: str | None = None
    busiest_hour_orders: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # reason -> orders, most first
    # Served orders at the price each was ordered at; None when none had a price.
    revenue: float | None = None
    stations: list[StationRow] = field(default_factory=list)

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())

    def to_dict(self) -> dict[str, Any]:
        def drink(row: DrinkRow, with_day: bool) -> dict[str, Any]:
            data = asdict(row)
            return data if with_day else {k: v for k, v in data.items() if k != "day"}

        return {
            "filter": {"day": self.day, "since": self.since.isoformat() if self.since else None},
            "days": self.days,
            "rows": [drink(r, True) for r in self.rows],
            "drinks": [drink(r, False) for r in self.drinks],
            "totals": asdict(self.totals),
            "guests": {"count": self.guests, "mean_orders": self.mean_orders,
                       "max_orders": self.max_orders, "mean_served": self.mean_served},
            "wait": {"count": self.waits, "p50_s": self.wait_p50_s, "p90_s": self.wait_p90_s},
            "busiest_hour": ({"hour": self.busiest_hour, "orders": self.busiest_hour_orders}
                             if self.busiest_hour else None),
            "refused": {"total": self.refused_total, "by_reason": dict(self.refused)},
            "revenue": self.revenue,
            **({"stations": [s.to_dict() for s in self.stations]} if self.stations else {}),
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        return [{c: getattr(r, c) for c in CSV_COLUMNS} for r in self.rows]


def format_wait(seconds: float | None) -> str:
    """`4m 05s`, `45s`; `–` for no value."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def format_money(amount: float, currency: str = "") -> str:
    """`1,234.50 EUR` (the bar's ISO code, when bar.toml names one)."""
    return f"{amount:,.2f}" + (f" {currency}" if currency else "")


def refused_reasons(s: Stats) -> str:
    """`queue full 9, closed 5`: the orders turned away, by reason, most first."""
    return ", ".join(f"{REASONS.get(r, r)} {n}" for r, n in s.refused.items())


def turned_away(s: Stats) -> str:
    """`turned away: 14 (queue full 9, closed 5)`; `turned away: none`."""
    if not s.refused:
        return "turned away: none"
    return f"turned away: {s.refused_total} ({refused_reasons(s)})"


def _where(day: str | None, since: datetime | None) -> Any:
    condition: Any = SQL("TRUE")
    if day:
        condition &= Order.day == day
    if since:
        condition &= Order.created_at >= since
    return condition


def _local(column: Any, fmt: str) -> Any:
    return engine().local_time(column, fmt)


def _how_many(condition: Any) -> Any:
    """How many rows meet `condition` (SUM of a comparison is SQLite's only)."""
    return fn.SUM(Case(None, [(condition, 1)], 0))


def compute(day: str | None = None, *, since: datetime | None = None) -> Stats:
    """The figures for one business day (`YYYY-MM-DD`), orders since a time, or all."""
    where = _where(day, since)
    stats = Stats(day=day, since=since)
    for d, drink_id, name, *counts in _counts(where, Order.day).tuples():
        stats.rows.append(DrinkRow(d, drink_id, name, *counts))
    for drink_id, name, *counts in _counts(where).tuples():
        stats.drinks.append(DrinkRow("", drink_id, name, *counts))
        for key, value in zip(asdict(Counts()), counts, strict=True):
            setattr(stats.totals, key, getattr(stats.totals, key) + value)
    stats.days = sorted({r.day for r in stats.rows})
    _guests(stats, where)
    _waits(stats, where)
    busiest = (
        Order.select(_local(Order.created_at, "%Y-%m-%d %H:00").alias("hour"), fn.COUNT(Order.id))
        .where(where).group_by(SQL("hour")).order_by(fn.COUNT(Order.id).desc(), SQL("hour"))
        .limit(1).tuples().first()
    )
    if busiest:
        stats.busiest_hour, stats.busiest_hour_orders = busiest
    stats.refused = _refused(day, since)
    revenue = Order.select(fn.SUM(Order.price)).where(where & (Order.status == SERVED)).scalar()
    # float(): PostgreSQL's SUM of a real is a float, SQLite's too; round the cents.
    stats.revenue = round(float(revenue), 2) if revenue is not None else None
    stats.stations = _stations(where)
    return stats


def _stations(where: Any) -> list[StationRow]:
    """Each station's counts and waits (none at a bar without stations)."""
    rows: Any = (
        Order.select(Order.station, fn.COUNT(Order.id),
                     *(_how_many(Order.status == s) for s in FINAL_STATUSES),
                     _how_many(Order.status.in_(OPEN_STATUSES)))
        .where(where & Order.station.is_null(False)).group_by(Order.station)
        .order_by(Order.station).tuples()
    )
    found = []
    for station, *counts in rows:
        waits = Stats()
        _waits(waits, where & (Order.station == station))
        found.append(StationRow(station, Counts(*(int(n) for n in counts)), waits.waits,
                                waits.wait_p50_s, waits.wait_p90_s))
    return found


def _refused(day: str | None, since: datetime | None) -> dict[str, int]:
    """Orders turned away per reason, most first (ties by name)."""
    total = fn.SUM(Refusal.count)
    query = Refusal.select(Refusal.reason, total)
    if day:
        query = query.where(Refusal.day == day)
    if since:
        query = query.where(Refusal.first_at >= since)
    rows: Any = query.group_by(Refusal.reason).order_by(total.desc(), Refusal.reason).tuples()
    return {reason: int(n) for reason, n in rows}


def _counts(where: Any, *by: Any) -> Any:
    """Orders per drink (and per `by`): most ordered first, ties in the menu's order."""
    return (
        Order.select(
            *by, Drink.id, Drink.name, fn.COUNT(Order.id),
            # The columns of `Counts`: each final status, then the open ones together.
            *(_how_many(Order.status == s) for s in FINAL_STATUSES),
            _how_many(Order.status.in_(OPEN_STATUSES)),
        )
        .join(Drink).where(where).group_by(*by, Drink.id)
        .order_by(*by, fn.COUNT(Order.id).desc(), Drink.position, Drink.id)
    )


def _guests(stats: Stats, where: Any) -> None:
    per_guest = (
        Order.select(fn.COUNT(Order.id).alias("n"), _how_many(Order.status == SERVED).alias("s"))
        .where(where).group_by(Order.guest)
    )
    count, mean, most, served = (
        Order.select(fn.COUNT(SQL("*")), fn.AVG(SQL("n")), fn.MAX(SQL("n")), fn.AVG(SQL("s")))
        .from_(per_guest.alias("g")).tuples().first()
    ) or (0, None, None, None)
    stats.guests, stats.max_orders = count, most or 0
    # float(): PostgreSQL's AVG of integers is a Decimal.
    stats.mean_orders = round(float(mean), 2) if mean is not None else None
    stats.mean_served = round(float(served), 2) if served is not None else None


def _waits(stats: Stats, where: Any) -> None:
    # Nearest rank: the smallest wait with at least p of all waits at or below it,
    # always a wait that really happened.
    seconds = engine().seconds_between(Order.created_at, Order.ready_at)
    ranked = (
        Order.select(
            seconds.alias("w"),
            fn.ROW_NUMBER().over(order_by=[seconds]).alias("rn"),
            fn.COUNT(SQL("*")).over().alias("n"),
        )
        .where(where & Order.ready_at.is_null(False))
    )

    def at(p: float) -> Any:
        return fn.MIN(SQL(f"CASE WHEN rn >= {p} * n THEN w END"))

    n, p50, p90 = (
        Order.select(fn.MAX(SQL("n")), at(0.5), at(0.9)).from_(ranked.alias("r")).tuples().first()
    ) or (None, None, None)
    stats.waits = n or 0
    stats.wait_p50_s = round(float(p50), 1) if p50 is not None else None
    stats.wait_p90_s = round(float(p90), 1) if p90 is not None else None


@dataclass(frozen=True)
class Slot:
    start: datetime  # naive local wall-clock time
    orders: int


def per_slot(day: str | None = None, *, since: datetime | None = None) -> list[Slot]:
    """Orders per 10 local minutes, from the first order's slot to the last's, gaps as 0."""
    minute = _local(Order.created_at, "%Y-%m-%dT%H:%M")
    rows: Any = (
        Order.select(minute.alias("minute"), fn.COUNT(Order.id)).where(_where(day, since))
        .group_by(SQL("minute")).tuples()
    )
    counts: dict[datetime, int] = {}
    for text, n in rows:  # per minute, then into the slot that minute falls in
        at = datetime.fromisoformat(text)
        start = at.replace(minute=at.minute - at.minute % SLOT_MINUTES)
        counts[start] = counts.get(start, 0) + n
    if not counts:
        return []
    step = timedelta(minutes=SLOT_MINUTES)
    start, end = min(counts), max(counts)
    return [Slot(start + i * step, counts.get(start + i * step, 0))
            for i in range(int((end - start) / step) + 1)]


def latest_day() -> str | None:
    """The most recent business day with an order (the night a summary is about)."""
    return Order.select(fn.MAX(Order.day)).scalar()
