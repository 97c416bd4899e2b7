"""SQLite, the default engine: one file in the data dir, shared by the web process and
the kiosk.

WAL lets readers and one writer work at once. Every write goes through
`bar.db.write()`, which takes the write lock up front (`BEGIN IMMEDIATE`): a DEFERRED
transaction that reads first and writes later fails with SQLITE_BUSY, without
waiting, when the other process wrote in between.

Waiting for the lock happens in Python (`bar.db.write`), not in SQLite's busy handler:
that one sleeps inside the C call, which under `bar serve`'s event loop would stop
every other connection until the lock came free. `time.sleep` is the loop's own sleep
there.

For the same reason a commit runs off the event loop (in gevent's thread pool): with
`synchronous = FULL` it waits for the disk (an fsync, milliseconds), and the loop keeps
serving everyone else meanwhile.

An event tail learns of other processes' commits from `PRAGMA data_version`, which
costs no query while nothing changes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, cast

import peewee
from peewee import fn

from bar.engine import Engine, off_the_loop

# peewee's own: turns sqlite3's errors into peewee's, as its `commit` does.
_PEEWEE_ERRORS = peewee.__dict__["__exception_wrapper__"]


# Connections kept open for the next request when a thread or greenlet gives its own
# back: opening one and reading the schema cost ~0.35 ms of CPU, more than an order's
# queries. Few, as each keeps its page cache.
IDLE_CONNECTIONS = 8

# SQLite's own wait, for the rare reader that meets a lock (a checkpoint, recovery
# after a crash): short, since it blocks the whole event loop while it lasts.
SQLITE_BUSY_MS = 20


class _Database(peewee.SqliteDatabase):
    """peewee's SQLite database, committing off the event loop, and keeping a few given
    back connections for the next thread or greenlet that needs one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._idle: list[sqlite3.Connection] = []
        super().__init__(*args, **kwargs)

    def init(self, database: str | None, *args: Any, **kwargs: Any) -> None:
        self.close_idle()  # they point at the old file
        super().init(database, *args, **kwargs)

    def _connect(self) -> sqlite3.Connection:
        try:
            return self._idle.pop()  # peewee holds its lock around _connect and _close
        except IndexError:
            return cast(sqlite3.Connection, super()._connect())  # type: ignore[misc]  # not in the stubs

    def _close(self, conn: sqlite3.Connection) -> None:
        if len(self._idle) < IDLE_CONNECTIONS and not conn.in_transaction:
            self._idle.append(conn)
        else:
            conn.close()

    def close_idle(self) -> None:
        """Really close the connections kept for reuse."""
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:
                break

    def rollback(self) -> None:
        # A commit interrupted by the caller's stop may still have gone through (see
        # `off_the_loop`): then there is nothing left to roll back.
        if not self.is_closed() and not self.connection().in_transaction:
            return
        super().rollback()

    def begin(self, lock_type: str | None = None) -> None:
        super().begin(lock_type)
        self._thread_state.changes_at_begin = self.connection().total_changes

    @property
    def _thread_state(self) -> Any:
        return cast(Any, self)._state  # peewee's state of this thread (not in its stubs)

    def commit(self) -> None:
        if self.is_closed():
            raise peewee.InterfaceError("Cannot commit, database connection not open.")
        conn = self.connection()  # this greenlet's connection, handed to a pool thread
        with _PEEWEE_ERRORS:
            if conn.total_changes == getattr(self._thread_state, "changes_at_begin", None):
                conn.commit()  # nothing written (a refused order): no fsync to wait for
            else:
                off_the_loop(conn.commit)


class SqliteEngine(Engine):
    """The file `path`, in WAL mode. One connection per thread (peewee's default): each
    greenlet of `bar serve`, and the kiosk's tailer thread, get their own. A connection
    may be used by another OS thread (the commit above, or the next user after it was
    given back) but never by two at once."""

    name = "sqlite"
    database: _Database

    def __init__(self, path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
        self.database = _Database(None)
        self.reopen(path, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms)

    def reopen(self, path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
        """Point at `path` (created if missing); a reader waits at most `SQLITE_BUSY_MS`
        in SQLite itself, a writer up to `busy_timeout_ms` in `bar.db.write`."""
        database = self.database
        if not database.is_closed():
            database.close()
        self.path = Path(path)
        database.init(
            str(path),
            check_same_thread=False,
            # In this order: the short busy wait applies from the first pragma on.
            pragmas={
                "busy_timeout": min(SQLITE_BUSY_MS, busy_timeout_ms),
                "journal_mode": "wal",
                "synchronous": synchronous,
                "foreign_keys": 1,
            },
        )

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def prepare_schema(self) -> None:
        """Nothing: one writer at a time holds the file, so event ids (SQLite's rowids)
        are taken in commit order."""

    def is_busy(self, exc: peewee.OperationalError) -> bool:
        text = str(exc)
        return "locked" in text or "busy" in text

    def watch(self) -> _DataVersion:
        return _DataVersion(self.database)

    def shared_attempts(self) -> None:
        return None  # one `bar serve`: its memory sees every attempt, and costs no write

    def json_text(self, column: Any, key: str) -> Any:
        return fn.json_extract(column, f"$.{key}")

    def local_time(self, column: Any, fmt: str) -> Any:
        return fn.strftime(fmt, column, "localtime")

    def seconds_between(self, start: Any, end: Any) -> Any:
        return (fn.julianday(end) - fn.julianday(start)) * 86400.0

    def before_fork(self) -> None:
        self.database.close_idle()

    def close(self) -> None:
        self.database.close_idle()


class _DataVersion:
    """`PRAGMA data_version` changes when another connection commits, so an idle check
    costs one pragma and no query. It ignores this connection's own commits, so the
    connection's change count is checked too (a thread that writes and tails, like the
    kiosk's expiry, sees its own events). Both are per connection, and compared only
    with the same connection's: a thread's connection may change between checks (given
    back while it waited for a group commit, `bar.db.write_together`), and a fresh one's
    counters could match the old ones and hide new commits. Use it from one thread."""

    def __init__(self, database: _Database) -> None:
        self._database = database
        self._seen: tuple[object, int, int] | None = None

    def changed(self) -> bool:
        database = self._database
        conn = database.connection()
        version = (
            conn,
            database.execute_sql("PRAGMA data_version").fetchone()[0],
            conn.total_changes,
        )
        if version == self._seen:
            return False
        self._seen = version
        return True

    def wait(self, timeout: float) -> None:
        time.sleep(timeout)
