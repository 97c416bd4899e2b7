"""Numbers for the host: per day and drink, wait times, the busiest hour."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from statistics import quantiles
from typing import Any

from bar.models import Drink, Order


@dataclass
class DrinkStats:
    day: str
    drink: str
    orders: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0


@dataclass
class Stats:
    rows: list[DrinkStats] = field(default_factory=list)
    total: int = 0
    wait_p50_s: float | None = None
    wait_p90_s: float | None = None
    busiest_hour: str | None = None
    busiest_hour_orders: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(quantiles(values, n=100, method="inclusive")[pct - 1], 1)


def compute(day: str | None = None) -> Stats:
    """Stats over every order, or one business day's (`YYYY-MM-DD`)."""
    query = Order.select(Order, Drink).join(Drink)
    if day:
        query = query.where(Order.day == day)
    per: dict[tuple[str, str], DrinkStats] = {}
    waits: list[float] = []
    hours: Counter[str] = Counter()
    for order in query.order_by(Order.day, Order.number):
        key = (order.day, order.drink.name)
        row = per.setdefault(key, DrinkStats(day=order.day, drink=order.drink.name))
        row.orders += 1
        if order.status in ("served", "cancelled", "expired"):
            setattr(row, order.status, getattr(row, order.status) + 1)
        if order.ready_at:
            waits.append((order.ready_at - order.created_at).total_seconds())
        hours[order.created_at.astimezone().strftime("%Y-%m-%d %H:00")] += 1
    by_day: dict[str, list[DrinkStats]] = defaultdict(list)
    for (d, _), row in sorted(per.items()):
        by_day[d].append(row)
    stats = Stats(rows=[r for rows in by_day.values() for r in rows])
    stats.total = sum(r.orders for r in stats.rows)
    stats.wait_p50_s, stats.wait_p90_s = _percentile(waits, 50), _percentile(waits, 90)
    if hours:
        stats.busiest_hour, stats.busiest_hour_orders = hours.most_common(1)[0]
    return stats
