"""The one SQLite database, shared by the web process and the kiosk.

WAL lets readers and one writer work at once. Every write goes through `write()`,
which takes the write lock up front (`BEGIN IMMEDIATE`): a DEFERRED transaction that
reads first and writes later fails with SQLITE_BUSY, without waiting, when the other
process wrote in between.

Waiting for the lock happens here, in Python, not in SQLite's busy handler: that one
sleeps inside the C call, which under `bar serve`'s event loop would stop every other
connection until the lock came free. `time.sleep` is the loop's own sleep there.

For the same reason a commit runs off the event loop (in gevent's thread pool): with
`synchronous = FULL` it waits for the disk (an fsync, milliseconds), and the loop keeps
serving everyone else meanwhile. `write_together` lets writers that arrive during one
commit share the next: one transaction, one fsync for all of them (group commit).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import peewee

T = TypeVar("T")
log = logging.getLogger(__name__)


def _off_the_loop(call: Callable[[], T]) -> T:
    """Run a blocking call in gevent's thread pool when gevent patched this process,
    so the event loop serves other connections meanwhile; else just call it."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return call()
    import gevent

    running = gevent.get_hub().threadpool.spawn(call)
    try:
        return cast(T, running.get())
    except BaseException:
        # Stopped (killed) while the pool thread still works: it must finish before the
        # caller goes on, as what it works on (a connection mid-commit) is the caller's.
        while not running.ready():
            try:
                running.wait()
            except BaseException:
                continue
        raise


# peewee's own: turns sqlite3's errors into peewee's, as its `commit` does.
_PEEWEE_ERRORS = peewee.__dict__["__exception_wrapper__"]


# Connections kept open for the next request when a thread or greenlet gives its own
# back: opening one and reading the schema cost ~0.35 ms of CPU, more than an order's
# queries. Few, as each keeps its page cache.
IDLE_CONNECTIONS = 8


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
        # `_off_the_loop`): then there is nothing left to roll back.
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
                _off_the_loop(conn.commit)


# One connection per thread (peewee's default): each greenlet of `bar serve`, and the
# kiosk's tailer thread, get their own. A connection may be used by another OS thread
# (the commit above, or the next user after it was given back) but never by two at once.
db = _Database(None)
# A forked child (gunicorn's worker) must not inherit open SQLite connections.
os.register_at_fork(before=db.close_idle)


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
        check_same_thread=False,
        # In this order: the short busy wait applies from the first pragma on.
        pragmas={
            "busy_timeout": min(SQLITE_BUSY_MS, busy_timeout_ms),
            "journal_mode": "wal",
            "synchronous": synchronous,
            "foreign_keys": 1,
        },
    )


