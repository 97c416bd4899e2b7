"""The bar's one database: SQLite (embedded, the default) or PostgreSQL (`database.url`).

`db` is a peewee `DatabaseProxy`; `connect` points it at the engine the settings name.
What differs between the engines lives in their own modules, behind `Engine`:
`bar.sqlite` (a file in the data dir, WAL, `BEGIN IMMEDIATE`) and `bar.postgres` (a
connection pool, an advisory lock, `LISTEN`/`NOTIFY`). Services, the kiosk and the web
app see the same `db`, `write()` and `write_together()` on both.

**Writers take turns, on both engines.** Every rule of the bar (order numbers per
business day, invite uses, a scan window's drinks, a guest's open orders, the queue
cap, idempotency keys) is a check over rows followed by a write. `write()` makes that
one step by letting one writer at a time in, across every process sharing the
database: SQLite's `BEGIN IMMEDIATE` takes its file's write lock; on PostgreSQL the
transaction's first statement takes one transaction-scoped advisory lock
(`pg_advisory_xact_lock`), held until commit or rollback. So every rule holds as if
each writer ran alone, with no rule written twice. Why not the alternatives:
SERIALIZABLE would let writers run at once but abort one of two that read what the
other wrote (every two orders read the queue and the day's last number), so under a
rush most would be retried, and each service would need to be safe to re-run; row
locks (`SELECT … FOR UPDATE`) or conditional `UPDATE … RETURNING` need a row to lock
per rule, and "the queue has fewer than 20 orders" or "the day's next number" has
none (a counter row per rule would be one lock by another name). One writer at a time
costs little: a PostgreSQL commit takes about a millisecond, and `write_together`
lets the writers that queue meanwhile share the next one, so hundreds of orders a
second still go through. Readers never wait for it.

Waiting for the lock happens where the event loop of `bar serve` keeps running: in
Python for SQLite (its busy handler would sleep inside the C call), and on PostgreSQL
in psycopg, whose socket waits gevent's patching makes cooperative. A writer waits at
most `database.busy_timeout`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import peewee

from bar.engine import Engine

T = TypeVar("T")
log = logging.getLogger(__name__)


db = peewee.DatabaseProxy()
_engine: Engine | None = None
_busy_timeout_s = 5.0


def _before_fork() -> None:
    if _engine is not None:
        _engine.before_fork()


# A forked child (gunicorn's worker) must not inherit open connections.
os.register_at_fork(before=_before_fork)


def engine() -> Engine:
    if _engine is None:
        raise peewee.InterfaceError("no database: call bar.db.connect first")
    return _engine


def use(new: Engine, *, busy_timeout_ms: int = 5000) -> None:
    """Make `new` the engine behind `db` (closing the one before)."""
    global _engine, _busy_timeout_s
    old, _engine = _engine, new
    if old is not None and old is not new:
        if not old.database.is_closed() and not old.database.in_transaction():
            old.database.close()
        old.close()
    _busy_timeout_s = busy_timeout_ms / 1000
    db.initialize(new.database)


def disconnect() -> None:
    """Close the engine in use and every connection it keeps (tests; a database that
    goes away)."""
    global _engine
    if _engine is not None:
        if not _engine.database.is_closed() and not _engine.database.in_transaction():
            _engine.database.close()
        _engine.close()
        _engine = None


def connect(url: str, path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
    """Point `db` at PostgreSQL `url`, or with no url at the SQLite file `path`.

    Raises `ConfigError` (naming `database.url`) when PostgreSQL cannot be reached.
    """
    if url:
        from bar.postgres import PostgresEngine  # psycopg only when it is used

        current = _engine
        if isinstance(current, PostgresEngine) and current.serves(url, busy_timeout_ms):
            return  # its pool and its listener go on (`bar serve` opens the bar twice)
        use(PostgresEngine(url, busy_timeout_ms=busy_timeout_ms), busy_timeout_ms=busy_timeout_ms)
    else:
        init_db(path, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms)


def init_db(path: Path | str, *, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
    """Point `db` at the SQLite file `path` (created if missing)."""
    from bar.sqlite import SqliteEngine

    current = _engine
    if isinstance(current, SqliteEngine):
        current.reopen(path, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms)
        use(current, busy_timeout_ms=busy_timeout_ms)
    else:
        use(SqliteEngine(path, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms),
            busy_timeout_ms=busy_timeout_ms)


def sql(text: str) -> str:
    """Hand-written SQL (SQLite's `?`/`:name` placeholders) for the engine in use."""
    return engine().sql(text)


_WRITE_LOCK = threading.RLock()
_writing = threading.local()  # how deep this thread (greenlet) is in `write()`
# The longest pause between two tries for the other process's write lock. Short: a
# writer that sleeps long lets the other process's next transaction (a kiosk moving
# orders) take the lock first again and again; a try costs a few microseconds.
BUSY_PAUSE_MAX_S = 0.005


@contextmanager
def write() -> Iterator[Any]:
    """A write transaction that holds the bar's write lock from its first statement.

    Threads (greenlets) of one process queue on a lock first, so they wait their turn
    in order and hold no connection of a pool meanwhile. Against other processes: on
    SQLite `BEGIN IMMEDIATE` is retried with short sleeps until the busy timeout; on
    PostgreSQL the advisory lock waits in the server, up to the same timeout.
    """
    with _WRITE_LOCK, ExitStack() as stack:
        deadline = time.monotonic() + _busy_timeout_s
        pause = 0.001
        while True:
            try:
                txn = stack.enter_context(db.atomic("IMMEDIATE"))
                break
            except peewee.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, BUSY_PAUSE_MAX_S)
        _writing.depth = getattr(_writing, "depth", 0) + 1
        try:
            yield txn
        finally:
            _writing.depth -= 1


