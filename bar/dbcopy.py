"""Growing up from a party: a SQLite bar's data copied into an empty PostgreSQL database.

`bar db copy --to postgresql://…` reads the data dir's SQLite file and writes every
table of `bar.models.TABLES` (parents before children, every row, every column) into
the target, in one transaction: a failure half way leaves the target as it was. Rows
keep their ids (a phone's event replay and the kiosk's tail go by id), their times and
their JSON; each value goes through its field as peewee reads it from SQLite and writes
it to PostgreSQL (SQLite's 0/1 becomes a boolean). Nothing here names a table: one
added to `TABLES` is copied too.

What PostgreSQL keeps beside the rows is set up as `bar init` does it: the schema, the
events trigger (`Engine.prepare_schema`, which keeps a copied event's id), every id
sequence moved past the largest id copied, and the queue's kept count recounted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from bar import datadir, shop
from bar import db as database
from bar.config import Settings
from bar.db import BaseModel, db, write
from bar.errors import BarError, ConfigError, Conflict
from bar.models import TABLES

# Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
BATCH_PARAMETERS = 30_000


@dataclass(frozen=True)
class Copied:
    """What `copy_to` wrote: rows per table (in the order copied), and where."""

    source: str
    target: str
    rows: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.rows)


def copy_to(settings: Settings, url: str) -> Copied:
    """Copy the bar of `settings` (SQLite) into the empty PostgreSQL database `url`.

    Raises `ConfigError` when the bar is not on SQLite or `url` is not a PostgreSQL
    database that can be reached, `Conflict` when the target holds rows already, and
    `BarError` (`copy_failed`) when PostgreSQL refuses a row: nothing is written then.
    Leaves no database open.
    """
    if settings.database_url:
        raise ConfigError(
            "this bar already runs on PostgreSQL (database.url): "
            "bar db copy moves a bar's SQLite data into PostgreSQL"
        )
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("--to: expected postgresql://user:password@host:port/dbname")
    # Brings an older data dir up to this bar's schema first: the copy is of that schema.
    datadir.open_database(settings)
    source_path = settings.db_path
    source_name = database.engine().describe()
    database.disconnect()
    try:
        database.connect(url, source_path, busy_timeout_ms=int(settings.busy_timeout.total_seconds() * 1000))
    except ConfigError as exc:
        raise ConfigError("--to: " + exc.message.removeprefix("database.url: ")) from None
    target = database.engine().describe()
    try:
        with _Source(source_path) as source:
            rows = _copy(source, target)
    finally:
        database.disconnect()
    return Copied(source=source_name, target=target, rows=rows)


class _Source:
    """The SQLite file, read-only, in one read transaction: one snapshot of the bar, even
    if something writes to it meanwhile."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        self.conn.execute("BEGIN")

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def batches(self, model: type[BaseModel], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The table's rows in batches, each value as its field reads it from SQLite."""
        fields = model._meta.sorted_fields
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        order = ", ".join(f'"{f.column_name}"' for f in _key_fields(model))
        cursor = self.conn.execute(f'SELECT {columns} FROM "{model._meta.table_name}" ORDER BY {order}')
        while batch := cursor.fetchmany(size):
            yield [tuple(f.python_value(v) for f, v in zip(fields, row, strict=True)) for row in batch]


def _key_fields(model: type[BaseModel]) -> list[peewee.Field]:
    key = model._meta.primary_key
    if isinstance(key, peewee.CompositeKey):
        return [model._meta.fields[name] for name in key.field_names]
    return [key] if isinstance(key, peewee.Field) else list(model._meta.sorted_fields)


def _copy(source: _Source, target: str) -> list[tuple[str, int]]:
    """Every table, parents first, in one write transaction on the target."""
    models: list[type[BaseModel]] = peewee.sort_models(TABLES)  # type: ignore[attr-defined]
    copied: list[tuple[str, int]] = []
    try:
        with write():
            _refuse_rows(target)
            db.create_tables(models, safe=True)
            database.engine().prepare_schema()
            for model in models:
                copied.append((model._meta.table_name, _copy_table(source, model)))
            for model in models:
                _move_sequence(model)
            shop.recount_queue()
    except peewee.DatabaseError as exc:
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise BarError(f"the copy failed, nothing was written to {target}: {first}",
                       code="copy_failed") from None
    return copied


def _refuse_rows(target: str) -> None:
    """A bar's tables that hold rows already: the copy would mix two bars."""
    existing = set(db.get_tables())
    for model in TABLES:
        table = model._meta.table_name
        if table in existing and db.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            raise Conflict(
                f"{target} is not empty (table {table} has rows): copy into a new, empty database",
                code="target_not_empty",
            )


def _copy_table(source: _Source, model: type[BaseModel]) -> int:
    fields = model._meta.sorted_fields
    size = max(1, BATCH_PARAMETERS // len(fields))
    written = 0
    for batch in source.batches(model, size):
        model.insert_many(batch, fields=fields).execute()
        written += len(batch)
    return written


def _move_sequence(model: type[BaseModel]) -> None:
    """The next id the table gives is past every id copied (ids given by a sequence)."""
    key = model._meta.primary_key
    if not isinstance(key, peewee.AutoField):
        return
    table, column = model._meta.table_name, key.column_name
    db.execute_sql(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
        f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
    )