_WRITE_LOCK = threading.RLock()
# The longest pause between two tries for the other process's write lock. Short: a
# writer that sleeps long lets the other process's next transaction (a kiosk moving
# orders) take the lock first again and again; a try costs a few microseconds.
BUSY_PAUSE_MAX_S = 0.005


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
            pause = min(pause * 2, BUSY_PAUSE_MAX_S)
        yield txn


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint inside the current transaction: undone if the block raises.

    Plain SQL (SAVEPOINT, ROLLBACK TO, RELEASE: the same in SQLite and PostgreSQL)
    rather than peewee's `atomic()`, which names each one with a fresh UUID and costs
    several times more: every order in a group commit has one. Savepoints of one name
    nest: RELEASE and ROLLBACK TO take the innermost.
    """
    db.execute_sql('SAVEPOINT "bar_job"')
    try:
        yield
    except BaseException:
        db.execute_sql('ROLLBACK TO SAVEPOINT "bar_job"')
        db.execute_sql('RELEASE SAVEPOINT "bar_job"')
        raise
    db.execute_sql('RELEASE SAVEPOINT "bar_job"')


def _in_savepoint(work: Callable[[], T], after_error: Callable[[Exception], None] | None) -> T:
    """`work` in a savepoint; if it raises, its changes are undone and `after_error`
    runs (in a savepoint of its own) before the error goes on to the caller."""
    try:
        with _savepoint():
            return work()
    except Exception as exc:
        if after_error is not None:
            try:
                with _savepoint():
                    after_error(exc)
            except Exception:  # never changes what the caller is told
                log.exception("writing what follows a refused write failed")
        raise


@dataclass(eq=False)
class _Job:
    work: Callable[[], Any]
    after_error: Callable[[Exception], None] | None = None
    # Set once: when a leader has finished this job, or made it the next leader.
    wake: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class _Together:
    """Writers of this process queue here; the first in line leads.

    The leader takes every job queued so far and runs them one after the other in one
    `write()` transaction, each in its own savepoint: a job that raises undoes only its
    own changes. Once committed, each job gets its result or its error, and the first
    job that queued meanwhile leads the next group. No job waits for a group to fill:
    a group is whatever arrived while the previous one was committing.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._leader: _Job | None = None

    def run(self, work: Callable[[], T], after_error: Callable[[Exception], None] | None) -> T:
        job = _Job(work, after_error)
        with self._lock:
            self._queue.append(job)
            leading = self._leader is None
            if leading:
                self._leader = job
        if not leading:
            # The leader writes this job on its own connection: while waiting, this
            # caller's goes back to the pool (sixteen phones waiting for one commit
            # would otherwise hold sixteen, and newcomers would open more).
            db.close()
            try:
                job.wake.wait()
            except BaseException:  # the caller was stopped (a greenlet killed) meanwhile
                self._abandon(job)
                raise
        if not job.done:
            self._lead()
        if job.error is None:
            return cast(T, job.result)
        if isinstance(job.error, Exception):
            raise job.error
        # The leader was stopped (GreenletExit, KeyboardInterrupt): that is not ours to
        # raise in this caller, and nothing of the group is known to be written.
        raise RuntimeError("the write was interrupted; nothing of it is known to be saved")

    def _abandon(self, job: _Job) -> None:
        """A queued job whose caller went away: it is not run, and if it was to lead the
        next group, the job after it does."""
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
            if self._leader is not job or job.done:
                return
            self._leader = self._queue[0] if self._queue else None
            following = self._leader
        if following is not None:
            following.wake.set()

    def _lead(self) -> None:
        group: list[_Job] = []
        try:
            with self._lock:
                group, self._queue = self._queue, []
            with write():
                for job in group:
                    try:
                        job.result = _in_savepoint(job.work, job.after_error)
                    except Exception as exc:
                        job.error = exc
        except BaseException as exc:
            # Not committed (the lock timed out, the disk failed, the leader was
            # stopped): each job says so.
            for job in group:
                job.result, job.error = None, exc
            raise
        finally:
            with self._lock:
                self._leader = self._queue[0] if self._queue else None
                following = self._leader
            for job in group:
                job.done = True
                job.wake.set()
            if following is not None:
                following.wake.set()


_TOGETHER = _Together()


def write_together(
    work: Callable[[], T], *, after_error: Callable[[Exception], None] | None = None
) -> T:
    """Run `work` in a write transaction, sharing its commit with the writers of this
    process that arrive meanwhile; returns (or raises) once that commit is on disk.

    `work` runs in its own savepoint, maybe on another thread's connection (the
    group's leader), so it must use nothing thread-local but the database, and it sees
    what the writers before it in the group wrote: the rules it checks hold as if
    each ran alone. Inside a transaction already, it simply runs there.

    If `work` raises, its savepoint is undone and `after_error(error)` runs in the same
    transaction (what it writes shares the commit: a refused order's record, without a
    transaction of its own); the caller still gets `work`'s error.

    While it waits for another writer's group, the caller's connection is given back
    (so it must not be reading a cursor); its next query takes one again.
    """
    if db.in_transaction():
        return _in_savepoint(work, after_error)
    return _TOGETHER.run(work, after_error)


def _is_busy(exc: peewee.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


class _Slot:
    """A slot's marker among a compiled query's parameters (not a tuple: peewee would
    take a tuple for a list of values)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _as_is(value: Any) -> Any:
    return value


def slot(name: str) -> peewee.Value:
    """A named place for a value in a `Prepared` query, filled in on each run (as is:
    pass it in the stored form, e.g. a time as `UtcDateTimeField().db_value(t)`)."""
    return peewee.Value(_Slot(name), converter=_as_is, unpack=False)


class Prepared:
    """A query built by peewee once, then run many times with new values in its slots.

    For the hot paths (every order, every request, every poll of the event tail):
    building a query costs peewee more CPU than running it costs SQLite. The SQL is still
    peewee's, for the database in use (its dialect and placeholders), not hand-written.

        by_key = Prepared(lambda: Guest.select(Guest.username)
                          .where(Guest.user_key == slot("user_key")))
        row = by_key.execute(user_key="…").fetchone()
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._compiled: tuple[type, str, list[Any]] | None = None

    def sql(self) -> tuple[str, list[Any]]:
        """The SQL and its parameters (slots among them) for the database in use."""
        compiled = self._compiled
        if compiled is None or compiled[0] is not type(db):
            sql, params = self._build().sql()
            compiled = self._compiled = (type(db), sql, params)
        return compiled[1], compiled[2]

    def execute(self, **values: Any) -> Any:
        """Run it with `values` in the slots of those names; returns the cursor."""
        sql, params = self.sql()
        return db.execute_sql(
            sql, [values[p.name] if isinstance(p, _Slot) else p for p in params]
        )


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
