"""`bar events`: the log as readable lines or JSON, filtered, and followed live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bar import events, notifications, shop
from bar.db import write
from bar.errors import ShopClosed
from bar.models import Event
from bar.payloads import Announcement
from tests import night
from tests.conftest import SAMPLE_CONFIG, run_cli


@pytest.fixture(autouse=True)
def _berlin() -> Iterator[None]:
    with night.local_zone():
        yield


@pytest.fixture
def run(settings, keys):
    def invoke(*args: str, ok: bool = True) -> list[str]:
        return run_cli(settings.data_dir, *args, ok=ok).output.splitlines()

    return invoke


@pytest.fixture
def played(make, clock):
    night.play(make, clock)


def test_readable_lines_in_local_time(run, played):
    first = Event.select().where(Event.channel == events.ADMIN).order_by(Event.id).first()
    lines = run("events", "--since", str(first.id - 1), "--channel", "admin")
    assert lines[0] == f"2024-11-15 05:40:00  #{first.id:<5} admin          NEW_ORDER" \
        "             #1 Espresso for Eli: pending"
    assert len(lines) == Event.select().where(Event.channel == events.ADMIN).count()
    expired = [line for line in lines if "ORDER_EXPIRED" in line]
    assert expired[0].startswith("2024-11-16 00:30:00")  # local time, past midnight
    assert expired[0].endswith("#7 Espresso Martini for Cy: expired")


def test_default_is_the_last_twenty_matching(run, played):
    assert len(run("events")) == 20
    news = run("events", "--type", "new_order", "--channel", "display")
    assert len(news) == 11 and all(" display " in line and "NEW_ORDER" in line for line in news)
    assert news[-1].endswith("#10 Espresso for Bo: pending")  # first names on the display


def test_filters_by_channel_and_type_in_json(run, played):
    lines = [json.loads(line) for line in run(
        "events", "--since", "0", "--json", "--type", "ORDER_EXPIRED", "--channel", "admin")]
    assert [(m["channel"], m["event"]["type"], m["event"]["drink_name"]) for m in lines] == [
        ("admin", "ORDER_EXPIRED", "Espresso Martini"), ("admin", "ORDER_EXPIRED", "Flat White")]
    both = run("events", "--since", "0", "--json", "--channel", "admin", "--channel", "display",
               "--type", "ORDER_EXPIRED", "--type", "NEW_ORDER")
    assert len(both) == 2 + 2 * 11
    assert run("events", "--since", "0", "--type", "NO_SUCH_TYPE") == []


def test_control_characters_cannot_reach_the_terminal_raw(run, make):
    # The core refuses them in what guests type; an event of an older version may have one.
    with write():
        events.publish(events.ANNOUNCEMENTS, Announcement("Last call\x1b[31m!", at=make.clock()),
                       now=make.clock())
    (line,) = run("events", "--type", "ANNOUNCEMENT")
    assert "\x1b" not in line and line.endswith("ANNOUNCEMENT          Last call\\x1b[31m!")


def test_follow_prints_new_events_until_ctrl_c(settings, keys, make):
    env = {**os.environ, "TZ": night.ZONE, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bar", "--config", str(SAMPLE_CONFIG), "--data-dir",
         str(settings.data_dir), "events", "--follow", "--type", "NEW_ORDER", "--channel", "admin"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        make.order(make.guest("Ana"))  # may land before or after the command starts: both print
        line = proc.stdout.readline()
        assert "NEW_ORDER" in line and "#1 Negroni for Ana: pending" in line
        notifications.announce("not a new order", now=make.clock())
        make.order(make.guest("Bo"), drink_id="espresso")
        assert "#2 Espresso for Bo: pending" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "not a new order" not in out


def test_a_refusal_reads_as_who_was_turned_away_and_why(run, make, clock):
    guest = make.guest("[bold]Ana")
    shop.set_open(False, now=clock())
    with pytest.raises(ShopClosed):
        make.order(guest)
    last = run("events", "--type", "ORDER_REFUSED")[-1]
    assert last.split(None, 5)[3:] == ["admin", "ORDER_REFUSED", "[bold]Ana turned away: closed"]
