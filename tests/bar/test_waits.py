"""The wait colours the kiosk and the web barista view share."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bar import waits


@pytest.mark.parametrize(
    ("seconds", "level"),
    [(0, "fresh"), (119, "fresh"), (120, "waiting"), (299, "waiting"), (300, "late"),
     (7200, "late")],
)
def test_wait_level_at_the_thresholds(seconds, level):
    assert waits.wait_level(timedelta(seconds=seconds)) == level


def test_thresholds_are_the_rule_in_seconds():
    limits = waits.thresholds()
    assert limits == {"fresh_s": 120, "late_s": 300}
    assert waits.wait_level(timedelta(seconds=limits["fresh_s"] - 1)) == "fresh"
    assert waits.wait_level(timedelta(seconds=limits["late_s"])) == "late"
