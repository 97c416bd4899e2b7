"""The after-party page: one self-contained HTML file about one night, to share.

Everything is inline (CSS, SVG charts drawn here): no JavaScript, no fonts, no network,
so the file opens anywhere, offline, years later. Every text that is not ours (the bar's
and the drinks' names) goes through `html.escape`.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from bar import stats

COLORS = {"served": "#5cb85c", "open": "#5bc0de", "cancelled": "#9a9a9a", "expired": "#e06c5a"}
WIDTH = 640  # SVG user units; the page scales the charts to its width


def render(bar_name: str, day: str, *, made_at: datetime | None = None) -> str:
    """The page for business day `day` (`YYYY-MM-DD`)."""
    figures = stats.compute(day)
    slots = stats.per_slot(day)
    when = _long_date(day)
    made = f" on {made_at.astimezone():%Y-%m-%d %H:%M}" if made_at else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(bar_name)} · {escape(when)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{escape(bar_name)}</h1>
<p class="when">The night of {escape(when)}</p>
</header>
{_tiles(figures)}
<section>
<h2>Top drinks</h2>
{_top(figures)}
</section>
<section>
<h2>Drinks</h2>
{drink_bars(figures)}
{_legend()}
</section>
<section>
<h2>Orders per 10 minutes</h2>
{slot_columns(slots)}
</section>
<footer>Made by <code>bar summary</code>{escape(made)}, from the bar's database.</footer>
</main>
</body>
</html>
"""


def _long_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d:%A} {d.day} {d:%B %Y}"


def _tiles(s: stats.Stats) -> str:
    t = s.totals
    per_guest = f"{s.mean_orders:g}" if s.mean_orders is not None else "–"
    busiest = "–"
    if s.busiest_hour:
        hour = int(s.busiest_hour[-5:-3])
        busiest = f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"
    tiles = [
        ("orders", "Orders", str(t.ordered), ""),
        ("served", "Served", str(t.served), ""),
        ("cancelled", "Cancelled", str(t.cancelled), ""),
        ("expired", "Expired", str(t.expired), ""),
        ("guests", "Guests", str(s.guests), ""),
        ("per-guest", "Drinks per guest", per_guest, f"at most {s.max_orders}"),
        ("wait-p50", "Wait, median", stats.format_wait(s.wait_p50_s), "ordered → ready"),
        ("wait-p90", "Wait, 9 in 10 within", stats.format_wait(s.wait_p90_s),
         f"{s.waits} drinks made"),
        ("busiest", "Busiest hour", busiest, f"{s.busiest_hour_orders} orders" if s.busiest_hour else ""),
    ]
    items = "\n".join(
        f'<div class="tile" id="tile-{key}"><span class="label">{escape(label)}</span>'
        f'<span class="value">{escape(value)}</span><span class="note">{escape(note)}</span></div>'
        for key, label, value, note in tiles
    )
    return f'<section class="tiles">\n{items}\n</section>'


def _top(s: stats.Stats, count: int = 3) -> str:
    if not s.drinks:
        return "<p>No orders.</p>"
    items = "".join(
        f"<li><strong>{escape(d.drink)}</strong> · {d.ordered} ordered, {d.served} served</li>"
        for d in s.drinks[:count]
    )
    return f'<ol class="top">{items}</ol>'


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{color}"></i>{name}</span>' for name, color in COLORS.items()
    )
    return f'<p class="legend">{items}</p>'


