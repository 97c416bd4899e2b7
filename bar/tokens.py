"""Access tokens (RS256 JWTs) and refresh tokens (random, stored hashed, rotated).

A refresh token belongs to a family that starts at registration. Refreshing revokes
the presented token and issues the next one in the family; presenting a token that
was already rotated means someone kept a copy, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bar.db import write
from bar.errors import ConfigError, RefreshInvalid, TokenExpired, TokenInvalid
from bar.models import Guest, RefreshToken

ALGORITHM = "RS256"
Role = Literal["guest", "admin"]


@dataclass(frozen=True)
class Keys:
    private_pem: bytes
    public_pem: bytes

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        """Parsed once: parsing (and checking) an RSA key costs ~40 ms of CPU."""
        key = serialization.load_pem_private_key(self.private_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        key = serialization.load_pem_public_key(self.public_pem)
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    @classmethod
    def generate(cls, keys_dir: Path) -> Keys:
        """Create the key pair if it is missing; the private key is owner-only (0600)."""
        keys_dir.mkdir(parents=True, exist_ok=True)
        private_path, public_path = keys_dir / "private.pem", keys_dir / "public.pem"
        if private_path.exists():
            return cls.load(keys_dir)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private_pem)
        public_path.write_bytes(public_pem)
        return cls(private_pem, public_pem)

    @classmethod
    def load(cls, keys_dir: Path) -> Keys:
        private_path = keys_dir / "private.pem"
        if not private_path.exists():
            raise ConfigError(f"no key pair in {keys_dir}: run `bar init` first")
        mode = stat.S_IMODE(private_path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{private_path} can be read by others (mode {mode:o}): "
                f"run `chmod 600 {private_path}`"
            )
        return cls(private_path.read_bytes(), (keys_dir / "public.pem").read_bytes())


@dataclass(frozen=True)
class Claims:
    user_key: str
    username: str
    role: Role
    expires_at: datetime


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str


def issue_access(
    keys: Keys, *, user_key: str, username: str, role: Role, issuer: str,
    ttl: timedelta, now: datetime,
) -> str:
    claims = {
        "token_type": "access",
        "user_key": user_key,
        "username": username,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "iss": issuer,
    }
    return jwt.encode(claims, keys.private_key, algorithm=ALGORITHM)


def verify_access(keys: Keys, token: str, *, issuer: str, now: datetime) -> Claims:
    """Check signature (RS256 only), issuer, token type and expiry against `now`."""
    try:
        claims = jwt.decode(
            token,
            keys.public_key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            # Expiry and issue time are checked below against the injected clock
            # (PyJWT would compare them with the wall clock).
            options={"require": ["exp", "iat", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"invalid token: {exc}") from None
    if claims.get("token_type") != "access":
        raise TokenInvalid("not an access token")
    if claims.get("role") not in ("guest", "admin") or not isinstance(claims.get("user_key"), str):
        raise TokenInvalid("invalid token claims")
    if not isinstance(claims["iat"], int) or claims["iat"] > now.timestamp() + 60:
        raise TokenInvalid("invalid token: issued in the future")
    if not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
        raise TokenExpired("token expired")
    return Claims(
        user_key=claims["user_key"],
        username=str(claims.get("username", "")),
        role=claims["role"],
        expires_at=datetime.fromtimestamp(claims["exp"], now.tzinfo),
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token(
    guest: Guest, *, ttl: timedelta, device_info: str, now: datetime, family: str | None = None
) -> str:
    """Store a new refresh token (hashed) for `guest`. Call inside a write transaction."""
    token = secrets.token_urlsafe(32)
    RefreshToken.create(
        token_hash=_hash(token),
        family=family or uuid.uuid4().hex,
        guest=guest,
        created_at=now,
        expires_at=now + ttl,
        device_info=device_info[:300],
    )
    return token


def refresh(
    keys: Keys, token: str, *, issuer: str, access_ttl: timedelta, refresh_ttl: timedelta,
    device_info: str = "", now: datetime,
) -> TokenPair:
    """Rotate a refresh token: the old one stops working, a new pair comes back."""
    with write():
        row = (
            RefreshToken.select(RefreshToken, Guest).join(Guest)
            .where(RefreshToken.token_hash == _hash(token)).first()
        )
        reused = row is not None and row.rotated_at is not None
        if reused:
            # Committed before the error is raised: the thief's copy must die too.
            _revoke_family(row.family, now)
        else:
            _check_usable(row, now)
            RefreshToken.update(
                is_revoked=True, revoked_at=now, rotated_at=now, last_used_at=now
            ).where(RefreshToken.id == row.id).execute()
            Guest.update(last_login=now).where(Guest.user_key == row.guest.user_key).execute()
            new_token = new_refresh_token(
                row.guest, ttl=refresh_ttl, device_info=device_info or row.device_info,
                now=now, family=row.family,
            )
    if reused:
        raise RefreshInvalid("refresh token already used: every session of it is signed out")
    access = issue_access(
        keys, user_key=row.guest.user_key, username=row.guest.username, role="guest",
        issuer=issuer, ttl=access_ttl, now=now,
    )
    return TokenPair(access, new_token)


def _check_usable(row: RefreshToken | None, now: datetime) -> None:
    if row is None:
        raise RefreshInvalid("unknown refresh token")
    if row.is_revoked:
        raise RefreshInvalid("refresh token revoked")
    if row.expires_at <= now:
        raise RefreshInvalid("refresh token expired")
    if not row.guest.is_active:
        raise RefreshInvalid("guest is deactivated")


def _revoke_family(family: str, now: datetime) -> None:
    (RefreshToken.update(is_revoked=True, revoked_at=now)
     .where(RefreshToken.family == family, RefreshToken.is_revoked == False)  # noqa: E712
     .execute())


def logout(token: str, *, now: datetime) -> None:
    """Revoke the refresh token's family (this device's session)."""
    with write():
        row = RefreshToken.get_or_none(RefreshToken.token_hash == _hash(token))
        if row is None:
            raise RefreshInvalid("unknown refresh token")
        _revoke_family(row.family, now)
