"""The one SQLite database, shared by the web process and the kiosk.

WAL lets readers and one writer work at once. Every write goes through `write()`,
which takes the write lock up front (`BEGIN IMMEDIATE`): a DEFERRED transaction that
reads first and writes later fails with SQLITE_BUSY, without waiting, when the other
process wrote in between.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peewee

# One connection per thread (peewee's default): gunicorn's gthread workers and the
# kiosk's tailer thread each get their own.
db = peewee.SqliteDatabase(None)


def init_db(path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
    """Point the shared database at `path` (created if missing)."""
    if not db.is_closed():
        db.close()
    db.init(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": synchronous,
            "busy_timeout": busy_timeout_ms,
            "foreign_keys": 1,
        },
        timeout=max(1, round(busy_timeout_ms / 1000)),
    )


_WRITE_LOCK = threading.RLock()


@contextmanager
def write() -> Iterator[Any]:
    """A write transaction that holds the write lock from its first statement.

    Threads of one process queue on a lock first: SQLite's busy handler makes a
    waiting writer sleep and retry (up to 100 ms a time) while newcomers take the lock.
    """
    with _WRITE_LOCK:
        with db.atomic("IMMEDIATE") as txn:
            yield txn


class UtcDateTimeField(peewee.TextField):
    """An aware UTC datetime stored as ISO 8601 text (sorts and compares as text)."""

    def db_value(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def python_value(self, value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class JSONField(peewee.TextField):
    def db_value(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False
