"""Housekeeping: timers and pruning, each when due, the first round at once, never raising."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bar import events, orders, timers
from bar.housekeeping import Housekeeping
from bar.models import Order


class Monotonic:
    """A schedule clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Monotonic:
    return Monotonic()


@pytest.fixture
def chores(settings, keys, clock, ticks) -> Housekeeping:
    return Housekeeping(settings, clock, timers_every=5.0, prune_every=600.0, monotonic=ticks)


def test_the_first_round_runs_everything_at_once(chores, make, clock):
    order = make.order()
    clock.advance(minutes=16)  # past the barista timeout while nothing was running
    done = chores.tick()
    assert done.expired == 1 and [o.id for o in done.ran.expired] == [order.id]
    assert done.pruned == 0 and done.failed == ()
    assert Order.get_by_id(order.id).status == orders.EXPIRED
    assert chores.last == done


def test_each_chore_runs_when_it_is_due(chores, make, clock, ticks):
    chores.tick()
    make.order()
    clock.advance(minutes=16)
    ticks.now += 4.9
    assert chores.tick().ran is None  # not yet: it would expire the order
    ticks.now += 0.1
    done = chores.tick()
    assert done.expired == 1 and done.pruned is None  # pruning waits its 10 minutes
    ticks.now += 600
    assert chores.tick().pruned == 0


def test_old_events_are_pruned(chores, make, clock, settings):
    make.order()
    old = events.last_event_id()
    clock.advance(settings.event_retention + timedelta(seconds=1))
    assert chores.tick().pruned == old
    assert events.pruned_through() == old


def test_a_failing_chore_is_logged_and_tried_again(chores, make, clock, ticks, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    real = timers.run_due
    monkeypatch.setattr(timers, "run_due", broken)
    with caplog.at_level(logging.ERROR, logger="bar.housekeeping"):
        done = chores.tick()
    assert done.failed == ("timers",) and done.ran is None and done.pruned == 0
    assert "timers failed" in caplog.text and "disk on fire" in caplog.text
    monkeypatch.setattr(timers, "run_due", real)
    ticks.now += 5
    assert chores.tick().failed == ()
