"""bar.timeparse: what its parsers share; each one's own cases are tested with its caller."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bar.errors import InvalidInput
from bar.timeparse import (
    format_duration,
    parse_duration,
    parse_expiry,
    parse_since,
    parse_time_of_day,
    parse_when,
)

NOW = datetime(2024, 11, 15, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("delta", [timedelta(seconds=45), timedelta(minutes=90), timedelta(hours=4),
                                   timedelta(days=2)])
def test_format_duration_reads_back(delta):
    assert parse_duration(format_duration(delta)) == delta


def test_format_duration_picks_the_largest_whole_unit():
    assert [format_duration(d) for d in (timedelta(minutes=90), timedelta(hours=48))] == ["90m", "2d"]


@pytest.mark.parametrize("text,expected", [("23:30", time(23, 30)), (" 7:05 ", time(7, 5))])
def test_time_of_day(text, expected):
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "23:30:00", "2330", ""])
def test_time_of_day_refused(text):
    with pytest.raises(ValueError, match="expected a time like 23:30"):
        parse_time_of_day(text)


def test_a_duration_counts_from_now_for_all_three():
    assert parse_expiry(" 2h ", now=NOW) == NOW + timedelta(hours=2)
    assert parse_when(" 2h ", now=NOW, day_starts_at=6) == NOW + timedelta(hours=2)
    assert parse_since(" 2h ", now=NOW) == NOW - timedelta(hours=2)


@pytest.mark.parametrize("parse,argument", [
    (lambda t: parse_expiry(t, now=NOW), "expires: "),
    (lambda t: parse_when(t, now=NOW, day_starts_at=6), "--at: "),
    (lambda t: parse_since(t, now=NOW), "since: "),
])
def test_neither_a_duration_nor_a_moment_names_the_argument(parse, argument):
    with pytest.raises(InvalidInput) as refused:
        parse("soon")
    assert refused.value.message.startswith(argument) and "'soon'" in refused.value.message