def drink_bars(s: stats.Stats) -> str:
    """One horizontal bar per drink, split by what became of its orders."""
    if not s.drinks:
        return '<svg class="chart" id="drinks-chart" viewBox="0 0 640 30"></svg>'
    row, label_w, count_w = 30, 170, 60
    bar_w = WIDTH - label_w - count_w
    most = max(d.ordered for d in s.drinks)
    height = row * len(s.drinks)
    parts = []
    for i, d in enumerate(s.drinks):
        y = i * row
        name = escape(d.drink)
        parts.append(
            f'<g class="drink-bar" data-drink="{name}" data-ordered="{d.ordered}" '
            f'data-served="{d.served}" data-cancelled="{d.cancelled}" data-expired="{d.expired}" '
            f'data-open="{d.open}"><title>{name}: {d.ordered} ordered, {d.served} served, '
            f"{d.cancelled} cancelled, {d.expired} expired, {d.open} open</title>"
            f'<text x="{label_w - 10}" y="{y + 20}" text-anchor="end" class="name">{name}</text>'
        )
        x = float(label_w)
        for status, color in COLORS.items():
            n = getattr(d, status)
            if n:
                w = bar_w * n / most
                parts.append(f'<rect class="{status}" x="{x:.1f}" y="{y + 5}" width="{w:.1f}" '
                             f'height="{row - 10}" fill="{color}"/>')
                x += w
        parts.append(f'<text x="{x + 8:.1f}" y="{y + 20}" class="count">{d.ordered}</text></g>')
    body = "\n".join(parts)
    return (f'<svg class="chart" id="drinks-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="Orders per drink">\n{body}\n</svg>')


def slot_columns(slots: list[stats.Slot]) -> str:
    """A column per 10 minutes, labelled on the hour."""
    if not slots:
        return '<svg class="chart" id="slots-chart" viewBox="0 0 640 30"></svg>'
    left, top, bottom, height = 34, 16, 24, 200
    plot_w, plot_h = WIDTH - left - 6, height - top - bottom
    most = max(s.orders for s in slots) or 1
    step = plot_w / len(slots)
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 6}" y2="{top + plot_h}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{most}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    for i, slot in enumerate(slots):
        x = left + i * step
        h = plot_h * slot.orders / most
        label = f"{slot.start:%H:%M}"
        parts.append(
            f'<rect class="slot" data-start="{slot.start.isoformat()}" data-orders="{slot.orders}" '
            f'x="{x + step * 0.1:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{h:.1f}"><title>{label}: {slot.orders} orders</title></rect>'
        )
        # The first slot is labelled too, unless the next hour's label would touch it.
        if slot.start.minute == 0 or (i == 0 and slot.start.minute <= 30):
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" class="tick">{label}</text>')
    body = "\n".join(parts)
    return (f'<svg class="chart" id="slots-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="Orders per 10 minutes">\n{body}\n</svg>')


CSS = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; background: #16161d; color: #ececf1;
       font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 760px; margin: 0 auto; padding: 32px 20px 48px; }
header h1 { margin: 0; font-size: 2.2rem; letter-spacing: .01em; }
.when { margin: 4px 0 24px; color: #b3b3c2; font-size: 1.1rem; }
h2 { font-size: 1.05rem; text-transform: uppercase; letter-spacing: .08em; color: #c9a7ff;
     margin: 32px 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
@media (max-width: 520px) { .tiles { grid-template-columns: repeat(2, 1fr); } }
.tile { background: #22222d; border-radius: 10px; padding: 12px 14px; display: flex;
        flex-direction: column; }
.tile .label { color: #a0a0b2; font-size: .85rem; }
.tile .value { font-size: 1.8rem; font-weight: 700; }
.tile .note { color: #8a8a9c; font-size: .8rem; min-height: 1em; }
.top { margin: 0; padding-left: 1.4em; }
.top li { margin: 4px 0; }
.chart { width: 100%; height: auto; display: block; background: #1d1d26; border-radius: 10px;
         padding: 8px 0; }
.chart .name { fill: #ececf1; font-size: 14px; }
.chart .count { fill: #ececf1; font-size: 14px; font-weight: 700; }
.chart .tick { fill: #a0a0b2; font-size: 11px; }
.chart .axis { stroke: #55556a; stroke-width: 1; }
.chart .slot { fill: #c9a7ff; }
.legend { display: flex; gap: 16px; color: #a0a0b2; font-size: .85rem; margin: 8px 0 0; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
            margin-right: 6px; }
footer { margin-top: 40px; color: #77778a; font-size: .8rem; }
"""
