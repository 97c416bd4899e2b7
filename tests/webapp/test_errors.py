"""The one table from core errors to HTTP statuses (`webapp.errors.STATUSES`)."""

from __future__ import annotations

import inspect

import pytest

from bar import errors
from webapp.errors import status_for

EXPECTED = {
    "ConfigError": 500, "ServerFailed": 500, "PortInUse": 500, "PrinterFailed": 500, "BarError": 500,
    "InvalidInput": 400, "InvalidJSON": 400, "ImageInvalid": 400, "TooLarge": 413,
    "NotFound": 404, "DrinkUnavailable": 404, "NoInvite": 404,
    "AuthError": 401, "CodeMissing": 401, "TokenInvalid": 401, "TokenMissing": 401,
    "SignedOut": 401, "TokenExpired": 401, "RefreshInvalid": 401, "LoginFailed": 401,
    "Forbidden": 403, "CodeRefused": 403, "Kicked": 403,
    "Conflict": 409, "InvalidTransition": 409, "ShopClosed": 409, "QueueFull": 409,
    "TooManyOpenOrders": 409, "ScanCodeInvalid": 409, "WindowSpent": 409, "AlreadyExists": 409,
    "NameTaken": 409,
    "RateLimited": 429,
}


def _make(cls: type[errors.BarError], code: str | None = None) -> errors.BarError:
    return cls("m", retry_after=1) if cls is errors.RateLimited else cls("m", code=code)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_core_error_has_its_status(name):
    assert status_for(_make(getattr(errors, name))) == EXPECTED[name]


def test_every_core_error_is_in_the_table():
    family = {n for n, c in vars(errors).items() if inspect.isclass(c) and issubclass(c, errors.BarError)}
    assert family == set(EXPECTED)


def test_a_code_given_at_raise_time_keeps_its_class_status():
    assert status_for(_make(errors.CodeRefused, "code_expired")) == 403
    assert status_for(_make(errors.Forbidden, "origin_refused")) == 403
