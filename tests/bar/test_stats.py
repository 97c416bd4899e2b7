"""`bar stats`: every figure of a known night (tests/night.py), through the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bar import orders, stats
from bar.clock import utcnow
from bar.errors import InvalidInput
from bar.timeparse import parse_since
from tests import night
from tests.conftest import SAMPLE_CONFIG, run_cli


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


@pytest.fixture
def played(make, clock, settings):
    night.play(make, clock)
    return settings


@pytest.fixture
def run(played):
    def invoke(*args: str, ok: bool = True) -> str:
        return run_cli(played.data_dir, *args, ok=ok).output

    return invoke


def stats_json(run, *args: str) -> dict:
    return json.loads(run("stats", "--json", *args))


def row(day: str, drink_id: str, drink: str, *counts: int) -> dict:
    return {"day": day, **drink_total(drink_id, drink, *counts)}


def drink_total(drink_id: str, drink: str, *counts: int) -> dict:
    keys = ("ordered", "served", "cancelled", "expired", "open")
    return {"drink_id": drink_id, "drink": drink, **dict(zip(keys, counts, strict=True))}


def totals(*counts: int) -> dict:
    return {k: v for k, v in drink_total("", "", *counts).items() if k not in ("drink_id", "drink")}


NIGHT_ROWS = [
    row(night.DAY, "negroni", "Negroni", 5, 4, 1, 0, 0),
    row(night.DAY, "flat-white", "Flat White", 2, 1, 0, 1, 0),
    # Ties: the menu's order.
    row(night.DAY, "espresso-martini", "Espresso Martini", 1, 0, 0, 1, 0),
    row(night.DAY, "aperol-spritz", "Aperol Spritz", 1, 1, 0, 0, 0),
    row(night.DAY, "espresso", "Espresso", 1, 0, 0, 0, 1),
]


def test_one_night_across_midnight_is_one_business_day(run):
    assert stats_json(run, "--day", night.DAY) == {
        "filter": {"day": night.DAY, "since": None},
        "days": [night.DAY],
        "rows": NIGHT_ROWS,
        "drinks": [{k: v for k, v in r.items() if k != "day"} for r in NIGHT_ROWS],
        "totals": totals(10, 6, 1, 2, 1),
        # Ana 3 (2 served), Bo 3 (2), Cy 2 (0), Dee 2 (2).
        "guests": {"count": 4, "mean_orders": 2.5, "max_orders": 3, "mean_served": 1.5},
        # 60 120 180 240 300 480 600: the 4th and the 7th of 7.
        "wait": {"count": 7, "p50_s": 240.0, "p90_s": 600.0},
        # Local midnight to 1 am (23:00 UTC on the 15th).
        "busiest_hour": {"hour": "2024-11-16 00:00", "orders": 5},
        "refused": {"total": 0, "by_reason": {}},  # tests/bar/test_refusals.py has some
        "revenue": None,  # the sample menu has no prices (tests/bar/test_menu.py sets some)
    }


def test_all_days(run):
    data = stats_json(run)
    assert data["filter"] == {"day": None, "since": None}
    assert data["days"] == [night.EARLY_DAY, night.DAY]
    assert data["rows"] == [row(night.EARLY_DAY, "espresso", "Espresso", 1, 1, 0, 0, 0), *NIGHT_ROWS]
    assert data["drinks"] == [
        drink_total("negroni", "Negroni", 5, 4, 1, 0, 0),
        drink_total("flat-white", "Flat White", 2, 1, 0, 1, 0),
        drink_total("espresso", "Espresso", 2, 1, 0, 0, 1),
        drink_total("espresso-martini", "Espresso Martini", 1, 0, 0, 1, 0),
        drink_total("aperol-spritz", "Aperol Spritz", 1, 1, 0, 0, 0),
    ]
    assert data["totals"] == totals(11, 7, 1, 2, 1)
    assert data["guests"] == {"count": 5, "mean_orders": 2.2, "max_orders": 3, "mean_served": 1.4}
    # 60 120 180 180 240 300 480 600: the 4th and the 8th of 8.
    assert data["wait"] == {"count": 8, "p50_s": 180.0, "p90_s": 600.0}
    assert data["busiest_hour"] == {"hour": "2024-11-16 00:00", "orders": 5}


def test_the_early_order_belongs_to_the_day_before(run):
    """05:40 on the 15th is before `day_starts_at` (06:00): the 14th's business day."""
    data = stats_json(run, "--day", night.EARLY_DAY)
    assert data["rows"] == [row(night.EARLY_DAY, "espresso", "Espresso", 1, 1, 0, 0, 0)]
    assert data["totals"] == totals(1, 1, 0, 0, 0)
    assert data["guests"] == {"count": 1, "mean_orders": 1.0, "max_orders": 1, "mean_served": 1.0}
    assert data["wait"] == {"count": 1, "p50_s": 180.0, "p90_s": 180.0}
    assert data["busiest_hour"] == {"hour": "2024-11-15 05:00", "orders": 1}


