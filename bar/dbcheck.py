"""`bar db check`: which database the bar uses, its schema, its rows, and whether it
can write there. Reads only: nothing is migrated, and the write it tries is undone."""

from __future__ import annotations

from dataclasses import dataclass

import peewee

from bar import datadir
from bar import db as database
from bar.config import Settings
from bar.db import db, write
from bar.errors import ConfigError
from bar.models import SCHEMA_VERSION, TABLES, Counter, SchemaVersion

PROBE_KEY = "bar db check"  # a counter row written and rolled back


@dataclass(frozen=True)
class Checked:
    engine: str  # "sqlite" or "postgresql"
    where: str  # the file, or the URL without its password
    schema: int | None
    rows: list[tuple[str, int | None]]  # None: the table is missing (an older bar)
    write_error: str  # empty: a write went through (and was undone)

    @property
    def writable(self) -> bool:
        return not self.write_error

    @property
    def current(self) -> bool:
        """Is the schema this bar's (else `bar init` brings it up to date)?"""
        return self.schema == SCHEMA_VERSION


class _Undo(Exception):
    """Rolls the probe's write back."""


def check(settings: Settings) -> Checked:
    """Look at the settings' database. Raises `ConfigError` (one line) when there is no
    bar there or the database cannot be reached."""
    if not settings.database_url and not settings.db_path.exists():
        raise ConfigError(f"no bar in {settings.data_dir}: run `bar init` first")
    datadir.connect(settings)
    engine = database.engine()
    existing = set(db.get_tables())
    if SchemaVersion._meta.table_name not in existing:
        raise ConfigError(f"no bar in {engine.describe()}: run `bar init` first")
    schema = SchemaVersion.select(SchemaVersion.version).scalar()
    rows: list[tuple[str, int | None]] = []
    for model in TABLES:
        table = model._meta.table_name
        count = db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] \
            if table in existing else None
        rows.append((table, count))
    write_error = _try_write()
    db.close()
    return Checked(engine=engine.name, where=engine.describe(), schema=schema, rows=rows,
                   write_error=write_error)


def _try_write() -> str:
    """Write a row and roll it back: '' if that went through, else why not."""
    try:
        with write():
            Counter.insert(key=PROBE_KEY, value=0).execute()
            raise _Undo
    except _Undo:
        return ""
    except peewee.DatabaseError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return lines[0] if lines else type(exc).__name__
