"""What the bar does because time passed: timeouts, reminders, last call, closing time.

`run_due` is called every few seconds by every long-running process (the web
server's tailer thread and each kiosk). Each step is idempotent and claims its work
inside a write transaction, so two processes never do the same thing twice.

Scheduled things are rows of `Scheduled`: `bar announce --at 23:30 "Last call!"`
adds one; `[rules] last_call` and `close_at` in bar.toml plan one per business day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bar import notifications, orders, shop
from bar.config import Settings, parse_duration
from bar.db import write
from bar.errors import InvalidInput
from bar.models import Order, Scheduled
from bar.registration import clean_text

ANNOUNCE, CLOSE = "announce", "close"
# An announcement this late (the bar was not running at the time) would confuse:
# "Last call!" at three in the morning. Closing is still right however late it is.
STALE_AFTER = timedelta(minutes=15)


@dataclass
class Ran:
    expired: list[Order] = field(default_factory=list)
    reminded: list[Order] = field(default_factory=list)
    scheduled: list[Scheduled] = field(default_factory=list)


def run_due(settings: Settings, *, now: datetime) -> Ran:
    """Do everything that is due at `now`."""
    plan_daily(settings, now=now)
    return Ran(
        expired=orders.expire_overdue(settings.rules, now=now),
        reminded=orders.remind_uncollected(settings.rules, now=now),
        scheduled=run_scheduled(now=now),
    )


def business_day_start(now: datetime, day_starts_at: int) -> datetime:
    """When the current business day began (local time, aware)."""
    local = now.astimezone()
    start = local.replace(hour=day_starts_at, minute=0, second=0, microsecond=0)
    return start if start <= local else start - timedelta(days=1)


def occurrence(at: time, *, now: datetime, day_starts_at: int) -> datetime:
    """`at` within the current business day: "01:00" is after midnight, not this morning."""
    start = business_day_start(now, day_starts_at)
    moment = start.replace(hour=at.hour, minute=at.minute)
    return moment if moment >= start else moment + timedelta(days=1)


def plan_daily(settings: Settings, *, now: datetime) -> None:
    """Plan today's last call and closing time from bar.toml (once per business day)."""
    rules = settings.rules
    day = orders.business_day(now, settings.day_starts_at)
    planned = [
        (f"config:last_call:{day}", ANNOUNCE, rules.last_call, rules.last_call_message),
        (f"config:close_at:{day}", CLOSE, rules.close_at, ""),
    ]
    rows = [
        {"key": key, "action": action, "message": message, "created_at": now,
         "due_at": occurrence(at, now=now, day_starts_at=settings.day_starts_at)}
        for key, action, at, message in planned if at is not None
    ]
    if not rows:
        return
    with write():
        Scheduled.insert_many(rows).on_conflict_ignore().execute()


def parse_when(text: str, *, now: datetime, day_starts_at: int) -> datetime:
    """`--at`: a local time of day ("23:30", the next one to come) or a delay ("10m")."""
    text = text.strip()
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        at = time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--at: expected a time like 23:30 or a delay like 10m, got {text!r}") from None
    local = now.astimezone()
    moment = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return moment if moment > local else moment + timedelta(days=1)


def schedule_announcement(text: str, *, due_at: datetime, now: datetime) -> Scheduled:
    message = clean_text(text, field="announcement", min_len=1, max_len=280)
    with write():
        return Scheduled.create(
            key=f"cli:{uuid.uuid4().hex}", action=ANNOUNCE, message=message, due_at=due_at,
            created_at=now,
        )


def upcoming() -> list[Scheduled]:
    return list(
        Scheduled.select().where(Scheduled.done_at.is_null()).order_by(Scheduled.due_at)
    )


def cancel(scheduled_id: int, *, now: datetime) -> Scheduled:
    with write():
        row = Scheduled.get_or_none(Scheduled.id == scheduled_id, Scheduled.done_at.is_null())
        if row is None:
            raise InvalidInput(f"nothing planned with id {scheduled_id}")
        row.done_at, row.outcome = now, "cancelled"
        row.save()
        return row


def run_scheduled(*, now: datetime) -> list[Scheduled]:
    """Carry out what is due; each row once, whichever process gets there first."""
    done: list[Scheduled] = []
    due = list(
        Scheduled.select(Scheduled.id)
        .where(Scheduled.done_at.is_null(), Scheduled.due_at <= now)
        .order_by(Scheduled.due_at)
    )
    for row in due:
        with write():
            claimed = (
                Scheduled.update(done_at=now)
                .where(Scheduled.id == row.id, Scheduled.done_at.is_null())
                .execute()
            )
            if not claimed:
                continue  # another process did it
            item = Scheduled.get_by_id(row.id)
            item.outcome = _carry_out(item, now=now)
            item.save()
            done.append(item)
    return done


def _carry_out(item: Scheduled, *, now: datetime) -> str:
    if item.action == CLOSE:
        return "closed" if shop.set_open(False, now=now) else "already closed"
    if now - item.due_at > STALE_AFTER:
        return "skipped: the bar was not running at the time"
    notifications.announce(item.message, now=now)
    return "announced"
