"""What a guest must not miss: kept unread until the guest marks it read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bar import events
from bar.db import write
from bar.errors import InvalidInput
from bar.models import Guest, Notification
from bar.payloads import ANNOUNCEMENT, Announcement
from bar.text import clean_text


def unread(user_key: str) -> list[Notification]:
    return list(
        Notification.select()
        .where(Notification.guest == user_key, Notification.read_at.is_null())
        .order_by(Notification.id)
    )


def mark_read(user_key: str, ids: Iterable[int] | None = None, *, now: datetime) -> int:
    """Mark the guest's notifications read (all of them when `ids` is None)."""
    with write():
        query = Notification.update(read_at=now).where(
            Notification.guest == user_key, Notification.read_at.is_null()
        )
        if ids is not None:
            id_list = list(ids)
            # Ids are SQLite integers: a bigger number is no id (and would not bind).
            if not all(isinstance(i, int) and not isinstance(i, bool) and abs(i) < 2**63
                       for i in id_list):
                raise InvalidInput("ids must be a list of notification ids")
            query = query.where(Notification.id.in_(id_list))
        return query.execute()


def notification_dict(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id, "type": note.type, "payload": note.payload,
        "created_at": note.created_at.isoformat(),
    }


def announce(text: str, *, now: datetime, kind: str | None = None) -> int:
    """A message from the host to every guest: an event and an unread notification each.

    `kind`: a message of the bar's own (`Announcement.kind`), which pages translate."""
    message = clean_text(text, field="announcement", min_len=1, max_len=280)
    with write():
        event_id = events.publish(events.ANNOUNCEMENTS, Announcement(message, at=now, kind=kind),
                                  now=now)
        payload = {"message": message, "event_id": event_id, **({"kind": kind} if kind else {})}
        guests = Guest.select(Guest.user_key).where(Guest.is_active == True)  # noqa: E712
        rows = [
            {"guest": g.user_key, "type": ANNOUNCEMENT, "payload": payload, "created_at": now}
            for g in guests
        ]
        for start in range(0, len(rows), 500):
            Notification.insert_many(rows[start:start + 500]).execute()
        return event_id
