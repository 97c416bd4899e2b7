"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary directory, a
server listening on a Unix socket only, and a fresh database per test.

One cluster per test session (per xdist worker), started the first time a test asks
for PostgreSQL and stopped at the end. `initdb` refuses to run as root: as root the
cluster belongs to the `postgres` user (`runuser`). Durability is off (`fsync`), as
nothing of a test must survive the machine: the tests check what the bar commits,
not the disk.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

TEMPLATE = "bar_template"


def find_initdb() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True):
        return candidate
    return None


def _tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return [str(name) for name, in rows]


def _empty(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Every table emptied and every id sequence back to 1. DELETE, not TRUNCATE: a
    test leaves a few rows, and TRUNCATE makes new files for each table and index
    (~100 ms for the bar's); foreign keys are not checked meanwhile (as superuser)."""
    sequences = conn.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall()
    conn.execute("; ".join([
        "SET session_replication_role = replica",
        *(f'DELETE FROM "{table}"' for table in _tables(conn)),
        *(f'ALTER SEQUENCE "{name}" RESTART' for name, in sequences),
        "RESET session_replication_role",
    ]))


def _fingerprint(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    """The tables, columns, indexes and triggers of the public schema, as one text."""
    row = conn.execute("""
        SELECT concat_ws('|',
          (SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ','
                             ORDER BY table_name, column_name)
           FROM information_schema.columns WHERE table_schema = 'public'),
          (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes
           WHERE schemaname = 'public'),
          (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal))
    """).fetchone()
    return str(row[0] if row else "")


class Cluster:
    """A running PostgreSQL server of our own; `new_database()` gives a test its own."""

    def __init__(self, initdb: Path, *, durable: bool = False) -> None:
        """With `durable`, a commit waits for the disk as in production (the benchmarks:
        SQLite runs with `synchronous = FULL` there too)."""
        self.bin = initdb.parent
        self.root = Path(tempfile.mkdtemp(prefix="barpg-"))  # short: a socket path is ≤ 107 bytes
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.log = self.root / "server.log"
        self._as: list[str] = []
        self.user = pwd.getpwuid(os.getuid()).pw_name
        if os.getuid() == 0:
            self.user = "postgres"
            self._as = ["runuser", "-u", "postgres", "--"]
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self._names = itertools.count(1)
        self._database: str | None = None
        self._template_fingerprint: str | None = None
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                  "--locale=C", "--no-sync")
        fast = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (f"-k {self.socket_dir} -c listen_addresses='' {fast}"
                   "-c max_connections=200 -c shared_buffers=32MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args], capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}"

    def _admin(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url(database), autocommit=True)

    def test_database(self) -> str:
        """The database a test runs on, empty (no rows, ids from 1); returns its URL.

        A worker makes one and empties it between tests: a new database per test
        (`CREATE DATABASE`) costs several times more. One that a test left with another
        schema (a migration test that failed half way) is made again, from the template.
        """
        if self._database is None:
            self._database = self._create_from_template()
        name = self._database
        with self._admin(name) as conn:
            # Connections a test left (a thread's, a killed server's) go first: they
            # could hold locks that emptying it would wait for.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            same = _fingerprint(conn) == self._template_fingerprint
            if same:
                _empty(conn)
        if not same:
            self.drop_database(name)
            self._database = self._create_from_template()
        return self.url(self._database)

    def _create_from_template(self) -> str:
        if self._template_fingerprint is None:
            self._make_template()
        name = f"bar_{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
        return name

    def _make_template(self) -> None:
        """The schema as `bar init` makes it, in a database new ones are copied from."""
        import dataclasses

        from bar import datadir
        from bar.db import disconnect
        from tests.conftest import make_settings

        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        settings = dataclasses.replace(make_settings(self.root / "template"), database_url=self.url(TEMPLATE))
        datadir.init(settings)
        disconnect()
        with self._admin(TEMPLATE) as conn:
            self._template_fingerprint = _fingerprint(conn)
            _empty(conn)

    def empty_database(self) -> str:
        """A new database without any table (what `bar init` starts from); its name."""
        name = f"empty_{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
