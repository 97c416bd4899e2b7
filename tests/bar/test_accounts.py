"""Accounts: inactivity, kicking a guest, key ids and key rotation."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from bar import events, guests, tokens
from bar.errors import InvalidInput, NotFound, RefreshInvalid, TokenInvalid
from bar.models import Event, Guest, RefreshToken, SigningKey
from bar.tokens import Keys
from tests.conftest import run_cli


def _refresh(settings, keys, token, clock):
    return tokens.refresh(
        keys, token, issuer=settings.issuer, access_ttl=settings.access_ttl,
        refresh_ttl=settings.refresh_ttl, inactivity_timeout=settings.inactivity_timeout,
        now=clock(),
    )


def _access(settings, keys, clock, ttl=None):
    return tokens.issue_access(
        keys, user_key="k", username="Ana", role="guest", issuer=settings.issuer,
        ttl=ttl or settings.access_ttl, now=clock(),
    )


def test_a_session_unused_for_the_inactivity_timeout_is_signed_out(settings, keys, make, clock):
    first = make.registration("Ana")
    clock.advance(settings.inactivity_timeout - timedelta(minutes=1))
    pair = _refresh(settings, keys, first.refresh_token, clock)  # used in time: a new window
    clock.advance(settings.inactivity_timeout - timedelta(minutes=1))
    pair = _refresh(settings, keys, pair.refresh_token, clock)
    clock.advance(settings.inactivity_timeout)
    with pytest.raises(RefreshInvalid, match="long time without use"):
        _refresh(settings, keys, pair.refresh_token, clock)
    assert settings.inactivity_timeout < settings.refresh_ttl  # the check that fired is inactivity


def test_kick_signs_a_guest_out_everywhere(make, clock):
    ana = make.registration("Ana Lima")
    second_phone = make.registration("Bob")
    make.order(ana.guest)
    kicked = make.kick("ana lima")  # a name, any case
    assert kicked.guest.user_key == ana.guest.user_key
    assert not guests.is_active(ana.guest.user_key) and guests.is_active(second_phone.guest.user_key)
    live = RefreshToken.select().where(
        RefreshToken.guest == ana.guest.user_key, RefreshToken.is_revoked == False  # noqa: E712
    )
    assert live.count() == 0
    published = [(e.channel, e.type, e.payload["user_key"]) for e in
                 Event.select().where(Event.type == events.GUEST_SIGNED_OUT).order_by(Event.id)]
    assert published == [
        (events.guest_channel(ana.guest.user_key), events.GUEST_SIGNED_OUT, ana.guest.user_key),
        (events.ADMIN, events.GUEST_SIGNED_OUT, ana.guest.user_key),
    ]
    with pytest.raises(RefreshInvalid):
        tokens.refresh(make.keys, ana.refresh_token, issuer="bar", access_ttl=timedelta(hours=1),
                       refresh_ttl=timedelta(days=1), now=clock())
    with pytest.raises(InvalidInput, match="already kicked for tonight"):
        make.kick(ana.guest.user_key)


def test_kick_by_name_must_be_unambiguous(make, clock):
    one = make.guest("Mia")
    clock.advance(seconds=1)  # the second joins later: a frozen clock would make a tie,
    two = make.guest("Mia")  # which PostgreSQL may sort either way
    with pytest.raises(InvalidInput, match="2 guests are called 'Mia'") as refused:
        make.kick("Mia")
    assert one.user_key in str(refused.value) and two.user_key in str(refused.value)
    with pytest.raises(NotFound, match="no guest called 'Zoe'"):
        make.kick("Zoe")
    assert Guest.select().where(Guest.is_active == False).count() == 0  # noqa: E712
    make.kick(two.user_key)
    assert [g.is_active for g in guests.list_guests(now=clock())] == [True, False]


def test_list_guests_counts_orders_and_live_sessions(make, clock):
    ana = make.registration("Ana")
    make.registration("Bob")
    make.order(ana.guest)
    make.order(ana.guest, drink_id="margarita")
    rows = {r.username: r for r in guests.list_guests(now=clock())}
    assert (rows["Ana"].orders, rows["Ana"].sessions) == (2, 1)
    assert (rows["Bob"].orders, rows["Bob"].sessions) == (0, 1)


def test_tokens_name_their_key(settings, keys, clock):
    token = _access(settings, keys, clock)
    assert jwt.get_unverified_header(token)["kid"] == keys.kid == tokens.key_id(keys.public_pem)
    forged = jwt.encode({"x": 1}, keys.private_key, algorithm="RS256", headers={"kid": "f" * 16})
    with pytest.raises(TokenInvalid, match="unknown or retired key"):
        tokens.verify_access(keys, forged, issuer=settings.issuer, now=clock())


def test_rotation_keeps_old_tokens_valid_until_they_expire(settings, keys, clock):
    long_lived = _access(settings, keys, clock, ttl=timedelta(hours=8))
    old_kid = keys.kid
    # Another process (the running server) has its own ring on the same database.
    server = Keys.load()
    assert keys.rotate(valid_for=timedelta(hours=4), now=clock()) == old_kid
    assert keys.kid != old_kid
    retired = SigningKey.get_by_id(old_kid)
    assert retired.private_pem is None and retired.valid_until == clock() + timedelta(hours=4)

    # The server signs with the new key at once.
    new_token = _access(settings, server, clock, ttl=timedelta(hours=8))
    assert jwt.get_unverified_header(new_token)["kid"] == keys.kid
    assert tokens.verify_access(server, long_lived, issuer=settings.issuer, now=clock()).user_key == "k"
    clock.advance(hours=4)
    with pytest.raises(TokenInvalid, match="unknown or retired key"):
        tokens.verify_access(server, long_lived, issuer=settings.issuer, now=clock())
    assert tokens.verify_access(server, new_token, issuer=settings.issuer, now=clock())
    # The next rotation deletes the retired key that is past its time.
    keys.rotate(valid_for=timedelta(hours=4), now=clock())
    assert SigningKey.get_or_none(SigningKey.kid == old_kid) is None
    assert SigningKey.select().count() == 2  # the current key and the one just retired


def test_cli_lists_kicks_and_rotates(settings, keys, make, clock):
    make.registration("[bold]Mia[/bold]")
    data = settings.data_dir
    assert "[bold]" in run_cli(data, "guests", "list").output  # shown, not styled
    kicked = run_cli(data, "guests", "kick", "[bold]Mia[/bold]")
    assert kicked.output.startswith("Signed out [bold]Mia[/bold] (")
    again = run_cli(data, "guests", "kick", "[bold]Mia[/bold]", ok=False)
    assert again.exit_code == 1 and again.output == "Error: [bold]Mia[/bold] is already kicked for tonight\n"
    assert '"is_active": false' in run_cli(data, "guests", "list", "--json").output
    old = keys.kid
    rotated = run_cli(data, "keys", "rotate")
    assert f"key {old} still verifies its tokens for 4h" in rotated.output
    assert Keys.load().kid != old


def test_kick_by_name_ignores_case_beyond_ascii(make, clock):
    emile = make.guest("Émile")
    assert make.kick("émile").guest.user_key == emile.user_key
