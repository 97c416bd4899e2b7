"""Edges the fuzz pass (tests/webapp/test_fuzz.py) found, pinned at the core."""

from __future__ import annotations

import pytest

from bar import notifications
from bar.config import load_settings
from bar.errors import ConfigError, InvalidInput
from bar.timeparse import parse_expiry
from tests.conftest import SAMPLE_CONFIG


def test_a_duration_past_timedeltas_range_is_one_clear_config_error():
    with pytest.raises(ConfigError) as caught:
        load_settings(SAMPLE_CONFIG, environ={"BAR_AUTH_ACCESS_TTL": "99999999999d"})
    assert caught.value.message == "BAR_AUTH_ACCESS_TTL: duration too long: '99999999999d'"


@pytest.mark.parametrize("text", ["99999999999d", "999999999d", "9999-12-31T23:59:59-14:00"])
def test_expiry_past_the_calendar(clock, text):
    with pytest.raises(InvalidInput):
        parse_expiry(text, now=clock())


def test_latest_expiry_that_fits(clock):
    when = parse_expiry("9999-12-31T23:59:59+14:00", now=clock())
    assert when.year == 9999


def test_mark_read_refuses_ids_sqlite_cannot_hold(make, clock):
    guest = make.guest()
    with pytest.raises(InvalidInput):
        notifications.mark_read(guest.user_key, [2**63], now=clock())
    assert notifications.mark_read(guest.user_key, [2**63 - 1], now=clock()) == 0
