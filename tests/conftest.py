"""Shared fixtures: a fresh data directory per test, the sample menu, factories.

Every test gets its own SQLite file under `tmp_path`; nothing of ours is mocked.
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
from bar.config import Settings, load_settings
from bar.db import db
from bar.models import Guest, Kick, Order
from bar.tokens import Keys

# CI runs the same property-based examples every time (derandomized, no example
# database); on a laptop they vary, and a failure found is replayed from .hypothesis/.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev")
hypothesis_settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "bar.toml"


def make_settings(data_dir: Path, **rules: Any) -> Settings:
    """The sample bar.toml, with its data in `data_dir` and `rules` overridden."""
    base = load_settings(SAMPLE_CONFIG, data_dir=data_dir, environ={})
    return dataclasses.replace(base, rules=dataclasses.replace(base.rules, **rules))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def _session_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key pair for the whole run: generating one per test costs ~0.1 s each."""
    keys_dir = tmp_path_factory.mktemp("keys")
    Keys.generate(keys_dir)
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
