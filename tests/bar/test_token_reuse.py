"""A token checked once is not parsed again, yet every later use is judged afresh on
what changes: the clock, and whether its key still verifies."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from bar import tokens
from bar.errors import TokenExpired, TokenInvalid
from bar.tokens import Keys


def _token(keys: Keys, clock, ttl: timedelta = timedelta(hours=4)) -> str:
    return tokens.issue_access(keys, user_key="u1", username="Ana", role="guest", issuer="bar",
                               ttl=ttl, now=clock())


def _verify(keys: Keys, token: str, clock, issuer: str = "bar") -> tokens.Claims:
    return tokens.verify_access(keys, token, issuer=issuer, now=clock())


def test_a_token_used_before_still_expires(keys, clock):
    token = _token(keys, clock)
    for _ in range(3):
        assert _verify(keys, token, clock).user_key == "u1"
    clock.advance(hours=4)
    with pytest.raises(TokenExpired):
        _verify(keys, token, clock)


def test_a_token_used_before_is_judged_against_the_issuer_asked_for(keys, clock):
    token = _token(keys, clock)
    _verify(keys, token, clock)
    with pytest.raises(TokenInvalid):
        _verify(keys, token, clock, issuer="another bar")


def test_a_token_used_before_stops_when_its_retired_key_does(settings, keys, clock):
    token = _token(keys, clock, ttl=timedelta(hours=8))
    server = Keys.load()  # the running server's ring
    _verify(server, token, clock)
    keys.rotate(valid_for=timedelta(hours=1), now=clock())
    assert _verify(server, token, clock).user_key == "u1"  # retired, still in its time
    clock.advance(hours=1)
    with pytest.raises(TokenInvalid, match="unknown or retired key"):
        _verify(server, token, clock)


def test_a_token_without_key_id_used_before_a_rotation_is_refused_after_it(settings, keys, clock):
    now = int(clock().timestamp())
    claims = {"token_type": "access", "user_key": "u1", "username": "Ana", "role": "guest",
              "iat": now, "exp": now + 3600, "iss": "bar"}
    old_style = jwt.encode(claims, keys.private_key, algorithm="RS256")  # no `kid` header
    server = Keys.load()
    assert _verify(server, old_style, clock).user_key == "u1"
    keys.rotate(valid_for=timedelta(hours=1), now=clock())
    with pytest.raises(TokenInvalid):  # only the current key can vouch for it, and it cannot
        _verify(server, old_style, clock)
