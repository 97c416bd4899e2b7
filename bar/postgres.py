"""PostgreSQL, the shared engine: several servers, kiosks and boards on one database.

peewee's pooled PostgreSQL database on psycopg 3 (`prefer_psycopg3`): each thread or
greenlet takes a connection from the pool while it works and gives it back after
(`db.close()`). psycopg waits on its sockets through `select`/`poll`, which gevent's
patching makes the event loop's own, so under `bar serve` a query or a commit never
stops the other phones (psycopg sees the patching and leaves its C wait aside).

**Writers take turns** (see `bar.db` for why): a write transaction begins with
`pg_advisory_xact_lock(WRITE_LOCK)` in the same round trip as its `BEGIN`, and holds
it until it ends. PostgreSQL lets go of it only after the commit is visible to all.

**Round trips.** Each statement is a round trip to another process, and under
`bar serve` each wait goes through gevent's loop: that, not PostgreSQL's work, is most
of what an order costs. So a group commit (`bar.db.write_together`: every order) runs
in psycopg's pipeline mode (`PostgresEngine.pipelined`): its statements are sent
without waiting for each answer, and a writer waits only for what it reads (the one
query of the rules' facts) and once at the end of its part. A pooled connection is
handed out without asking the server whether it still works (peewee's pool sends
`SELECT 1` each time) unless the server said something meanwhile (its farewell).

**The event stream.** The `events` table stays the truth; new rows get their id from a
trigger that first takes the same lock, and then calls `NOTIFY bar_events` (delivered
at commit). So an event's id is taken by the only transaction that may write, after
every earlier writer has committed: ids become visible in the order they were given,
whoever inserts the row (a `write()`, a writer that forgot it, a psql session). A tail
that reads `id > last` therefore never skips a row that commits later with a smaller
id, the known pitfall of sequences (assigned before commit). A rolled-back id is a
gap that stays a gap. Each process keeps one autocommit connection (not from the
pool) that `LISTEN`s: a tail reads only after a notification or a commit of its own
process, and after the listener (re)connects, when it catches up by id; while the
listener is down, tails poll.
"""

from __future__ import annotations

import _socket
import functools
import logging
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import peewee
import psycopg
from peewee import Psycopg3Adapter, fn
from playhouse.pool import PooledPostgresqlDatabase
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import PipelineStatus, TransactionStatus

from bar.engine import Engine, pyformat
from bar.errors import ConfigError

log = logging.getLogger(__name__)

# The bar's advisory lock (an arbitrary 64-bit key: "bar" in ASCII); advisory locks
# are per database, so two bars in two databases do not share it.
WRITE_LOCK = 0x626172
CHANNEL = "bar_events"
# Connections a process keeps: a request holds one only while it runs.
POOL_SIZE = 16
POOL_WAIT_S = 30
CONNECT_TIMEOUT_S = 10
LISTEN_WAIT_S = 0.25  # how often the listener looks up from its socket (to stop)
RECONNECT_MAX_S = 5.0

# Every row of `event` takes its id after the write lock, and wakes the listeners at
# commit (one notification per transaction: NOTIFY folds identical ones together).
# An id given explicitly (a copy of another bar's events) is kept.
EVENT_TRIGGER = f"""
CREATE OR REPLACE FUNCTION bar_event_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK});
    IF NEW.id IS NULL THEN
        NEW.id := nextval(pg_get_serial_sequence('event', 'id'));
    END IF;
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS bar_event_id ON event;
CREATE TRIGGER bar_event_id BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION bar_event_id();
ALTER TABLE event ALTER COLUMN id DROP DEFAULT;
"""

