"""The one SQLite database, shared by the web process and the kiosk.

WAL lets readers and one writer work at once. Every write goes through `write()`,
which takes the write lock up front (`BEGIN IMMEDIATE`): a DEFERRED transaction that
reads first and writes later fails with SQLITE_BUSY, without waiting, when the other
process wrote in between.

Waiting for the lock happens here, in Python, not in SQLite's busy handler: that one
sleeps inside the C call, which under `bar serve`'s event loop would stop every other
connection until the lock came free. `time.sleep` is the loop's own sleep there.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peewee

# One connection per thread (peewee's default): gunicorn's gthread workers and the
# kiosk's tailer thread each get their own.
db = peewee.SqliteDatabase(None)


# SQLite's own wait, for the rare reader that meets a lock (a checkpoint, recovery
# after a crash): short, since it blocks the whole event loop while it lasts.
SQLITE_BUSY_MS = 20
_busy_timeout_s = 5.0


def init_db(path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
    """Point the shared database at `path` (created if missing); a writer waits up to
    `busy_timeout_ms` for the other process to let go of the write lock."""
    global _busy_timeout_s
    if not db.is_closed():
        db.close()
    _busy_timeout_s = busy_timeout_ms / 1000
    db.init(
        str(path),
        # In this order: the short busy wait applies from the first pragma on.
        pragmas={
            "busy_timeout": min(SQLITE_BUSY_MS, busy_timeout_ms),
            "journal_mode": "wal",
            "synchronous": synchronous,
            "foreign_keys": 1,
        },
    )


_WRITE_LOCK = threading.RLock()


@contextmanager
def write() -> Iterator[Any]:
    """A write transaction that holds the write lock from its first statement.

    Threads (greenlets) of one process queue on a lock first; against another process
    (the kiosk) `BEGIN IMMEDIATE` is retried with short sleeps until the busy timeout.
    """
    with _WRITE_LOCK, ExitStack() as stack:
        deadline = time.monotonic() + _busy_timeout_s
        pause = 0.001
        while True:
            try:
                txn = stack.enter_context(db.atomic("IMMEDIATE"))
                break
            except peewee.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        yield txn


def _is_busy(exc: peewee.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


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
