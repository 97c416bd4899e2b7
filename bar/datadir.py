"""The data directory: database, key pair. `init` makes it; `open_bar` uses it.

The database is the data dir's SQLite file, or the PostgreSQL database of
`database.url` (the keys stay in the data dir on either).

`bar.tokens` (PyJWT, cryptography: a tenth of a second to import) is imported only by
what needs the keys, so `open_database` alone keeps a quick CLI command quick.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bar import menu, shop
from bar.config import Settings
from bar.db import connect as connect_db
from bar.db import db, engine, write
from bar.errors import ConfigError
from bar.models import SCHEMA_VERSION, TABLES, SchemaVersion

if TYPE_CHECKING:
    from bar.tokens import Keys

# version -> SQL statements that bring the schema from version-1 to version. A new
# table needs none: `create_tables` makes it (version 3's `kicks`).
MIGRATIONS: dict[int, list[str]] = {
    2: ['ALTER TABLE "orders" ADD COLUMN "reminded_at" TEXT'],
    3: ['ALTER TABLE "app_users" ADD COLUMN "device_id" VARCHAR(255)'],
    # Orders: (user_key, status) serves what the user_key index did.
    4: ['DROP INDEX IF EXISTS "orders_user_key"'],
    # Stations: where each order is made (NULL: a bar without stations).
    5: ['ALTER TABLE "orders" ADD COLUMN IF MISSING "station" VARCHAR(255)'],
}
_IF_MISSING = re.compile(r'ALTER TABLE "(\w+)" ADD COLUMN IF MISSING "(\w+)"')


def _run_migration(statement: str) -> None:
    """Run one statement; `ADD COLUMN IF MISSING` adds a column only where the table lacks
    it (SQLite has no `IF NOT EXISTS` there), so a database whose version lags its
    tables (made by a newer `create_tables`) still opens."""
    missing = _IF_MISSING.match(statement)
    if missing:
        table, column = missing.groups()
        if any(c.name == column for c in db.get_columns(table)):
            return
        statement = statement.replace(" IF MISSING", "", 1)
    db.execute_sql(statement)


def connect(settings: Settings) -> None:
    """Point `bar.db.db` at the settings' database (`ConfigError` if it cannot be reached)."""
    connect_db(
        settings.database_url, settings.db_path,
        synchronous=settings.synchronous,
        busy_timeout_ms=int(settings.busy_timeout.total_seconds() * 1000),
    )


def _schema_exists() -> bool:
    """Has `bar init` made this database?"""
    return bool(db.table_exists(SchemaVersion._meta.table_name))


def _migrate() -> None:
    with write():
        db.create_tables(TABLES, safe=True)
        engine().prepare_schema()
        current = SchemaVersion.select(SchemaVersion.version).scalar()
        if current is None:
            SchemaVersion.create(version=SCHEMA_VERSION)
            shop.recount_queue()
            return
        if current > SCHEMA_VERSION:
            raise ConfigError(
                f"the database is from a newer bar (schema {current}); upgrade bar to use it"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS.get(version, []):
                _run_migration(statement)
        SchemaVersion.update(version=SCHEMA_VERSION).execute()
        # Kept counts are checked against what they count at every start (after the
        # migrations: they count by columns an older database gains).
        shop.recount_queue()


def init(settings: Settings) -> tuple[Keys, bool]:
    """Create (or bring up to date) the data directory. Idempotent.

    Returns the keys and whether this was the first run.
    """
    from bar.tokens import Keys

    if settings.database_url:
        connect(settings)  # first: a database that cannot be reached changes nothing
        first_run = not _schema_exists()
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create data directory {settings.data_dir}: {exc.strerror}") from None
    if not settings.database_url:
        first_run = not settings.db_path.exists()
        connect(settings)
    keys = Keys.generate(settings.keys_dir)
    _migrate()
    menu.sync_menu(settings.menu)
    return keys, first_run


def open_bar(settings: Settings) -> Keys:
    """Use an existing data directory (run `bar init` first): the database and the keys."""
    from bar.tokens import Keys

    open_database(settings)
    return Keys.load(settings.keys_dir)


def open_database(settings: Settings) -> None:
    """Use an existing data directory's database only (what most CLI commands need)."""
    if not settings.database_url and not settings.db_path.exists():
        raise ConfigError(f"no bar in {settings.data_dir}: run `bar init` first")
    connect(settings)
    if settings.database_url and not _schema_exists():
        raise ConfigError(f"no bar in {engine().describe()}: run `bar init` first")
    _migrate()