# Rate limits shared by every process (`bar.limits.SharedRateLimiter`): one row per
# attempt counted, in a table that is not WAL-logged (a crash may forget the last
# minute's attempts, nothing else depends on them). `bar_rate_hit` judges and counts in
# one call: for each key, in order, whether its `limits[i]`-th newest attempt is still
# within `span` seconds of `at` (then it answers that key's index and when that attempt
# leaves the window, and counts nothing); else it counts one attempt for every key.
# The keys' advisory locks (in the caller's transaction, or the statement's) make the
# judgement and the count one step; every caller takes them in the same order.
RATE_LIMITS = """
CREATE UNLOGGED TABLE IF NOT EXISTS bar_rate_hits (key text NOT NULL, at double precision NOT NULL);
CREATE INDEX IF NOT EXISTS bar_rate_hits_key_at ON bar_rate_hits (key, at);
CREATE OR REPLACE FUNCTION bar_rate_hit(
    p_keys text[], p_limits int[], p_at double precision, p_span double precision,
    p_counting boolean
) RETURNS TABLE (refused int, free_at double precision) LANGUAGE plpgsql AS $$
DECLARE
    i int;
    nth double precision;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('bar_rate_hit:' || p_keys[i], 0));
    END LOOP;
    IF random() < 0.01 THEN  -- now and then, the keys nobody has asked for in a while
        DELETE FROM bar_rate_hits WHERE bar_rate_hits.at <= p_at - 10 * p_span;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        DELETE FROM bar_rate_hits h WHERE h.key = p_keys[i] AND h.at <= p_at - p_span;
        SELECT h.at INTO nth FROM bar_rate_hits h WHERE h.key = p_keys[i]
            ORDER BY h.at DESC OFFSET p_limits[i] - 1 LIMIT 1;
        IF nth IS NOT NULL THEN
            refused := i;
            free_at := nth + p_span;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
    IF p_counting THEN
        INSERT INTO bar_rate_hits (key, at) SELECT k, p_at FROM unnest(p_keys) AS k;
    END IF;
END $$;
"""


_PEEWEE_ERRORS = peewee.__dict__["__exception_wrapper__"]


@contextmanager
def _as_peewee_errors() -> Iterator[None]:
    """psycopg's errors raised as peewee's (as peewee raises them from `execute`)."""
    try:
        yield
    except psycopg.Error:
        with _PEEWEE_ERRORS:
            raise


class _Cursor(psycopg.Cursor[Any]):
    """psycopg's cursor, made for pipeline mode (`PostgresEngine.pipelined`): what its
    statement answered is awaited whenever it is read, its row count and columns too
    (psycopg awaits it for its rows only), and a failure that comes back then is raised
    as peewee's error, as `execute` raises it. Outside pipeline mode: psycopg's own."""

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().execute(*args, **kwargs)
        except psycopg.Error:
            self._after_failure()
            raise

    def _answer(self) -> None:
        # psycopg's own (3.2, 3.3): the connection's pipeline, and its wait for this
        # cursor's answer that fetchone() uses.
        if self._conn._pipeline is not None and self.pgresult is None:
            with _as_peewee_errors():
                try:
                    self._fetch_pipeline()
                except psycopg.Error:
                    self._after_failure()
                    raise

    def _after_failure(self) -> None:
        """After a failure the server skips every statement of a pipeline until it is sent
        a sync: sent now, the transaction is failed as it would be without a pipeline,
        and a rollback to a savepoint is not skipped."""
        pipeline = self._conn._pipeline
        if pipeline is not None and pipeline.status == PipelineStatus.ABORTED:
            try:
                pipeline.sync()
            except psycopg.Error:
                pass  # the statements skipped after the failure say so: known already

    def fetchone(self) -> Any:
        self._answer()
        return super().fetchone()

    def fetchmany(self, size: int = 0) -> list[Any]:
        self._answer()
        return super().fetchmany(size)

    def fetchall(self) -> list[Any]:
        self._answer()
        return super().fetchall()

    def __next__(self) -> Any:
        self._answer()
        return super().__next__()

    @property
    def rowcount(self) -> int:
        self._answer()
        return super().rowcount

    @property
    def description(self) -> Any:
        self._answer()
        return super().description

    @property
    def statusmessage(self) -> str | None:
        self._answer()
        return super().statusmessage


