"""What differs between the database engines, and what both engine modules share.

`bar.db` uses one `Engine` at a time: `bar.sqlite.SqliteEngine` or
`bar.postgres.PostgresEngine`. Nothing outside `bar.db` and those modules needs to
know which.
"""

from __future__ import annotations

import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol, TypeVar, cast

import peewee

T = TypeVar("T")


def off_the_loop(call: Callable[[], T]) -> T:
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


class Watch(Protocol):
    """How an event tail learns that something may have been committed."""

    def changed(self) -> bool:
        """Might another commit have happened since the last call? (True the first time.)"""

    def wait(self, timeout: float) -> None:
        """Return when something may have been committed, or after `timeout` seconds."""


class Attempts(Protocol):
    """Attempts counted for every process (`bar.limits.SharedRateLimiter`)."""

    def count(
        self, keys: list[str], limits: list[int], *, at: float, span: float, counting: bool
    ) -> tuple[int, float] | None:
        """For each key in order: has it had `limits[i]` attempts within `span` seconds
        of `at`? The first that has: (its index, when a slot frees up, as a timestamp).
        None: no limit is reached, and (if `counting`) one attempt is counted for each."""


class Engine(ABC):
    """What differs between the engines. One is in use at a time (`bar.db.engine()`)."""

    name = "engine"
    database: peewee.Database

    @abstractmethod
    def describe(self) -> str:
        """Where the data is, for people (a PostgreSQL URL without its password)."""

    @abstractmethod
    def prepare_schema(self) -> None:
        """After `create_tables`, inside the schema's write transaction: what the engine
        adds of its own (PostgreSQL: the events trigger)."""

    @abstractmethod
    def is_busy(self, exc: peewee.OperationalError) -> bool:
        """Did a writer give up waiting for the write lock (`database.busy_timeout`)?"""

    @abstractmethod
    def watch(self) -> Watch:
        """A new watch for one event tail (use it from one thread)."""

    def sql(self, text: str) -> str:
        """Hand-written SQL, written with SQLite's `?` and `:name` placeholders, in this
        engine's own form."""
        return text

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """Inside a write transaction: statements go to the database without waiting for
        each one's answer; an answer is awaited only when it is read (rows, a row count)
        or at `answered()`. What costs a round trip to a server per statement
        (PostgreSQL) then costs one per read. SQLite answers in-process: as it comes."""
        yield

    def answered(self) -> None:
        """Wait for the answers to every statement sent so far: the error of one that
        failed is raised here (inside `pipelined()`; elsewhere each was answered already)."""
        return None

    @abstractmethod
    def shared_attempts(self) -> Attempts | None:
        """Where rate limits count attempts for every process of the bar; None when one
        process's memory sees them all (SQLite: one `bar serve`)."""

    @abstractmethod
    def json_text(self, column: Any, key: str) -> Any:
        """The text of top-level `key` in a JSON text column (an SQL expression)."""

    @abstractmethod
    def local_time(self, column: Any, fmt: str) -> Any:
        """An ISO UTC text column as local wall-clock text: `fmt` uses strftime's %Y %m
        %d %H %M (the machine's local zone, as Python's `astimezone()`)."""

    @abstractmethod
    def seconds_between(self, start: Any, end: Any) -> Any:
        """Seconds from ISO text column `start` to `end`, as a float (SQL)."""

    @abstractmethod
    def before_fork(self) -> None:
        """A child must inherit no open connection: close what is kept idle."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection (the engine is no longer used)."""


# Hand-written SQL is written with SQLite's placeholders; psycopg's are `%s` and
# `%(name)s`, and a literal `%` is `%%`. Quoted text and identifiers are kept as they are.
_PLACEHOLDERS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")|(\?)|(?<!:):([A-Za-z_]\w*)|(%)""")


@lru_cache(maxsize=256)
def pyformat(text: str) -> str:
    """`text` with `?` as `%s` and `:name` as `%(name)s` (psycopg's placeholders)."""

    def swap(match: re.Match[str]) -> str:
        quoted, question, name, percent = match.groups()
        if quoted is not None:
            return quoted.replace("%", "%%")
        if question is not None:
            return "%s"
        if name is not None:
            return f"%({name})s"
        return "%%"

    return _PLACEHOLDERS.sub(swap, text)