@pytest.mark.parametrize(("since", "shown"), [
    ("2024-11-16T00:00", "2024-11-16T00:00:00+01:00"),  # no zone: the bar's local time
    ("2024-11-15T23:00:00+00:00", "2024-11-16T00:00:00+01:00"),
])
def test_since_a_local_or_zoned_time(run, since, shown):
    data = stats_json(run, "--since", since)
    assert data["filter"]["since"] == shown
    assert data["days"] == [night.DAY]
    assert data["drinks"] == [
        drink_total("negroni", "Negroni", 3, 3, 0, 0, 0),
        drink_total("espresso-martini", "Espresso Martini", 1, 0, 0, 1, 0),
        drink_total("flat-white", "Flat White", 1, 0, 0, 1, 0),
        drink_total("espresso", "Espresso", 1, 0, 0, 0, 1),
    ]
    assert data["totals"] == totals(6, 3, 0, 2, 1)
    # Ana 2 (1 served), Bo 2 (1), Cy 1 (0), Dee 1 (1).
    assert data["guests"] == {"count": 4, "mean_orders": 1.5, "max_orders": 2, "mean_served": 0.75}
    assert data["wait"] == {"count": 4, "p50_s": 120.0, "p90_s": 600.0}  # 60 120 300 600
    assert data["busiest_hour"] == {"hour": "2024-11-16 00:00", "orders": 5}


def test_since_a_duration_counts_back_from_now(run, settings):
    assert stats_json(run, "--since", "1h")["totals"]["ordered"] == 0  # the night was in 2024
    night_ago = f"{(utcnow() - night.local('05:00')).days + 1}d"
    assert stats_json(run, "--since", night_ago)["totals"]["ordered"] == 11
    now = utcnow()
    guest = orders.Guest.get(orders.Guest.username == "Cy")
    orders.place_order(settings, guest, drink_id="margarita", now=now)
    data = stats_json(run, "--since", "1h")
    assert data["totals"] == totals(1, 0, 0, 0, 1) and data["drinks"][0]["drink"] == "Margarita"


def test_day_and_since_together(run):
    data = stats_json(run, "--day", night.DAY, "--since", "2024-11-16T01:00")
    assert data["totals"] == totals(1, 0, 0, 0, 1)
    assert stats_json(run, "--day", night.EARLY_DAY, "--since", "2024-11-16T01:00")["totals"] == (
        totals(0, 0, 0, 0, 0))


def test_nothing_matches(run):
    assert stats_json(run, "--day", "2020-01-01") == {
        "filter": {"day": "2020-01-01", "since": None}, "days": [], "rows": [], "drinks": [],
        "totals": totals(0, 0, 0, 0, 0),
        "guests": {"count": 0, "mean_orders": None, "max_orders": 0, "mean_served": None},
        "wait": {"count": 0, "p50_s": None, "p90_s": None}, "busiest_hour": None,
        "refused": {"total": 0, "by_reason": {}}, "revenue": None,
    }
    assert "0 orders" in run("stats", "--day", "2020-01-01")


def test_csv_has_fixed_columns(run):
    text = run("stats", "--csv")
    lines = text.splitlines()
    assert lines[0] == "day,drink_id,drink,ordered,served,cancelled,expired,open"
    assert lines[1] == "2024-11-14,espresso,Espresso,1,1,0,0,0"
    assert list(csv.DictReader(io.StringIO(text)))[1:] == [
        {k: str(v) for k, v in r.items()} for r in NIGHT_ROWS
    ]
    assert run("stats", "--csv", "--day", "2020-01-01").splitlines() == [lines[0]]


def test_the_table_and_summary_lines(run):
    out = run("stats", "--day", night.DAY)
    assert "Espresso Martini" in out
    assert "10 orders: 6 served, 1 cancelled, 2 expired, 1 open" in out
    assert "4 guests, 2.5 orders each on average (at most 3)" in out
    assert "wait to ready: p50 4m 00s, p90 10m 00s (7 drinks)" in out
    assert "busiest hour: 2024-11-16 00:00 (5 orders)" in out


@pytest.mark.parametrize("args", [["--day", "friday"], ["--since", "yesterday"], ["--since", "3x"]])
def test_bad_filters_are_one_line(run, args):
    out = run("stats", *args, ok=False)
    assert len(out.strip().splitlines()) == 1 and out.startswith("Error: ")


def test_a_new_process_reads_the_same_figures(run, played):
    """Across restarts: nothing is kept in memory, the database has it all."""
    in_process = stats_json(run, "--day", night.DAY)
    result = subprocess.run(
        [sys.executable, "-m", "bar", "--config", str(SAMPLE_CONFIG), "--data-dir",
         str(played.data_dir), "stats", "--json", "--day", night.DAY],
        capture_output=True, text=True, timeout=60, env={**os.environ, "TZ": night.ZONE},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == in_process


def test_orders_per_ten_minutes(played):
    slots = stats.per_slot(night.DAY)
    assert slots[0] == stats.Slot(datetime(2024, 11, 15, 22, 50), 1)
    assert slots[-1] == stats.Slot(datetime(2024, 11, 16, 1, 30), 1)
    assert [s.orders for s in slots] == [1, 1, 0, 1, 0, 1, 0, 2, 1, 0, 0, 1, 1, 0, 0, 0, 1]
    assert all(b.start - a.start == timedelta(minutes=10) for a, b in zip(slots, slots[1:], strict=False))
    assert stats.per_slot("2020-01-01") == []
    assert stats.latest_day() == night.DAY


def test_parse_since():
    now = datetime.fromisoformat("2024-11-16T01:00:00+00:00")
    assert parse_since("3h", now=now) == now - timedelta(hours=3)
    assert parse_since("90m", now=now) == now - timedelta(minutes=90)
    assert parse_since("2024-11-16T00:00", now=now).isoformat() == "2024-11-16T00:00:00+01:00"
    with pytest.raises(InvalidInput):
        parse_since("soon", now=now)