def _server_spoke(conn: psycopg.Connection[Any]) -> bool:
    """Has the server sent something to this idle connection, or closed it? A peek that
    never waits (`_socket`: gevent's patched socket would wait for an answer)."""
    peek = _socket.socket(fileno=conn.fileno())
    try:
        peek.recv(1, _socket.MSG_PEEK | _socket.MSG_DONTWAIT)  # b"": closed
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        peek.detach()  # the socket stays libpq's


# psycopg's wait states (`psycopg.waiting.Wait`: R, W, RW) as poll's events.
_POLL_EVENTS = {1: select.POLLIN, 2: select.POLLOUT, 3: select.POLLIN | select.POLLOUT}


@functools.cache
def _unpatched_poll() -> Callable[[], Any] | None:
    """`select.poll` as it was before gevent's patching (None: not patched)."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("select"):
        return None
    return cast(Callable[[], Any], monkey.get_original("select", "poll"))


def _ready_first(gen: Any, fileno: int, new_poll: Callable[[], Any]) -> Any:
    """psycopg's wait generator `gen`, driven here for as long as the socket is ready at
    once; only a wait that would block is handed on (to gevent's loop). In pipeline mode
    psycopg waits for the socket to take each statement: a switch to gevent's loop for
    every one, as dear as the round trip saved, when a look at the socket says yes."""
    poll = new_poll()
    poll.register(fileno, select.POLLIN)
    try:
        state = next(gen)
        while True:
            poll.modify(fileno, _POLL_EVENTS[state])
            ready = 0
            for _, event in poll.poll(0):
                ready = (1 if event & select.POLLIN else 0) | (2 if event & select.POLLOUT else 0)
            if not ready:
                ready = yield state
            state = gen.send(ready)
    except StopIteration as done:
        return done.value


class _Connection(psycopg.Connection[Any]):
    """psycopg's connection, which under gevent looks at its socket before it waits in
    the loop (`_ready_first`)."""

    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        new_poll = _unpatched_poll()
        if new_poll is not None:
            gen = _ready_first(gen, self.pgconn.socket, new_poll)
        return super().wait(gen, *args, **kwargs)


class _Adapter(Psycopg3Adapter):  # type: ignore[misc]
    def connect(self, db: Any, **params: Any) -> _Connection:
        return _Connection.connect(**params)  # our conninfo is given (`PostgresEngine`)


class _Lease:
    """A connection taken from the pool by a thread (a greenlet): kept in that thread's
    peewee state, so when the thread ends without giving it back, the connection is
    closed and its place in the pool freed, not lost for good."""

    def __init__(self, pool: _Database, conn: psycopg.Connection[Any]) -> None:
        self.pool: _Database | None = pool
        self.conn = conn

    def __del__(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool._close(self.conn, close_conn=True)


class _Database(PooledPostgresqlDatabase):
    """The pool, whose write transactions take the bar's lock as they begin."""

    psycopg3_adapter = _Adapter

    # Called after each commit of this process: its tails need not wait for the
    # notification to come back from the server to read what it wrote.
    on_commit: Callable[[], None] = staticmethod(lambda: None)

    def commit(self) -> None:
        super().commit()
        self.on_commit()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = super()._connect()
        self._state.lease = _Lease(self, conn)  # this thread's state
        return conn

    def _is_closed(self, conn: psycopg.Connection[Any]) -> bool:
        # peewee's check sends `SELECT 1` for every connection taken from the pool: a
        # round trip per request. An idle connection the server ended (a restart,
        # `pg_terminate_backend`) has its farewell or its end waiting in the socket; only
        # then, or when it was left in a transaction, is peewee's check needed.
        if (conn.closed or conn.pgconn.transaction_status != TransactionStatus.IDLE
                or _server_spoke(conn)):
            return bool(super()._is_closed(conn))
        return False

    def _close(self, conn: psycopg.Connection[Any], close_conn: bool = False) -> None:
        lease = getattr(self._state, "lease", None)
        if lease is not None and lease.conn is conn:
            lease.pool = None  # given back: nothing left for the lease to do
            self._state.lease = None
        super()._close(conn, close_conn)

    def begin(self, lock_type: str | None = None) -> None:  # type: ignore[override]
        if lock_type != "IMMEDIATE":
            super().begin()
            return
        cursor = self.cursor()
        try:
            with peewee.__dict__["__exception_wrapper__"]:
                # One round trip: without parameters psycopg sends both statements at once.
                cursor.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        except BaseException:
            if not self.is_closed():
                self.connection().rollback()  # not left open and failed
            raise


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


class PostgresEngine(Engine):
    """The database at `url` (`postgresql://user:pass@host:port/dbname`, or
    `postgresql:///dbname?host=/socket/dir`)."""

    name = "postgresql"
    database: _Database

    def __init__(self, url: str, *, busy_timeout_ms: int = 5000) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise ConfigError(f"database.url: not a PostgreSQL URL ({_first_line(exc)})") from None
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        # A writer waits for the lock at most `database.busy_timeout`, as on SQLite.
        params["options"] = f"{params.get('options', '')} -c lock_timeout={busy_timeout_ms}".strip()
        self._conninfo = psycopg.conninfo.make_conninfo("", **params)
        self.database = _Database(
            # peewee passes a `postgresql://` name on as the conninfo; ours (with the
            # options above) is given explicitly and wins.
            "postgresql:" + url.partition(":")[2], conninfo=self._conninfo, prefer_psycopg3=True,
            max_connections=POOL_SIZE, timeout=POOL_WAIT_S, stale_timeout=300,
            cursor_factory=_Cursor,
        )
        self._listener = _Listener(self._conninfo)
        self.database.on_commit = self._listener.committed
        self._check()

    def _check(self) -> None:
        """Connect once now, so a wrong URL or a server that is down is one clear line."""
        try:
            self.database.connect(reuse_if_open=True)
        except (peewee.DatabaseError, psycopg.Error) as exc:
            raise ConfigError(
                f"database.url: cannot connect to {_redacted(self.url)}: {_first_line(exc)}"
            ) from None
        finally:
            if not self.database.is_closed():
                self.database.close()

    def describe(self) -> str:
        return f"PostgreSQL {_redacted(self.url)}"

    def serves(self, url: str, busy_timeout_ms: int) -> bool:
        """Is this the engine `connect(url, busy_timeout_ms)` asks for?"""
        return (url, busy_timeout_ms) == (self.url, self.busy_timeout_ms)

    def prepare_schema(self) -> None:
        self.database.execute_sql(EVENT_TRIGGER)
        self.database.execute_sql(RATE_LIMITS)

    def shared_attempts(self) -> _SharedAttempts:
        return _SharedAttempts(self.database)

    def is_busy(self, exc: peewee.OperationalError) -> bool:
        return "lock timeout" in str(exc)  # psycopg's LockNotAvailable, after lock_timeout

    def watch(self) -> _Notified:
        return _Notified(self._listener)

    def sql(self, text: str) -> str:
        return pyformat(text)

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        state = self.database._state
        with _as_peewee_errors(), self.database.connection().pipeline() as pipeline:
            state.pipeline = pipeline
            try:
                yield
            finally:
                state.pipeline = None

    def answered(self) -> None:
        pipeline = getattr(self.database._state, "pipeline", None)
        # Anything not answered yet; or a failure answered already, after which the
        # server skips every statement until it is sent a sync.
        if pipeline is not None and (pipeline.result_queue
                                     or pipeline.status == PipelineStatus.ABORTED):
            with _as_peewee_errors():
                pipeline.sync()

    def json_text(self, column: Any, key: str) -> Any:
        return fn.json_extract_path_text(column.cast("json"), key)

    def local_time(self, column: Any, fmt: str) -> Any:
        local = fn.timezone(local_zone(), column.cast("timestamptz"))
        return fn.to_char(local, _to_char_format(fmt))

    def seconds_between(self, start: Any, end: Any) -> Any:
        return fn.date_part("epoch", end.cast("timestamptz") - start.cast("timestamptz"))

    def before_fork(self) -> None:
        self.database.close_idle()

    def close(self) -> None:
        self._listener.stop()
        self.database.close_idle()


_STRFTIME = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI"}


def _to_char_format(fmt: str) -> str:
    """strftime's `%Y-%m-%dT%H:00` as PostgreSQL's `to_char` format, literal text quoted."""
    out, literal, i = [], "", 0
    while i < len(fmt):
        code = fmt[i:i + 2]
        if code in _STRFTIME:
            if literal:
                out.append(f'"{literal}"')
                literal = ""
            out.append(_STRFTIME[code])
            i += 2
        else:
            literal += fmt[i]
            i += 1
    if literal:
        out.append(f'"{literal}"')
    return "".join(out)


def local_zone() -> str:
    """This process's local time zone, by a name PostgreSQL knows: `TZ` when set (as
    tests set it), else the zone /etc/localtime points to, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        return name
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    _, found, zone = target.partition("/zoneinfo/")
    return zone if found and zone else "UTC"


class _SharedAttempts:
    """Attempts counted in the database, for every process (`bar.limits.Attempts`)."""

    def __init__(self, database: _Database) -> None:
        self._database = database

    def count(
        self, keys: list[str], limits: list[int], *, at: float, span: float, counting: bool
    ) -> tuple[int, float] | None:
        row = self._database.execute_sql(
            "SELECT refused, free_at FROM bar_rate_hit(%s::text[], %s::int[], %s, %s, %s)",
            (keys, limits, at, span, counting),
        ).fetchone()
        return None if row is None else (int(row[0]) - 1, float(row[1]))


class _Listener:
    """One autocommit connection per process (not from the pool) that `LISTEN`s, on a
    thread (a greenlet under `bar serve`) of its own. `generation` counts what it heard,
    and its (re)connections: tails compare it with what they saw last."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._changed = threading.Condition()
        self.generation = 0
        self.connected = False
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pid = os.getpid()

    def start(self) -> None:
        """Start listening (once per process: a forked child starts its own)."""
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._changed:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.connected = False
            self._thread = threading.Thread(target=self._run, name="bar-listen", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop for good (within `LISTEN_WAIT_S`)."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()

    def committed(self) -> None:
        """This process committed: its tails read now (the notification follows)."""
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def _heard(self, connected: bool) -> None:
        with self._changed:
            self.connected = connected
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int | None, timeout: float) -> None:
        """Until `generation` is past `seen`, or `timeout` seconds."""
        with self._changed:
            if self.generation == seen and self.connected:
                self._changed.wait(timeout)
            elif not self.connected:
                self._changed.wait(timeout)  # tails poll meanwhile

    def _run(self) -> None:
        pause = 0.1
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Listening from here on: what committed before is read by the tails
                    # catching up by id now.
                    self._heard(connected=True)
                    pause = 0.1
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=LISTEN_WAIT_S):
                            self._heard(connected=True)
            except psycopg.Error as exc:
                if self.connected:
                    log.warning("event listener lost its connection: %s; reconnecting",
                                _first_line(exc))
            if self.connected:
                self._heard(connected=False)
            self._stopping.wait(pause)
            pause = min(pause * 2, RECONNECT_MAX_S)


class _Notified:
    """A tail's view of the process's listener. Per tail: use it from one thread."""

    def __init__(self, listener: _Listener) -> None:
        self._listener = listener
        self._seen: int | None = None

    def changed(self) -> bool:
        listener = self._listener
        listener.start()
        generation, connected = listener.generation, listener.connected
        if connected and generation == self._seen:
            return False
        # Read the generation before the caller reads the table: a notification that
        # comes while it reads makes the next call read again.
        self._seen = generation if connected else None
        return True

    def wait(self, timeout: float) -> None:
        self._listener.start()
        self._listener.wait(self._seen, timeout)