def writing() -> bool:
    """Is this thread (greenlet) inside `write()`, holding the write lock?"""
    return getattr(_writing, "depth", 0) > 0


def is_busy(exc: peewee.OperationalError) -> bool:
    """Did a writer give up waiting for the write lock (`database.busy_timeout`)? Worth
    a retry a moment later."""
    return _engine is not None and _engine.is_busy(exc)


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint inside the current transaction: undone if the block raises.

    Plain SQL (SAVEPOINT, ROLLBACK TO, RELEASE: the same in SQLite and PostgreSQL)
    rather than peewee's `atomic()`, which names each one with a fresh UUID and costs
    several times more: every order in a group commit has one. Savepoints of one name
    nest: RELEASE and ROLLBACK TO take the innermost.

    In a pipeline (`Engine.pipelined`) the block's last statements may not be answered
    when it ends: they are awaited inside it, so a failure among them is the block's,
    undone with it (and not the next writer's, whose statement would meet it first).
    """
    db.execute_sql('SAVEPOINT "bar_job"')
    try:
        yield
        engine().answered()
    except BaseException:
        _answered_anyway()
        db.execute_sql('ROLLBACK TO SAVEPOINT "bar_job"')
        db.execute_sql('RELEASE SAVEPOINT "bar_job"')
        raise
    db.execute_sql('RELEASE SAVEPOINT "bar_job"')


def _answered_anyway() -> None:
    """Await what a failed block sent: a pipeline skips what follows a failure until the
    failure is answered, and the rollback to the block's savepoint must not be skipped.
    The block failed already: a statement of it that failed too changes nothing."""
    try:
        engine().answered()
    except Exception:
        pass


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
            # The group's statements are sent without waiting for each answer: a
            # writer waits only for what it reads, and (in `_savepoint`) for the end of
            # its own part.
            with write(), engine().pipelined():
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
    process that arrive meanwhile; returns (or raises) once that commit is durable.

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
        # Per engine (its dialect and placeholders), which tests switch between: keyed by
        # the type of the database behind the `db` proxy, and compiled in its context (a
        # query bound to no model, like `SELECT COALESCE(...)`, would get SQLite's `?`).
        database = engine().database
        kind = type(database)
        compiled = self._compiled
        if compiled is None or compiled[0] is not kind:
            sql, params = database.get_sql_context().parse(self._build())
            compiled = self._compiled = (kind, sql, params)
        return compiled[1], compiled[2]

    def execute(self, **values: Any) -> Any:
        """Run it with `values` in the slots of those names; returns the cursor."""
        sql, params = self.sql()
        return db.execute_sql(
            sql, [values[p.name] if isinstance(p, _Slot) else p for p in params]
        )


class UtcDateTimeField(peewee.TextField):
    """An aware UTC datetime stored as ISO 8601 text (sorts and compares as text, the
    same on both engines)."""

    def db_value(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def python_value(self, value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class JSONField(peewee.TextField):
    """JSON kept as text on both engines (read and written by Python, never queried
    inside but through `Engine.json_text`)."""

    def db_value(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False
