"""`bar db copy` refuses what it cannot do in one line and writes all or nothing;
`bar db check` says where the data is. (The copy itself, and the bar carrying on from
it: tests/webapp/test_db_copy.py.)"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from bar.db import db
from bar.models import Counter
from tests.conftest import run_cli
from tests.pg import Cluster

# The source of a copy is a SQLite bar; PostgreSQL databases come from the test cluster.
ENGINES = ["sqlite"]


@pytest.fixture
def target(pg_cluster: Cluster):
    name = pg_cluster.empty_database()
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return sorted(str(name) for name, in rows)


def test_a_copy_goes_into_an_empty_database_only(keys, make, settings, target):
    make.order(make.guest("Ana"))
    db.close()
    run_cli(settings.data_dir, "db", "copy", "--to", target)
    again = run_cli(settings.data_dir, "db", "copy", "--to", target, ok=False).output
    assert again.startswith(f"Error: PostgreSQL {target} is not empty (table ")
    assert again.endswith("has rows): copy into a new, empty database\n")


def test_a_row_postgresql_refuses_leaves_the_target_as_it_was(keys, make, settings, target):
    make.order(make.guest("Ana"))
    db.close()
    # SQLite keeps a NUL in text; PostgreSQL refuses it. The code comes late in the copy.
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE registration_code SET notes = ?", ("a\x00b",))
    failed = run_cli(settings.data_dir, "db", "copy", "--to", target, ok=False).output
    assert failed.startswith(f"Error: the copy failed, nothing was written to PostgreSQL {target}: ")
    assert tables(target) == []  # not even the schema


def test_an_unreachable_target_is_one_line_without_its_password(keys, settings):
    url = "postgresql://bar:s3cret@127.0.0.1:1/bar"
    failed = run_cli(settings.data_dir, "db", "copy", "--to", url, ok=False).output
    assert failed.startswith("Error: --to: cannot connect to postgresql://bar:***@127.0.0.1:1/bar: ")
    assert "s3cret" not in failed
    wrong = run_cli(settings.data_dir, "db", "copy", "--to", "sqlite:///bar.db", ok=False).output
    assert wrong == "Error: --to: expected postgresql://user:password@host:port/dbname\n"


def test_a_bar_on_postgresql_is_not_copied_again(keys, settings, target, monkeypatch):
    monkeypatch.setenv("BAR_DATABASE_URL", target)
    failed = run_cli(settings.data_dir, "db", "copy", "--to", target, ok=False).output
    assert "already runs on PostgreSQL (database.url)" in failed
    assert tables(target) == []


def test_check_says_where_the_data_is_and_that_it_can_write(keys, make, settings, monkeypatch):
    make.guest("Ana")
    db.close()
    checked = run_cli(settings.data_dir, "db", "check").output.splitlines()
    assert checked[0] == f"engine   SQLite {settings.db_path}"
    assert checked[2] == "writes   ok"
    assert ["app_users", "1"] in [line.split() for line in checked]
    assert list(Counter.select(Counter.key).tuples()) == [("queue",)]  # its try was undone
    db.close()
    monkeypatch.setenv("BAR_DATABASE_URL", "postgresql://bar:s3cret@127.0.0.1:1/bar")
    down = run_cli(settings.data_dir, "db", "check", ok=False).output
    assert down.startswith("Error: database.url: cannot connect to postgresql://bar:***@127.0.0.1:1/bar")
