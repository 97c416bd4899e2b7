"""How long an order has waited, in the three colours every barista view shows.

One rule for the kiosk and the web barista view: the kiosk calls `wait_level`, the
web view gets the same thresholds from `GET /api/admin/orders` (`thresholds()`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

WaitLevel = Literal["fresh", "waiting", "late"]

FRESH = timedelta(minutes=2)  # green below this
LATE = timedelta(minutes=5)  # amber below this, red from here on


def wait_level(age: timedelta) -> WaitLevel:
    """The colour of an order that has waited `age` since it was placed."""
    if age < FRESH:
        return "fresh"
    return "waiting" if age < LATE else "late"


def thresholds() -> dict[str, int]:
    """The rule in seconds, for a client that colours ages itself as they grow."""
    return {"fresh_s": int(FRESH.total_seconds()), "late_s": int(LATE.total_seconds())}
