"""Access tokens (RS256 JWTs) and refresh tokens (random, stored hashed, rotated).

A refresh token belongs to a family that starts at registration. Refreshing revokes
the presented token and issues the next one in the family; presenting a token that
was already rotated means someone kept a copy, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import threading
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
from bar.models import Guest, PushSubscription, RefreshToken

ALGORITHM = "RS256"
Role = Literal["guest", "admin"]


def key_id(public_pem: bytes) -> str:
    """A short, stable name for a public key: the `kid` in token headers."""
    return hashlib.sha256(public_pem).hexdigest()[:16]


@dataclass(frozen=True)
class KeyPair:
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

    @cached_property
    def kid(self) -> str:
        return key_id(self.public_pem)


@dataclass(frozen=True)
class _Retired:
    public_key: rsa.RSAPublicKey
    valid_until: datetime  # the last token it signed has expired by then


@dataclass(frozen=True)
class _Verified:
    """What a token's good signature vouched for, kept for the token's next use."""

    user_key: str
    username: str
    role: Role
    issued_at: int
    expires_at: int
    kid: str | None  # as the token's header says
    key: rsa.RSAPublicKey  # the key that verified it


# Tokens whose signature was checked, per key ring: a phone sends the same token with
# every request, and PyJWT's parsing and the RSA check cost ~0.5 ms of CPU each time.
VERIFIED_MAX = 4096


class Keys:
    """The key ring in `keys_dir`.

        private.pem, public.pem   the current pair: signs every new token
        retired/<kid>.json        an old public key and how long it still verifies

    `bar keys rotate` may run while `bar serve` is up: the ring notices that
    private.pem changed (one stat per use) and reloads, so the server signs with the
    new key at once and still accepts tokens signed with the old one until they expire.
    """

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._stamp: tuple[int, int] | None = None
        self._pair: KeyPair | None = None
        self._retired: dict[str, _Retired] = {}
        self._lock = threading.Lock()
        # (token, issuer) -> its checked claims; the oldest entry goes first when full.
        self._verified: dict[tuple[str, str], _Verified] = {}
        # A str, not a Path: it is stat'ed for every request (pathlib cost more than it).
        self._private_file = str(self._private_path)
        self._reload_if_changed()

    @property
    def _private_path(self) -> Path:
        return self.keys_dir / "private.pem"

    @property
    def _retired_dir(self) -> Path:
        return self.keys_dir / "retired"

    def current(self) -> KeyPair:
        self._reload_if_changed()
        assert self._pair is not None
        return self._pair

    def _reload_if_changed(self) -> None:
        try:
            info = os.stat(self._private_file)
        except FileNotFoundError:
            raise ConfigError(f"no key pair in {self.keys_dir}: run `bar init` first") from None
        stamp = (info.st_mtime_ns, info.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise ConfigError(
                    f"{self._private_path} can be read by others (mode {mode:o}): "
                    f"run `chmod 600 {self._private_path}`"
                )
            private_pem = self._private_path.read_bytes()
            key = serialization.load_pem_private_key(private_pem, password=None)
            # The public half comes from the private key, never from public.pem: a
            # rotation replaces the two files one after the other.
            public_pem = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            self._pair = KeyPair(private_pem, public_pem)
            self._retired = self._load_retired()
            self._stamp = stamp

    def _load_retired(self) -> dict[str, _Retired]:
        retired: dict[str, _Retired] = {}
        for path in sorted(self._retired_dir.glob("*.json")):
            try:
                data = json.loads(path.read_text())
                public = serialization.load_pem_public_key(data["public_pem"].encode())
                assert isinstance(public, rsa.RSAPublicKey)
                retired[path.stem] = _Retired(public, datetime.fromisoformat(data["valid_until"]))
            except (OSError, ValueError, KeyError, AssertionError):
                continue  # an unreadable retired key verifies nothing
        return retired

    @property
    def kid(self) -> str:
        return self.current().kid

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return self.current().private_key

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.current().public_key

    @property
    def private_pem(self) -> bytes:
        return self.current().private_pem

    @property
    def public_pem(self) -> bytes:
        return self.current().public_pem

    def verifying_key(self, kid: str | None, *, now: datetime) -> rsa.RSAPublicKey | None:
        """The public key for a token's `kid`: current, or retired and not yet past use.

        Tokens from before key ids existed carry none; they can only be the current key's.
        """
        current = self.current()
        if kid is None or kid == current.kid:
            return current.public_key
        retired = self._retired.get(kid)
        if retired is None or retired.valid_until <= now:
            return None
        return retired.public_key

    def _recall(self, token: str, issuer: str) -> _Verified | None:
        return self._verified.get((token, issuer))

    def _remember(self, token: str, issuer: str, verified: _Verified) -> None:
        while len(self._verified) >= VERIFIED_MAX:
            try:
                del self._verified[next(iter(self._verified))]
            except (KeyError, StopIteration, RuntimeError):  # another thread got there first
                break
        self._verified[(token, issuer)] = verified

    def rotate(self, *, valid_for: timedelta, now: datetime) -> str:
        """Make a new current pair; the old public key verifies for `valid_for` more.

        Returns the old key's id. Retired keys past their time are deleted.
        """
        old = self.current()
        self._retired_dir.mkdir(exist_ok=True)
        record = {"public_pem": old.public_pem.decode(), "valid_until": (now + valid_for).isoformat()}
        _write_atomically(self._retired_dir / f"{old.kid}.json", json.dumps(record).encode(), 0o644)
        private_pem, public_pem = _new_pair()
        _write_atomically(self._private_path, private_pem, 0o600)
        _write_atomically(self.keys_dir / "public.pem", public_pem, 0o644)
        for kid, retired in self._load_retired().items():
            if retired.valid_until <= now:
                (self._retired_dir / f"{kid}.json").unlink(missing_ok=True)
        self._reload_if_changed()
        return old.kid

    @classmethod
    def generate(cls, keys_dir: Path) -> Keys:
        """Create the key pair if it is missing; the private key is owner-only (0600)."""
        keys_dir.mkdir(parents=True, exist_ok=True)
        private_path, public_path = keys_dir / "private.pem", keys_dir / "public.pem"
        if not private_path.exists():
            private_pem, public_pem = _new_pair()
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(private_pem)
            public_path.write_bytes(public_pem)
        return cls(keys_dir)

    @classmethod
    def load(cls, keys_dir: Path) -> Keys:
        return cls(keys_dir)


def _new_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Readers see the old file or the new one, never half of one."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


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
    pair = keys.current()  # one pair: a rotation between two reads would mislabel the token
    return jwt.encode(claims, pair.private_key, algorithm=ALGORITHM, headers={"kid": pair.kid})


def verify_access(keys: Keys, token: str, *, issuer: str, now: datetime) -> Claims:
    """Check signature (RS256 only), issuer, token type and expiry against `now`.

    A token is parsed and its signature checked once: its next uses check only what
    changes with time, its expiry and whether its key still verifies.
    """
    verified = keys._recall(token, issuer)
    if verified is not None:
        if keys.verifying_key(verified.kid, now=now) is not verified.key:
            verified = None  # retired since, or a kid-less token after a rotation
    if verified is None:
        verified = _verify_signature(keys, token, issuer=issuer, now=now)
        keys._remember(token, issuer, verified)
    if verified.issued_at > now.timestamp() + 60:
        raise TokenInvalid("invalid token: issued in the future")
    if verified.expires_at <= now.timestamp():
        raise TokenExpired("token expired")
    return Claims(
        user_key=verified.user_key,
        username=verified.username,
        role=verified.role,
        expires_at=datetime.fromtimestamp(verified.expires_at, now.tzinfo),
    )


def _unverified_kid(token: str) -> str | None:
    """The `kid` of a token's header, unchecked (it picks the key that checks the rest)."""
    kid = jwt.get_unverified_header(token).get("kid")
    return kid if isinstance(kid, str) else None


