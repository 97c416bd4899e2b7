"""`bar summary`: the one-file page of a night, its figures and its escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bar import summary
from bar.models import Drink
from tests import night
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


@pytest.fixture
def run(settings, keys):
    def invoke(*args: str, ok: bool = True) -> str:
        return run_cli(settings.data_dir, *args, ok=ok).output

    return invoke


def test_writes_the_latest_night_by_default(run, make, clock, tmp_path):
    night.play(make, clock)
    out = tmp_path / "night.html"
    assert run("summary", "--out", str(out)).strip() == f"Wrote {out} (the night of {night.DAY})"
    page = out.read_text(encoding="utf-8")
    assert "The night of Friday 15 November 2024" in page
    assert '<div class="tile" id="tile-orders"><span class="label">Orders</span>' \
        '<span class="value">10</span>' in page
    assert 'id="tile-busiest"><span class="label">Busiest hour</span><span class="value">00:00–01:00' in page
    assert "4m 00s" in page and "10m 00s" in page
    bars = re.findall(r'<g class="drink-bar" data-drink="([^"]+)" data-ordered="(\d+)"', page)
    assert bars == [("Negroni", "5"), ("Flat White", "2"), ("Espresso Martini", "1"),
                    ("Aperol Spritz", "1"), ("Espresso", "1")]
    assert len(re.findall(r'<rect class="slot"', page)) == 17
    # Self-contained: nothing to fetch, nothing to run.
    assert not re.search(r"<script|<link|src=|href=|url\(|@import", page, re.IGNORECASE)


def test_another_day(run, make, clock, tmp_path):
    night.play(make, clock)
    out = tmp_path / "early.html"
    run("summary", "--out", str(out), "--day", night.EARLY_DAY)
    page = out.read_text(encoding="utf-8")
    assert "Thursday 14 November 2024" in page
    assert re.findall(r'data-drink="([^"]+)" data-ordered="(\d+)"', page) == [("Espresso", "1")]


def test_no_orders_no_page(run, tmp_path):
    run("summary", "--out", str(tmp_path / "x.html"), ok=False)
    run("summary", "--out", str(tmp_path / "x.html"), "--day", "15/11", ok=False)
    assert not (tmp_path / "x.html").exists()


def test_names_are_escaped(make, clock):
    night.play(make, clock)
    Drink.update(name='<img src=x onerror=alert(1)> & "Co"').where(Drink.id == "negroni").execute()
    page = summary.render("<script>alert('bar')</script>", night.DAY)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;bar&#x27;)&lt;/script&gt;" in page
    assert 'data-drink="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;"' in page
