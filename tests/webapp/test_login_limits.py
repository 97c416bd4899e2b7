"""`POST /api/admin/login`: limited per address and for all addresses together."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from bar import admins
from tests.webapp.conftest import ADMIN_PASSWORD
from webapp import create_app


@pytest.fixture
def strict_app(settings, keys, clock) -> Iterator[Flask]:
    """Two attempts per address, four in total, per minute."""
    app = create_app(dataclasses.replace(settings, logins_per_minute=2, logins_per_minute_total=4),
                     clock=clock)
    yield app
    app.extensions["bar"].hub.stop()


def login(app: Flask, address: str, password: str = "a wrong guess!") -> tuple[int, dict]:
    client = app.test_client()
    response = client.post("/api/admin/login", json={"username": "sam", "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return response.status_code, response.json


def test_many_addresses_together_hit_the_total(strict_app, clock):
    admins.create_admin("sam", ADMIN_PASSWORD, now=clock())
    assert [login(strict_app, f"10.0.0.{i}")[0] for i in range(4)] == [401] * 4
    # A fifth address, with the right password: the bar has had its guesses this minute.
    status, body = login(strict_app, "10.0.0.9", ADMIN_PASSWORD)
    assert status == 429
    assert body == {"error": {"code": "rate_limited",
                              "message": "Too many attempts on this bar: try again in 60 s"}}
    clock.advance(seconds=60)
    assert login(strict_app, "10.0.0.9", ADMIN_PASSWORD)[0] == 200


def test_the_per_address_limit_still_holds(strict_app, clock):
    admins.create_admin("sam", ADMIN_PASSWORD, now=clock())
    assert [login(strict_app, "10.0.0.1")[0] for _ in range(3)] == [401, 401, 429]
    # Its refusal spent none of the total (4): two more attempts still get their turn.
    assert login(strict_app, "10.0.1.1")[0] == 401
    assert login(strict_app, "10.0.2.1", ADMIN_PASSWORD)[0] == 200
    assert login(strict_app, "10.0.3.1", ADMIN_PASSWORD)[0] == 429


def test_the_app_checks_passwords_through_its_bounded_checks(app):
    checks = app.extensions["bar"].password_checks
    assert isinstance(checks, admins.PasswordChecks)
    # Two at once: a third waits for a turn.
    assert checks._turns.acquire(blocking=False) and checks._turns.acquire(blocking=False)
    try:
        assert not checks._turns.acquire(blocking=False)
    finally:
        checks._turns.release()
        checks._turns.release()
