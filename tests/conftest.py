"""Shared fixtures: a fresh data directory per test, the sample menu, factories.

Every test gets its own database: an SQLite file under `tmp_path`, or a new database
on a throwaway PostgreSQL cluster (`tests.pg`); nothing of ours is mocked. The `engine`
fixture says which: SQLite here; the core, API, WebSocket and crash tests
(tests/bar, tests/webapp, tests/crash) run on both, as their conftest asks
(`BAR_TEST_ENGINES=sqlite` runs them on SQLite only). The engine reaches everything
through `BAR_DATABASE_URL`, as it would in production: `make_settings`, the CLI and
the `bar` processes tests start.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings as hypothesis_settings

from bar import datadir, guests, orders, registration
from bar.clock import FrozenClock
from bar.config import Settings, StationSpec, load_settings
from bar.db import db, disconnect
from bar.models import Guest, Kick, Order
from bar.tokens import Keys, write_key_files
from tests.pg import Cluster, find_initdb

# CI runs the same property-based examples every time (derandomized, no example
# database); on a laptop they vary, and a failure found is replayed from .hypothesis/.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev")
hypothesis_settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "bar.toml"
# The engines the database tests run on (their conftest parametrizes `engine` by it).
ENGINES = [e for e in os.environ.get("BAR_TEST_ENGINES", "sqlite,postgresql").split(",") if e]


def make_settings(data_dir: Path, **rules: Any) -> Settings:
    """The sample bar.toml, with its data in `data_dir` and `rules` overridden, on the
    test's engine (`BAR_DATABASE_URL`, set by the `engine` fixture)."""
    base = load_settings(SAMPLE_CONFIG, data_dir=data_dir, environ={})
    return dataclasses.replace(
        base, rules=dataclasses.replace(base.rules, **rules),
        database_url=os.environ.get("BAR_DATABASE_URL", ""),
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """This session's PostgreSQL server (started when a test first needs it)."""
    initdb = find_initdb()
    if initdb is None:
        message = "PostgreSQL is not installed (initdb): apt-get install postgresql"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI never skips a whole engine silently
        pytest.skip(message)
    cluster = Cluster(initdb)
    yield cluster
    cluster.stop()


def use_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """Make `name` ("sqlite" or "postgresql") the test's engine: for PostgreSQL an empty
    database of the session's cluster."""
    if name == "sqlite":
        monkeypatch.delenv("BAR_DATABASE_URL", raising=False)
        return name
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    monkeypatch.setenv("BAR_DATABASE_URL", cluster.test_database())
    request.addfinalizer(disconnect)  # the pool and the listener of this test's engine
    return name


@pytest.fixture
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's database engine: SQLite here (TUI and browser tests)."""
    return use_engine(request, monkeypatch, "sqlite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test module that sets `ENGINES` runs on those only (where the engine makes no
    difference: pages, socket hardening, what a command imports)."""
    kept, dropped = [], []
    for item in items:
        engines = getattr(getattr(item, "module", None), "ENGINES", None)
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("engine") if callspec is not None else None
        (dropped if engines is not None and engine is not None and engine not in engines
         else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# A test about SQLite itself (its query plans, its file): on SQLite only.
sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def engine_fixture() -> Any:
    """An `engine` fixture that runs each test on every engine of `ENGINES`: for the
    conftest of the packages whose tests exercise the database."""

    @pytest.fixture(params=ENGINES)
    def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
        return use_engine(request, monkeypatch, request.param)

    return engine


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def _session_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key pair for the whole run: generating one per test costs ~0.1 s each.
    Kept as the key files of an older bar's data dir, which `bar init` takes in."""
    keys_dir = tmp_path_factory.mktemp("keys")
    write_key_files(keys_dir)
    return keys_dir


def install_keys(settings: Settings, source: Path) -> None:
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    for name in ("private.pem", "public.pem"):
        shutil.copy2(source / name, settings.keys_dir / name)


@pytest.fixture
def keys(settings: Settings, _session_keys: Path) -> Iterator[Keys]:
    """An initialised data directory (database, keys, sample menu); yields its keys."""
    install_keys(settings, _session_keys)
    created, _ = datadir.init(settings)
    yield created
    db.close()


def with_rules(settings: Settings, **rules: Any) -> Settings:
    return dataclasses.replace(settings, rules=dataclasses.replace(settings.rules, **rules))


def with_stations(
    settings: Settings, *, bar_queue: int | None = None, coffee_queue: int | None = None,
) -> Settings:
    """The sample bar as two stations: the cocktail bar (cocktails and mocktails) and the
    coffee corner (coffee), each with its own `max_queue` if given (else the bar's)."""
    def station(id: str, name: str, categories: tuple[str, ...], queue: int | None) -> StationSpec:
        rules = settings.rules if queue is None else dataclasses.replace(
            settings.rules, max_queue=queue)
        return StationSpec(id=id, name=name, categories=categories, rules=rules)

    return dataclasses.replace(settings, stations=(
        station("bar", "Cocktail bar", ("Cocktails", "Mocktails"), bar_queue),
        station("coffee", "Coffee corner", ("Coffee",), coffee_queue),
    ))


class Factory:
    """Small builders for guests, codes and orders (the `make_*` of the tests)."""

    def __init__(self, settings: Settings, keys: Keys, clock: FrozenClock) -> None:
        self.settings, self.keys, self.clock = settings, keys, clock

    def code(self, max_uses: int = 50, expires: timedelta = timedelta(days=1), **kw: Any) -> str:
        now = self.clock()
        return registration.create_code(
            max_uses=max_uses, expires_at=now + expires, now=now, **kw
        ).code

    def registration(self, name: str = "Ana") -> registration.Registration:
        return registration.register(
            self.settings, self.keys, code=self.code(), username=name, now=self.clock()
        )

    def guest(self, name: str = "Ana") -> Guest:
        return self.registration(name).guest

    def kick(self, guest: str) -> Kick:
        """What `bar guests kick GUEST` does (a name or a user key)."""
        return guests.kick(guest, day_starts_at=self.settings.day_starts_at, now=self.clock())

    def order(
        self, guest: Guest | None = None, drink_id: str = "negroni",
        settings: Settings | None = None, **kw: Any,
    ) -> Order:
        return orders.place_order(
            settings or self.settings, guest or self.guest(), drink_id=drink_id,
            now=self.clock(), **kw,
        ).order


@pytest.fixture
def make(settings: Settings, keys: Keys, clock: FrozenClock) -> Factory:
    return Factory(settings, keys, clock)


def run_cli(data_dir: Path, *args: str, ok: bool = True, input: str | None = None) -> Result:
    """`bar --config <sample> --data-dir DIR ARGS…` in this process (click's runner).

    Checks the outcome: exit 0 when `ok`, else exit 1 with one line, `Error: …`.
    """
    from bar.cli import cli

    result = CliRunner().invoke(
        cli, ["--config", str(SAMPLE_CONFIG), "--data-dir", str(data_dir), *args],
        input=input, catch_exceptions=False,
    )
    assert (result.exit_code == 0) == ok, result.output
    if not ok:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return result
