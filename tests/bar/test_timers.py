"""Time passing: reminders, last call, closing time, `bar announce --at`."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bar import events, notifications, orders, shop, timers
from bar.errors import InvalidInput
from bar.models import Event, Notification, Order, Scheduled
from bar.timeparse import parse_when
from tests.conftest import run_cli, with_rules


def _local(clock, hh: int, mm: int = 0):
    """Move the frozen clock to the next local hh:mm."""
    local = clock().astimezone()
    target = local.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    clock.advance(target - local)
    return clock()


def _announcements() -> list[str]:
    return [e.payload["message"] for e in Event.select().where(Event.type == events.ANNOUNCEMENT)]


def test_ready_drink_not_collected_is_reminded_once(make, clock, settings):
    rules = settings.rules
    order = make.order()
    orders.advance(order.id, barista="Joe", now=clock())
    orders.advance(order.id, barista="Joe", now=clock())
    clock.advance(rules.remind_after - timedelta(seconds=1))
    assert orders.remind_uncollected(rules, now=clock()) == []
    clock.advance(seconds=1)
    assert [o.id for o in orders.remind_uncollected(rules, now=clock())] == [order.id]
    clock.advance(minutes=1)
    assert orders.remind_uncollected(rules, now=clock()) == []  # once only
    types = [n.type for n in notifications.unread(order.guest.user_key)]
    assert types == ["ORDER_READY", "ORDER_REMINDER"]
    reminder = Event.get(Event.type == events.ORDER_REMINDER)
    assert reminder.channel == events.guest_channel(order.guest.user_key)
    assert reminder.payload["number"] == order.number and "user_key" not in reminder.payload
    assert Order.get_by_id(order.id).reminded_at == clock() - timedelta(minutes=1)


def test_served_drinks_and_late_reminders_are_not_sent(make, clock, settings):
    served = make.order(make.guest("Ana"))
    for _ in range(3):
        orders.advance(served.id, barista="Joe", now=clock())
    clock.advance(settings.rules.remind_after * 2)
    assert orders.remind_uncollected(settings.rules, now=clock()) == []
    # A reminder after the drink would have expired makes no sense: none are planned.
    slow = with_rules(settings, remind_after=timedelta(minutes=20)).rules
    assert orders.remind_uncollected(slow, now=clock()) == []


def test_last_call_from_config_is_announced_once_per_night(make, clock, settings):
    guest = make.guest("Mia")
    bar = with_rules(settings, last_call=time(23, 30), last_call_message="Last call, folks!")
    _local(clock, 22, 0)
    assert timers.run_due(bar, now=clock()).scheduled == []
    _local(clock, 23, 30)
    ran = timers.run_due(bar, now=clock())
    assert [(r.action, r.outcome) for r in ran.scheduled] == [("announce", "announced")]
    clock.advance(minutes=5)
    assert timers.run_due(bar, now=clock()).scheduled == []  # not twice
    assert _announcements() == ["Last call, folks!"]
    assert [n.payload["message"] for n in notifications.unread(guest.user_key)] == ["Last call, folks!"]
    # The next night plans its own.
    _local(clock, 23, 30)
    timers.run_due(bar, now=clock())
    assert _announcements() == ["Last call, folks!"] * 2


def test_the_default_last_call_is_the_bar_s_own_words_and_the_host_s_is_theirs(
        make, clock, settings):
    guest = make.guest("Mia")
    default = with_rules(settings, last_call=time(23, 30))  # "Last call!" left as it is
    _local(clock, 23, 30)
    timers.run_due(default, now=clock())
    # The host writes their own the next night; and says "Last call!" by hand once.
    written = with_rules(settings, last_call=time(23, 30), last_call_message="Dernière tournée !")
    _local(clock, 23, 30)
    timers.run_due(written, now=clock())
    notifications.announce("Last call!", now=clock())
    said = [(e.payload["message"], e.payload.get("kind"))
            for e in Event.select().where(Event.type == events.ANNOUNCEMENT).order_by(Event.id)]
    assert said == [("Last call!", "last_call"), ("Dernière tournée !", None), ("Last call!", None)]
    kept = [(n.payload["message"], n.payload.get("kind"))
            for n in notifications.unread(guest.user_key)]
    assert kept == said  # the unread notification says so too (a phone asleep at the time)


def test_close_at_after_midnight_closes_the_bar_that_night(clock, settings, keys):
    bar = with_rules(settings, close_at=time(1, 0))
    _local(clock, 20, 0)
    timers.run_due(bar, now=clock())
    row = Scheduled.get(Scheduled.action == "close")
    assert row.due_at.astimezone().hour == 1
    assert row.due_at > clock()  # 01:00 after tonight's midnight, not this morning's
    _local(clock, 0, 59)
    timers.run_due(bar, now=clock())
    assert shop.is_open()
    _local(clock, 1, 0)
    assert [r.outcome for r in timers.run_due(bar, now=clock()).scheduled] == ["closed"]
    assert not shop.is_open()
    change = Event.select().where(Event.type == events.SHOP_STATUS_CHANGED).get()
    assert change.payload == {"is_open": False, "queue_full": False}


def test_a_missed_announcement_is_skipped_but_closing_still_happens(clock, settings, keys):
    bar = with_rules(settings, last_call=time(23, 30), close_at=time(23, 45))
    _local(clock, 20, 0)
    timers.plan_daily(bar, now=clock())
    _local(clock, 2, 0)  # the laptop slept through last call
    outcomes = {r.action: r.outcome for r in timers.run_due(bar, now=clock()).scheduled}
    assert outcomes == {"announce": "skipped: the bar was not running at the time", "close": "closed"}
    assert _announcements() == []


def test_announce_at_a_time_or_after_a_delay(make, clock, settings):
    make.guest("Mia")
    now = _local(clock, 21, 0)
    at = parse_when("23:30", now=now, day_starts_at=6)
    assert at.astimezone().strftime("%H:%M") == "23:30" and at > now
    assert parse_when("10m", now=now, day_starts_at=6) == now + timedelta(minutes=10)
    earlier = parse_when("20:00", now=now, day_starts_at=6)
    assert earlier - now == timedelta(hours=23)  # the next 20:00 to come
    with pytest.raises(InvalidInput, match="--at"):
        parse_when("soon", now=now, day_starts_at=6)

    planned = timers.schedule_announcement("Band at 10!", due_at=now + timedelta(minutes=10), now=now)
    assert [p.id for p in timers.upcoming()] == [planned.id]
    clock.advance(minutes=9)
    assert timers.run_scheduled(now=clock()) == []
    clock.advance(minutes=1)
    assert [r.message for r in timers.run_scheduled(now=clock())] == ["Band at 10!"]
    assert timers.upcoming() == []
    assert _announcements() == ["Band at 10!"]


def test_cancelled_announcement_is_never_sent(make, clock):
    planned = timers.schedule_announcement("Oops", due_at=clock() + timedelta(minutes=1), now=clock())
    timers.cancel(planned.id, now=clock())
    with pytest.raises(InvalidInput):
        timers.cancel(planned.id, now=clock())
    clock.advance(minutes=2)
    assert timers.run_scheduled(now=clock()) == []
    assert Notification.select().count() == 0


def test_a_schema_1_database_gains_reminded_at(settings, keys, make, clock):
    from bar import datadir
    from bar.db import db

    db.execute_sql('ALTER TABLE "orders" DROP COLUMN "reminded_at"')
    db.execute_sql('ALTER TABLE "app_users" DROP COLUMN "device_id"')  # schema 3's
    for table, column in (("drink", "photo"), ("orders", "drink_name"), ("orders", "price")):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')  # schema 5's
    db.execute_sql("UPDATE schema_version SET version = 1")
    db.close()
    datadir.open_bar(settings)
    order = make.order()
    orders.advance(order.id, barista="Joe", now=clock())
    orders.advance(order.id, barista="Joe", now=clock())
    clock.advance(settings.rules.remind_after)
    assert len(orders.remind_uncollected(settings.rules, now=clock())) == 1


def test_cli_plans_lists_and_cancels_announcements(settings, keys, clock):
    data = settings.data_dir
    planned = run_cli(data, "announce", "--at", "23:30", "Last call!")
    assert planned.output.startswith("Planned #1 for ")
    assert "23:30  'Last call!'" in run_cli(data, "announce", "--planned").output
    assert run_cli(data, "announce", "--cancel", "1").output == "Cancelled #1\n"
    again = run_cli(data, "announce", "--cancel", "1", ok=False)
    assert again.exit_code == 1 and again.output == "Error: nothing planned with id 1\n"
    bad = run_cli(data, "announce", "--at", "later", "x", ok=False)
    assert bad.exit_code == 1 and "--at: expected a time like 23:30" in bad.output
    assert Scheduled.select().where(Scheduled.done_at.is_null()).count() == 0


def test_bar_toml_changes_replan_tonight(clock, settings, keys):
    _local(clock, 20, 0)
    timers.run_due(with_rules(settings, close_at=time(1, 0)), now=clock())
    # The host moves closing time and restarts: the 01:00 plan gives way to 02:00.
    later = with_rules(settings, close_at=time(2, 0))
    timers.run_due(later, now=clock())
    planned = [(r.due_at.astimezone().hour, r.outcome) for r in Scheduled.select().order_by(Scheduled.id)]
    assert planned == [(1, "cancelled: bar.toml changed"), (2, None)]
    # ... and removing it cancels tonight's closing.
    timers.run_due(settings, now=clock())
    assert [r.outcome for r in Scheduled.select()] == ["cancelled: bar.toml changed"] * 2
    _local(clock, 2, 30)
    timers.run_due(settings, now=clock())
    assert shop.is_open()


def test_a_refused_announcement_fails_once_and_closing_still_happens(make, clock, settings):
    bar = with_rules(settings, close_at=time(23, 45))
    _local(clock, 20, 0)
    # Written around the checks (an old database, a hand edit): the rule refuses it at last call.
    Scheduled.create(key="cli:x", action="announce", message="bad\x07text",
                     due_at=clock() + timedelta(hours=3, minutes=45), created_at=clock())
    _local(clock, 23, 50)
    outcomes = {r.action: r.outcome for r in timers.run_due(bar, now=clock()).scheduled}
    assert outcomes["announce"].startswith("failed: announcement must not contain control")
    assert outcomes["close"] == "closed" and not shop.is_open()
    assert timers.run_due(bar, now=clock()).scheduled == []  # not retried every 5 s


@pytest.mark.parametrize("night", [(2026, 3, 28), (2026, 10, 24)], ids=["spring", "autumn"])
def test_closing_time_is_wall_clock_time_on_the_night_the_clocks_change(night, keys, settings):
    """Spring forward and fall back both happen at night, between 02:00 and 03:00."""
    from datetime import UTC, datetime

    from bar.clock import FrozenClock
    from tests.night import local_zone

    with local_zone("Europe/Berlin"):
        clock = FrozenClock(datetime(*night, 20, 0).astimezone().astimezone(UTC))
        timers.plan_daily(with_rules(settings, close_at=time(4, 0)), now=clock())
        due = Scheduled.get(Scheduled.action == "close").due_at.astimezone()
        assert (due.hour, due.minute, due.day) == (4, 0, night[2] + 1)
        at = parse_when("04:00", now=clock(), day_starts_at=6).astimezone()
        assert (at.hour, at.minute) == (4, 0)


@pytest.mark.parametrize("end", ["served", "expired"])
def test_ready_and_reminder_notifications_end_with_the_order(make, clock, settings, end):
    order = make.order()
    orders.advance(order.id, barista="Joe", now=clock())
    orders.advance(order.id, barista="Joe", now=clock())
    clock.advance(settings.rules.remind_after)
    orders.remind_uncollected(settings.rules, now=clock())
    if end == "served":
        orders.advance(order.id, barista="Joe", now=clock())
    else:
        clock.advance(settings.rules.uncollected_timeout)
        orders.expire_overdue(settings.rules, now=clock())
    left = [n.type for n in notifications.unread(order.guest.user_key)]
    assert left == ([] if end == "served" else ["ORDER_EXPIRED"])
