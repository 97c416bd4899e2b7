"""The after-party page in a real browser with no network: it shows its charts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from bar.cli import cli
from tests import night
from tests.conftest import SAMPLE_CONFIG
from tests.e2e.conftest import ARTIFACTS, TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


def test_summary_page_offline(browser: Any, settings, make, clock, tmp_path) -> None:
    night.play(make, clock)
    out = tmp_path / "night.html"
    result = CliRunner().invoke(cli, ["--config", str(SAMPLE_CONFIG), "--data-dir",
                                      str(settings.data_dir), "summary", "--out", str(out)])
    assert result.exit_code == 0, result.output

    context = browser.new_context(viewport={"width": 900, "height": 900}, offline=True,
                                  java_script_enabled=False, locale="en-GB")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    # Anything but the file itself would be the page reaching out: refuse it.
    context.route("**/*", lambda route: route.continue_() if route.request.url == out.as_uri()
                  else route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(out.as_uri())
        assert requests == [out.as_uri()]
        assert page.locator("h1").inner_text() == "Friday Night Bar"
        assert page.locator("#tile-orders .value").inner_text() == "10"
        assert page.locator("#tile-guests .value").inner_text() == "4"
        assert page.locator("#tile-per-guest .value").inner_text() == "2.5"
        assert page.locator("#tile-wait-p50 .value").inner_text() == "4m 00s"
        assert page.locator("#tile-wait-p90 .value").inner_text() == "10m 00s"
        assert page.locator("#tile-busiest .value").inner_text() == "00:00–01:00"
        assert page.locator(".top li").first.inner_text() == "Negroni · 5 ordered, 4 served"

        bars = page.locator("#drinks-chart .drink-bar")
        assert bars.evaluate_all(
            "gs => gs.map(g => [g.dataset.drink, +g.dataset.ordered, +g.dataset.served])"
        ) == [["Negroni", 5, 4], ["Flat White", 2, 1], ["Espresso Martini", 1, 0],
              ["Aperol Spritz", 1, 1], ["Espresso", 1, 0]]
        # Drawn to scale: Negroni's served part is 4/5 of the longest bar, and visible.
        negroni = bars.first.locator("rect.served").bounding_box()
        flat_white = bars.nth(1).locator("rect.served").bounding_box()
        assert negroni and flat_white and negroni["width"] > 100
        assert negroni["width"] == pytest.approx(4 * flat_white["width"], rel=0.01)

        slots = page.locator("#slots-chart rect.slot")
        assert slots.evaluate_all("rs => rs.map(r => +r.dataset.orders)") == [
            1, 1, 0, 1, 0, 1, 0, 2, 1, 0, 0, 1, 1, 0, 0, 0, 1]
        tallest = slots.nth(7).bounding_box()
        single = slots.nth(0).bounding_box()
        assert tallest and single and tallest["height"] == pytest.approx(2 * single["height"], 0.02)
        ticks = page.locator("#slots-chart text.tick").evaluate_all("ts => ts.map(t => t.textContent)")
        assert ticks[:2] == ["2", "0"] and ticks[2:] == ["23:00", "00:00", "01:00"]

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "summary.png"), full_page=True)
    finally:
        context.close()
