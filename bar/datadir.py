"""The data directory and the database. `init` makes them; `open_bar` uses them.

The database is the data dir's SQLite file, or the PostgreSQL database of
`database.url`. The keys that sign tokens live in the database (`signing_keys`), so
every server, kiosk and CLI of the bar shares them; a data dir of an older bar kept
them as files in `keys/`, which are taken in once, when the database has none.

`bar.tokens` (PyJWT, cryptography: a tenth of a second to import) is imported only by
what needs the keys, so `open_database` alone keeps a quick CLI command quick.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from bar import menu, push, shop
from bar.clock import utcnow
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
    # The menu is edited live: a drink's photo, and each order keeps the name and price
    # it was ordered at (older orders take their drink's, as the best there is).
    5: [
        'ALTER TABLE "drink" ADD COLUMN IF MISSING "photo" VARCHAR(255)',
        'ALTER TABLE "orders" ADD COLUMN IF MISSING "drink_name" VARCHAR(255)',
        'ALTER TABLE "orders" ADD COLUMN IF MISSING "price" DOUBLE PRECISION',
        'UPDATE "orders" SET'
        ' "drink_name" = (SELECT "name" FROM "drink" WHERE "drink"."id" = "orders"."drink_id"),'
        ' "price" = (SELECT ROUND(CAST("price" AS NUMERIC), 2) FROM "drink"'
        ' WHERE "drink"."id" = "orders"."drink_id")',
    ],
    # Stations: where each order is made (NULL: a bar without stations).
    6: ['ALTER TABLE "orders" ADD COLUMN IF MISSING "station" VARCHAR(255)'],
    # The menu in several languages: each drink's translated texts, as JSON.
    7: ['ALTER TABLE "drink" ADD COLUMN IF MISSING "translations" TEXT NOT NULL DEFAULT ' "'{}'"],
    # Web Push in the guest's language: the one each subscribing page showed.
    8: ['ALTER TABLE "push_subscriptions" ADD COLUMN IF MISSING "language" VARCHAR(8)'],
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


def _owner_only(db_path: Path) -> None:
    """The SQLite file holds the key that signs tokens: only its owner may read it (and
    its WAL files, which SQLite makes with the file's mode)."""
    for path in (db_path, db_path.with_name(db_path.name + "-wal"),
                 db_path.with_name(db_path.name + "-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:  # not there yet, or not ours: SQLite's own errors say more
            continue


def _schema_exists() -> bool:
    """Has `bar init` made this database?"""
    return bool(db.table_exists(SchemaVersion._meta.table_name))


def _migrate(settings: Settings) -> None:
    _bring_up_to_date()
    if not settings.database_url:
        _owner_only(settings.db_path)


def _bring_up_to_date() -> None:
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
    from bar.tokens import ensure_keys

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
    _migrate(settings)
    keys = ensure_keys(settings.keys_dir, now=utcnow())
    push.ensure_vapid_key()  # lock-screen notifications (Web Push)
    # The first start writes bar.toml's menu; later ones add only drinks new to the
    # file: what the host changed live stays (`bar menu import` re-syncs on purpose).
    # A bar.toml without [[menu]] (a server joining a shared bar) adds nothing.
    menu.seed_menu(settings.menu)
    return keys, first_run


def open_bar(settings: Settings) -> Keys:
    """Use an existing bar (run `bar init` first): the database and the keys."""
    from bar.tokens import ensure_keys

    open_database(settings)
    # An older bar's key files are taken in here too (a party upgraded in place).
    return ensure_keys(settings.keys_dir, now=utcnow(), create=False)


def attach(settings: Settings) -> None:
    """Open the bar for a kiosk or a TV board (`bar kiosk`, `bar display`).

    On SQLite the data dir is made if it is missing, as `bar init` would (a first
    `bar kiosk` on the laptop). A PostgreSQL bar is shared: a kiosk on another laptop
    needs only `database.url` in its bar.toml, and neither makes the bar nor changes
    its menu (`bar init` and `bar serve` do, from their bar.toml): it says in one
    line when the database holds no bar yet.
    """
    if settings.database_url:
        open_database(settings)
    else:
        init(settings)


def open_database(settings: Settings) -> None:
    """Use an existing data directory's database only (what most CLI commands need)."""
    if not settings.database_url and not settings.db_path.exists():
        raise ConfigError(f"no bar in {settings.data_dir}: run `bar init` first")
    connect(settings)
    if settings.database_url and not _schema_exists():
        raise ConfigError(f"no bar in {engine().describe()}: run `bar init` first")
    _migrate(settings)


