"""Tonight in numbers, one key (`s`) away from the queue: at a bar with stations, a line
per station too.

The figures are the core's (`bar.stats`, SQL over the orders), read again when the
app's event tail brings order changes or refusals (the screen watches the app's `changes`): the
screen keeps no counts of its own.
"""

from __future__ import annotations

from typing import cast

import peewee
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label

from bar import orders, stats
from kiosk.board import BoardChange
from kiosk.host import KioskHost
from kiosk.widgets.stats_charts import DrinkBars, SlotChart

REFRESH_DELAY = 0.2  # seconds: a burst of events costs one read of the figures


class StatsScreen(Screen[None]):
    """Totals, waits, the busiest hour and orders turned away; orders per drink; orders
    per 10 minutes."""

    CSS_PATH = "stats.tcss"
    BINDINGS = [Binding("s,escape", "app.pop_screen", "Queue", key_display="s")]

    def __init__(self) -> None:
        super().__init__()
        self._pending = False
        self.figures: stats.Stats | None = None

    @property
    def kiosk(self) -> KioskHost:
        return cast(KioskHost, self.app)

    def compose(self) -> ComposeResult:
        yield Label(id="stats-title")
        with Vertical(id="stats-totals"):
            yield Label(id="stats-orders")
            yield Label(id="stats-guests")
            yield Label(id="stats-waits")
            yield Label(id="stats-refused")
            yield Label(id="stats-stations")
        with Vertical(id="stats-drinks-box"):
            yield DrinkBars(id="stats-drinks")
        with Vertical(id="stats-slots-box"):
            yield SlotChart(id="stats-slots")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-drinks-box").border_title = "Orders per drink"
        self.query_one("#stats-slots-box").border_title = "Orders per 10 minutes"
        self.load()
        self.watch(self.app, "changes", self._board_changed, init=False)

    def _board_changed(self, change: BoardChange) -> None:
        if change.orders or change.refused:
            self.refresh_soon()

    def refresh_soon(self) -> None:
        """Read the figures again shortly (for every batch of order events)."""
        if not self._pending:
            self._pending = True
            self.set_timer(REFRESH_DELAY, self.load)

    def load(self) -> None:
        """Read tonight's figures from the database and show them."""
        self._pending = False
        kiosk = self.kiosk
        day = orders.business_day(kiosk.clock(), kiosk.settings.day_starts_at)
        try:
            figures, slots = stats.compute(day), stats.per_slot(day)
        except peewee.DatabaseError:
            self.notify("The database is busy: the figures will follow", severity="warning")
            self.refresh_soon()
            return
        self.figures = figures
        self.query_one("#stats-title", Label).update(
            Text(f"{kiosk.settings.name} · tonight, business day {day}"))
        self._show_totals(figures)
        self.query_one(DrinkBars).show(figures.drinks)
        self.query_one(SlotChart).show(slots)

    def _show_totals(self, s: stats.Stats) -> None:
        t = s.totals
        self.query_one("#stats-orders", Label).update(
            f"{t.ordered} orders   {t.served} served   {t.open} open   "
            f"{t.cancelled} cancelled   {t.expired} expired"
            + (f"   revenue {stats.format_money(s.revenue, self.kiosk.settings.currency)}"
               if s.revenue is not None else ""))
        guests = (f"{s.guests} guests · {s.mean_orders:g} orders each (at most {s.max_orders})"
                  if s.guests else "no guests yet")
        self.query_one("#stats-guests", Label).update(guests)
        wait = (f"wait to ready p50 {stats.format_wait(s.wait_p50_s)} · "
                f"p90 {stats.format_wait(s.wait_p90_s)}" if s.waits else "no drinks made yet")
        busiest = ""
        if s.busiest_hour:
            hour = int(s.busiest_hour[-5:-3])
            busiest = (f"   busiest hour {hour:02d}:00–{(hour + 1) % 24:02d}:00 "
                       f"({s.busiest_hour_orders} orders)")
        self.query_one("#stats-waits", Label).update(wait + busiest)
        self.query_one("#stats-refused", Label).update(stats.turned_away(s))
        self._show_stations(s)

    def _show_stations(self, s: stats.Stats) -> None:
        names = {station.id: station.name for station in self.kiosk.settings.stations}
        lines = [
            f"{names.get(row.station, row.station)}: {row.counts.ordered} "
            f"order{'' if row.counts.ordered == 1 else 's'} · "
            f"{row.counts.served} served · {row.counts.open} open · "
            f"wait p50 {stats.format_wait(row.wait_p50_s)}"
            for row in s.stations
        ]
        label = self.query_one("#stats-stations", Label)
        label.display = bool(lines)
        label.update(Text("\n".join(lines)))  # the host's station names: never markup