def _verify_signature(keys: Keys, token: str, *, issuer: str, now: datetime) -> _Verified:
    try:
        kid = _unverified_kid(token)
        public_key = keys.verifying_key(kid, now=now)
        if public_key is None:
            raise TokenInvalid("invalid token: signed with an unknown or retired key")
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            # Expiry and issue time are checked by the caller against the injected clock
            # (PyJWT would compare them with the wall clock).
            options={"require": ["exp", "iat", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"invalid token: {exc}") from None
    if claims.get("token_type") != "access":
        raise TokenInvalid("not an access token")
    if claims.get("role") not in ("guest", "admin") or not isinstance(claims.get("user_key"), str):
        raise TokenInvalid("invalid token claims")
    if not isinstance(claims["iat"], int):
        raise TokenInvalid("invalid token: issued in the future")
    if not isinstance(claims["exp"], int):
        raise TokenExpired("token expired")
    return _Verified(
        user_key=claims["user_key"], username=str(claims.get("username", "")), role=claims["role"],
        issued_at=claims["iat"], expires_at=claims["exp"], kid=kid, key=public_key,
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
        # The user agent, for people: its printable part (a NUL or a lone surrogate is
        # not text, and PostgreSQL refuses to store a NUL).
        device_info="".join(c for c in device_info[:300] if c.isprintable() and not
                            "\ud800" <= c <= "\udfff"),
    )
    return token


def refresh(
    keys: Keys, token: str, *, issuer: str, access_ttl: timedelta, refresh_ttl: timedelta,
    inactivity_timeout: timedelta | None = None, device_info: str = "", now: datetime,
) -> TokenPair:
    """Rotate a refresh token: the old one stops working, a new pair comes back.

    A token not used for `inactivity_timeout` (each rotation makes a fresh one, so
    its `created_at` is the session's last use) is refused: that phone joins again.
    """
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
            _check_usable(row, now, inactivity_timeout)
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


def _check_usable(row: RefreshToken | None, now: datetime, inactivity: timedelta | None) -> None:
    if row is None:
        raise RefreshInvalid("unknown refresh token")
    if row.is_revoked:
        raise RefreshInvalid("refresh token revoked")
    if row.expires_at <= now:
        raise RefreshInvalid("refresh token expired")
    if inactivity is not None and row.created_at <= now - inactivity:
        raise RefreshInvalid("signed out after a long time without use: join again")
    if not row.guest.is_active:
        raise RefreshInvalid("guest is deactivated")


def _revoke_family(family: str, now: datetime) -> None:
    (RefreshToken.update(is_revoked=True, revoked_at=now)
     .where(RefreshToken.family == family, RefreshToken.is_revoked == False)  # noqa: E712
     .execute())
    # The session's lock-screen notifications (`bar.push`) end with it.
    PushSubscription.delete().where(PushSubscription.family == family).execute()


def logout(token: str, *, now: datetime) -> None:
    """Revoke the refresh token's family (this device's session)."""
    with write():
        row = RefreshToken.get_or_none(RefreshToken.token_hash == _hash(token))
        if row is None:
            raise RefreshInvalid("unknown refresh token")
        _revoke_family(row.family, now)
