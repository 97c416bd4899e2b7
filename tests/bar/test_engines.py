"""One setting picks the engine: `database.url` (or `BAR_DATABASE_URL`); empty is SQLite
in the data dir, a `postgresql://` URL is that database. A wrong or unreachable one is
one line naming the key."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bar import datadir, menu
from bar import db as database
from bar.config import load_settings
from bar.db import db, disconnect
from bar.engine import pyformat
from bar.errors import ConfigError
from tests.conftest import ROOT, SAMPLE_CONFIG, make_settings
from tests.pg import Cluster


def test_the_default_is_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings(SAMPLE_CONFIG, data_dir=tmp_path / "data", environ={})
    assert settings.database_url == ""
    datadir.init(settings)
    assert database.engine().name == "sqlite" and (tmp_path / "data" / "bar.db").is_file()
    db.close()


def test_the_url_comes_from_the_file_or_the_environment(tmp_path):
    config = tmp_path / "bar.toml"
    config.write_text('[database]\nurl = "postgresql://bar@db.lan/bar"\n')
    assert load_settings(config, environ={}).database_url == "postgresql://bar@db.lan/bar"
    env = {"BAR_DATABASE_URL": "postgresql:///bar?host=/run/postgresql"}
    assert load_settings(config, environ=env).database_url == "postgresql:///bar?host=/run/postgresql"
    assert load_settings(config, environ={"BAR_DATABASE_URL": ""}).database_url == ""


@pytest.mark.parametrize("url", ["mysql://bar@db/bar", "bar.db", "sqlite:///bar.db"])
def test_a_url_of_another_engine_names_the_key(tmp_path, url):
    config = tmp_path / "bar.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    with pytest.raises(ConfigError, match=r"^database\.url: expected empty \(SQLite"):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match=r"^BAR_DATABASE_URL: expected empty"):
        load_settings(SAMPLE_CONFIG, environ={"BAR_DATABASE_URL": url})


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://bar:s3cret@127.0.0.1:1/bar", "Connection refused"),
    ("postgresql:///bar?host=/nonexistent", "No such file or directory"),
    ("postgresql://%zz", "not a PostgreSQL URL"),
])
def test_a_database_that_cannot_be_reached_is_one_line_naming_the_key(tmp_path, url, says):
    env = {**os.environ, "BAR_DATABASE_URL": url, "BAR_CONFIG": str(SAMPLE_CONFIG),
           "BAR_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "bar", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: database.url: ")
    assert says in done.stderr and "s3cret" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing made


def test_bar_init_makes_the_schema_on_an_empty_postgresql_database(tmp_path, pg_cluster: Cluster):
    name = pg_cluster.empty_database()
    try:
        env = {**os.environ, "BAR_DATABASE_URL": pg_cluster.url(name),
               "BAR_CONFIG": str(SAMPLE_CONFIG), "BAR_DATA_DIR": str(tmp_path / "data")}

        def bar(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "bar", *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=60)

        before = bar("orders")
        assert before.returncode == 1
        assert before.stderr == f"Error: no bar in PostgreSQL {pg_cluster.url(name)}: run `bar init` first\n"
        first, again = bar("init"), bar("init")
        assert first.returncode == 0 and first.stdout.startswith("Created "), first.stderr
        assert again.returncode == 0 and again.stdout.startswith("Checked "), again.stderr
        assert not (tmp_path / "data" / "bar.db").exists()  # the data dir keeps the keys only
        settings = dataclasses.replace(make_settings(tmp_path / "data"), database_url=pg_cluster.url(name))
        datadir.open_database(settings)
        assert database.engine().name == "postgresql" and len(menu.list_drinks()) == len(settings.menu)
    finally:
        disconnect()
        pg_cluster.drop_database(name)


def test_hand_written_sql_is_turned_into_psycopgs_placeholders():
    assert pyformat("SELECT a FROM t WHERE b = ? AND c IN (?, ?)") == (
        "SELECT a FROM t WHERE b = %s AND c IN (%s, %s)")
    assert pyformat("WHERE key = :key AND :limited AND since > :since") == (
        "WHERE key = %(key)s AND %(limited)s AND since > %(since)s")
    # Quoted text keeps its ? and :words; a literal % is doubled everywhere.
    assert pyformat("""SELECT 'a?:b', "c:d" WHERE x LIKE 'e%' AND y = ? """) == (
        """SELECT 'a?:b', "c:d" WHERE x LIKE 'e%%' AND y = %s """)
    assert pyformat("SELECT x::json") == "SELECT x::json"


def test_the_test_engine_is_the_one_in_use(settings, keys, engine: str):
    assert settings.database_url.startswith("postgresql://") == (engine == "postgresql")
    assert database.engine().name == engine  # the test's engine, through `datadir.connect`
    assert Path(settings.data_dir).is_dir()


def test_a_bar_toml_without_a_menu_leaves_the_bars_menu_alone(keys, settings):
    """A server joining a shared bar with only its `database.url` empties nobody's menu."""
    before = [drink.id for drink in menu.list_drinks()]
    assert before
    datadir.init(dataclasses.replace(settings, menu=()))
    assert [drink.id for drink in menu.list_drinks()] == before
