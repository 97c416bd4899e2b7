"""Access tokens (RS256 only) and refresh token rotation with reuse detection."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bar import admins, datadir, tokens
from bar.clock import utcnow
from bar.errors import ConfigError, LoginFailed, RefreshInvalid, TokenExpired, TokenInvalid
from bar.models import RefreshToken, SigningKey


def _claims(clock, **extra):
    now = int(clock().timestamp())
    return {"token_type": "access", "user_key": "u1", "username": "Ana", "role": "guest",
            "iat": now, "exp": now + 3600, "iss": "bar", **extra}


def _verify(keys, token, clock):
    return tokens.verify_access(keys, token, issuer="bar", now=clock())


def test_access_token_round_trip(keys, clock):
    token = tokens.issue_access(keys, user_key="u1", username="Ana", role="guest",
                                issuer="bar", ttl=timedelta(hours=4), now=clock())
    claims = _verify(keys, token, clock)
    assert (claims.user_key, claims.username, claims.role) == ("u1", "Ana", "guest")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_expired_token_is_refused(keys, clock):
    token = tokens.issue_access(keys, user_key="u1", username="Ana", role="guest",
                                issuer="bar", ttl=timedelta(hours=4), now=clock())
    clock.advance(hours=4)
    with pytest.raises(TokenExpired):
        _verify(keys, token, clock)


def test_token_signed_by_another_key_is_refused(keys, clock):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(TokenInvalid):
        _verify(keys, jwt.encode(_claims(clock), other, algorithm="RS256"), clock)


def test_alg_none_is_refused(keys, clock):
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(_claims(clock, role='admin'))}."
    with pytest.raises(TokenInvalid):
        _verify(keys, forged, clock)


def test_hs256_signed_with_the_public_key_is_refused(keys, clock):
    import hashlib
    import hmac
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(_claims(clock, role="admin")).encode()).rstrip(b"=")
    signature = hmac.new(keys.public_pem, header + b"." + body, hashlib.sha256).digest()
    forged = b".".join([header, body, base64.urlsafe_b64encode(signature).rstrip(b"=")]).decode()
    with pytest.raises(TokenInvalid):
        _verify(keys, forged, clock)


def test_tampered_claims_are_refused(keys, clock):
    token = tokens.issue_access(keys, user_key="u1", username="Ana", role="guest",
                                issuer="bar", ttl=timedelta(hours=4), now=clock())
    header, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["role"] = "admin"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid):
        _verify(keys, f"{header}.{body}.{sig}", clock)


@pytest.mark.parametrize("extra", [{"token_type": "refresh"}, {"iss": "elsewhere"}, {"role": "root"}])
def test_wrong_type_issuer_or_role_is_refused(keys, clock, extra):
    private = serialization.load_pem_private_key(keys.private_pem, password=None)
    with pytest.raises(TokenInvalid):
        _verify(keys, jwt.encode(_claims(clock, **extra), private, algorithm="RS256"), clock)


def test_refresh_token_is_not_an_access_token(make, keys, clock):
    reg = make.registration()
    with pytest.raises(TokenInvalid):
        _verify(keys, reg.refresh_token, clock)


def _refresh(settings, keys, token, clock):
    return tokens.refresh(keys, token, issuer=settings.issuer, access_ttl=settings.access_ttl,
                          refresh_ttl=settings.refresh_ttl, now=clock())


def test_refresh_rotates_and_stores_only_hashes(make, settings, keys, clock):
    reg = make.registration()
    pair = _refresh(settings, keys, reg.refresh_token, clock)
    assert pair.refresh_token != reg.refresh_token
    assert _verify(keys, pair.access_token, clock).user_key == reg.guest.user_key
    stored = [r.token_hash for r in RefreshToken.select()]
    assert reg.refresh_token not in stored and pair.refresh_token not in stored
    assert len(stored) == 2


def test_reusing_a_rotated_token_revokes_the_family(make, settings, keys, clock):
    reg = make.registration()
    first = _refresh(settings, keys, reg.refresh_token, clock)
    with pytest.raises(RefreshInvalid, match="already used"):
        _refresh(settings, keys, reg.refresh_token, clock)
    # The legitimate newest token is dead too: whoever holds it must register again.
    with pytest.raises(RefreshInvalid):
        _refresh(settings, keys, first.refresh_token, clock)
    assert RefreshToken.select().where(RefreshToken.is_revoked == False).count() == 0  # noqa: E712


def test_other_guests_sessions_survive_a_family_revocation(make, settings, keys, clock):
    ana, bo = make.registration("Ana"), make.registration("Bo")
    _refresh(settings, keys, ana.refresh_token, clock)
    with pytest.raises(RefreshInvalid):
        _refresh(settings, keys, ana.refresh_token, clock)
    assert _refresh(settings, keys, bo.refresh_token, clock).access_token


def test_expired_and_logged_out_refresh_tokens(make, settings, keys, clock):
    reg = make.registration()
    tokens.logout(reg.refresh_token, now=clock())
    with pytest.raises(RefreshInvalid, match="revoked"):
        _refresh(settings, keys, reg.refresh_token, clock)
    other = make.registration("Bo")
    clock.advance(settings.refresh_ttl)
    with pytest.raises(RefreshInvalid, match="expired"):
        _refresh(settings, keys, other.refresh_token, clock)
    with pytest.raises(RefreshInvalid):
        _refresh(settings, keys, "garbage", clock)


def test_an_older_bars_key_files_are_taken_in_once(settings, keys, clock):
    """`keys` is made from key files, as an older bar kept them: the database holds the
    pair now (and a retired key still in its time), and the files are read no more."""
    from_file = (settings.keys_dir / "public.pem").read_bytes()
    assert keys.kid == tokens.key_id(from_file)
    token = tokens.issue_access(keys, user_key="u1", username="Ana", role="guest",
                                issuer=settings.issuer, ttl=timedelta(hours=1), now=clock())
    for path in settings.keys_dir.iterdir():
        path.unlink()
    again = datadir.open_bar(settings)
    assert again.kid == keys.kid
    assert tokens.verify_access(again, token, issuer=settings.issuer, now=clock()).user_key == "u1"
    assert list(settings.keys_dir.iterdir()) == []  # nothing written back


def test_retired_key_files_come_along_while_still_in_their_time(settings, clock):
    tokens.write_key_files(settings.keys_dir)
    retired_dir = settings.keys_dir / "retired"
    retired_dir.mkdir()
    old = tokens.KeyPair(*tokens._new_pair())
    long_ago = tokens.KeyPair(*tokens._new_pair())
    # Taken in by `bar init`, at the real time.
    for pair, until in ((old, utcnow() + timedelta(hours=1)), (long_ago, utcnow())):
        (retired_dir / f"{pair.kid}.json").write_text(json.dumps(
            {"public_pem": pair.public_pem.decode(), "valid_until": until.isoformat()}))
    keys, _ = datadir.init(settings)
    signed_before = jwt.encode(
        {"token_type": "access", "user_key": "u1", "username": "Ana", "role": "guest",
         "iat": int(clock().timestamp()), "exp": int(clock().timestamp()) + 600, "iss": "bar"},
        old.private_key, algorithm="RS256", headers={"kid": old.kid})
    assert tokens.verify_access(keys, signed_before, issuer="bar", now=clock()).user_key == "u1"
    assert SigningKey.get_or_none(SigningKey.kid == long_ago.kid) is None


def test_a_private_key_file_others_can_read_is_refused(settings):
    tokens.write_key_files(settings.keys_dir)
    private = settings.keys_dir / "private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    os.chmod(private, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        datadir.init(settings)


def test_a_new_bar_makes_its_key_in_the_database_only(settings):
    keys, _ = datadir.init(settings)
    assert SigningKey.get_by_id(keys.kid).private_pem == keys.private_pem.decode()
    assert not (settings.keys_dir / "private.pem").exists()
    if not settings.database_url:  # the file holds the private key: its owner's only
        assert stat.S_IMODE(settings.db_path.stat().st_mode) == 0o600


def test_admin_login(settings, keys, clock):
    admins.create_admin("joe", "correct horse", now=clock())
    token = admins.login(settings, keys, "joe", "correct horse", now=clock())
    assert _verify(keys, token, clock).role == "admin"
    with pytest.raises(LoginFailed):
        admins.login(settings, keys, "joe", "wrong password", now=clock())
    with pytest.raises(LoginFailed):
        admins.login(settings, keys, "nobody", "correct horse", now=clock())
