"""What the bar does because time passed: timeouts, reminders, last call, closing time.

`run_due` is called every few seconds by every long-running process (the web
server's tailer thread and each kiosk). Each step is idempotent and claims its work
inside a write transaction, so two processes never do the same thing twice.

Scheduled things are rows of `Scheduled`: `bar announce --at 23:30 "Last call!"`
adds one; `[rules] last_call` and `close_at` in bar.toml plan one per business day.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bar import notifications, orders, shop, stations
from bar.config import DEFAULT_LAST_CALL, Settings
from bar.db import write
from bar.errors import BarError, InvalidInput
from bar.models import Order, Scheduled
from bar.text import clean_text
from bar.timeparse import local_at

ANNOUNCE, CLOSE = "announce", "close"
LAST_CALL = "last_call"  # an `Announcement.kind`: the last call in the bar's own words
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
    stations.sync_queues_full(settings, now=now)
    return Ran(
        expired=orders.expire_overdue(settings.rules, now=now, own=settings.stations),
        reminded=orders.remind_uncollected(settings.rules, now=now, own=settings.stations),
        scheduled=run_scheduled(now=now),
    )


def occurrence(at: time, *, now: datetime, day_starts_at: int) -> datetime:
    """`at` within the current business day: "01:00" is after midnight, not this morning."""
    day = date.fromisoformat(orders.business_day(now, day_starts_at))
    return local_at(day if at.hour >= day_starts_at else day + timedelta(days=1), at)


def plan_daily(settings: Settings, *, now: datetime) -> None:
    """Plan today's last call and closing time from bar.toml (once per business day).

    A row's key names the day, the time and the message: after bar.toml changes, the
    rows planned from the old values that have not run yet are cancelled.
    """
    rules = settings.rules
    day = orders.business_day(now, settings.day_starts_at)
    wanted: dict[str, dict[str, object]] = {}
    for kind, action, at, message in (
        ("last_call", ANNOUNCE, rules.last_call, rules.last_call_message),
        ("close_at", CLOSE, rules.close_at, ""),
    ):
        if at is not None:
            digest = hashlib.sha256(message.encode()).hexdigest()[:8]
            key = f"config:{kind}:{day}:{at:%H:%M}:{digest}"
            wanted[key] = {
                "key": key, "action": action, "message": message, "created_at": now,
                "due_at": occurrence(at, now=now, day_starts_at=settings.day_starts_at),
            }
    pending_config = Scheduled.select(Scheduled.key).where(
        Scheduled.key.startswith("config:"), Scheduled.done_at.is_null()
    )
    planned = {row.key for row in pending_config}
    done_today = {row.key for row in Scheduled.select(Scheduled.key).where(
        Scheduled.key.in_(list(wanted)), Scheduled.done_at.is_null(False))}
    new = [row for key, row in wanted.items() if key not in planned | done_today]
    stale = planned - wanted.keys()
    if not new and not stale:
        return  # the usual case: nothing to write
    with write():
        if new:
            Scheduled.insert_many(new).on_conflict_ignore().execute()
        if stale:
            (Scheduled.update(done_at=now, outcome="cancelled: bar.toml changed")
             .where(Scheduled.key.in_(list(stale)), Scheduled.done_at.is_null())
             .execute())


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
            try:
                with write():  # a savepoint: a refusal undoes the action, not the claim
                    item.outcome = _carry_out(item, now=now)
            except BarError as exc:
                item.outcome = f"failed: {exc.message}"  # once, not again every 5 s
            item.save()
            done.append(item)
    return done


def _carry_out(item: Scheduled, *, now: datetime) -> str:
    if item.action == CLOSE:
        return "closed" if shop.set_open(False, now=now) else "already closed"
    if now - item.due_at > STALE_AFTER:
        return "skipped: the bar was not running at the time"
    notifications.announce(item.message, now=now, kind=_kind(item))
    return "announced"


def _kind(item: Scheduled) -> str | None:
    """The daily last call with bar.toml's default message is the bar's own words: each
    guest's page says it in their language. A message the host wrote is theirs."""
    if item.key.startswith(f"config:{LAST_CALL}:") and item.message == DEFAULT_LAST_CALL:
        return LAST_CALL
    return None
