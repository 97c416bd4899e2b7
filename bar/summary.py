"""The after-party page: one self-contained HTML file about one night, to share.

Everything is inline (CSS, SVG charts): no JavaScript, no fonts, no network, so the
file opens anywhere, offline, years later. This module works out the figures and the
charts' geometry; `templates/summary.html` (with `summary.css`) is the markup. The
template is autoescaped: every text that is not ours (the bar's and the drinks' names)
is escaped wherever it lands.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from bar import stats

COLORS = {"served": "#5cb85c", "open": "#5bc0de", "cancelled": "#9a9a9a", "expired": "#e06c5a"}
WIDTH = 640  # SVG user units; the page scales the charts to its width
ROW, LABEL_W, COUNT_W = 30, 170, 60  # the drinks chart: a row per drink, name | bar | count
# The per-10-minutes chart: the scale left of SLOTS_LEFT, the hours below SLOTS_AXIS.
SLOTS_LEFT, SLOTS_TOP, SLOTS_AXIS, SLOTS_HEIGHT = 34, 16, 176, 200


@dataclass(frozen=True)
class Tile:
    key: str  # the element id is `tile-<key>`
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Part:
    """What became of some of a drink's orders: a stretch of its bar."""

    status: str
    color: str
    x: float
    width: float


@dataclass(frozen=True)
class DrinkBar:
    drink: stats.DrinkRow
    y: int  # the top of its row
    parts: list[Part]
    end: float  # where the bar stops; the count is written after it


@dataclass(frozen=True)
class Column:
    """One 10-minute slot: a column, labelled on the hour."""

    slot: stats.Slot
    label: str
    labelled: bool
    left: float  # where its step starts (and its label)
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class SlotChart:
    columns: list[Column]
    most: int  # orders in the busiest slot: the top of the scale
    left: int = SLOTS_LEFT
    top: int = SLOTS_TOP
    axis: int = SLOTS_AXIS
    height: int = SLOTS_HEIGHT


def _escape(value: Any) -> Markup:
    """Autoescaping with `html.escape`'s entities (`&quot;`, `&#x27;`) rather than
    markupsafe's (`&#34;`, `&#39;`): the page stays byte for byte what it was."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


_ENV = Environment(
    loader=PackageLoader("bar", "templates"),
    autoescape=True,
    finalize=_escape,  # runs before autoescaping, which leaves its Markup alone
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["coord"] = lambda value: f"{value:.1f}"  # SVG coordinates to a tenth of a unit


def render(
    bar_name: str, day: str, *, made_at: datetime | None = None,
    station_names: Mapping[str, str] | None = None, currency: str = "",
) -> str:
    """The page for business day `day` (`YYYY-MM-DD`); `station_names` (id -> name) for
    the table of stations (a bar with `[[stations]]`); `currency` (bar.currency) for the
    revenue."""
    figures = stats.compute(day)
    names = station_names or {}
    by_station = [
        {"row": row, "name": names.get(row.station, row.station),
         "p50": stats.format_wait(row.wait_p50_s), "p90": stats.format_wait(row.wait_p90_s)}
        for row in figures.stations
    ]
    return _ENV.get_template("summary.html").render(
        bar_name=bar_name,
        when=_long_date(day),
        made=f"{made_at.astimezone():%Y-%m-%d %H:%M}" if made_at else "",
        tiles=tiles(figures, currency),
        top=figures.drinks[:3],
        bars=drink_bars(figures),
        slots=slot_chart(stats.per_slot(day)),
        stations=by_station,
        colors=COLORS,
        width=WIDTH,
        row=ROW,
        label_w=LABEL_W,
    )


def _long_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d:%A} {d.day} {d:%B %Y}"


def tiles(s: stats.Stats, currency: str = "") -> list[Tile]:
    """The night in ten figures (eleven with revenue, when drinks had prices)."""
    t = s.totals
    per_guest = f"{s.mean_orders:g}" if s.mean_orders is not None else "–"
    busiest = "–"
    if s.busiest_hour:
        hour = int(s.busiest_hour[-5:-3])
        busiest = f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"
    revenue = ([Tile("revenue", "Revenue", stats.format_money(s.revenue, currency),
                     "served, at the prices ordered at")]
               if s.revenue is not None else [])
    return [
        Tile("orders", "Orders", str(t.ordered)),
        Tile("served", "Served", str(t.served)),
        Tile("cancelled", "Cancelled", str(t.cancelled)),
        Tile("expired", "Expired", str(t.expired)),
        Tile("guests", "Guests", str(s.guests)),
        Tile("per-guest", "Drinks per guest", per_guest, f"at most {s.max_orders}"),
        Tile("wait-p50", "Wait, median", stats.format_wait(s.wait_p50_s), "ordered → ready"),
        Tile("wait-p90", "Wait, 9 in 10 within", stats.format_wait(s.wait_p90_s),
             f"{s.waits} drinks made"),
        Tile("busiest", "Busiest hour", busiest,
             f"{s.busiest_hour_orders} orders" if s.busiest_hour else ""),
        Tile("refused", "Turned away", str(s.refused_total),
             stats.refused_reasons(s)),
        *revenue,
    ]


def drink_bars(s: stats.Stats) -> list[DrinkBar]:
    """One horizontal bar per drink, split by what became of its orders, to one scale."""
    if not s.drinks:
        return []
    bar_w = WIDTH - LABEL_W - COUNT_W
    most = max(d.ordered for d in s.drinks)
    bars = []
    for i, d in enumerate(s.drinks):
        x, parts = float(LABEL_W), []
        for status, color in COLORS.items():
            n = getattr(d, status)
            if n:
                w = bar_w * n / most
                parts.append(Part(status, color, x, w))
                x += w
        bars.append(DrinkBar(d, i * ROW, parts, x))
    return bars


def slot_chart(slots: list[stats.Slot]) -> SlotChart | None:
    """A column per 10 minutes, labelled on the hour; None for a night with no orders."""
    if not slots:
        return None
    plot_w, plot_h = WIDTH - SLOTS_LEFT - 6, SLOTS_AXIS - SLOTS_TOP
    most = max(s.orders for s in slots) or 1
    step = plot_w / len(slots)
    columns = []
    for i, slot in enumerate(slots):
        x = SLOTS_LEFT + i * step
        h = plot_h * slot.orders / most
        # The first slot is labelled too, unless the next hour's label would touch it.
        labelled = slot.start.minute == 0 or (i == 0 and slot.start.minute <= 30)
        columns.append(Column(
            slot, f"{slot.start:%H:%M}", labelled, left=x, x=x + step * 0.1,
            y=SLOTS_AXIS - h, width=step * 0.8, height=h,
        ))
    return SlotChart(columns, most)
