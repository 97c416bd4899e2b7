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
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bar.db import Prepared, slot, write
from bar.errors import ConfigError, RefreshInvalid, TokenExpired, TokenInvalid
from bar.models import Guest, PushSubscription, RefreshToken, SigningKey

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


@dataclass(frozen=True)
class _Ring:
    """The keys as read from the database at one moment (replaced whole, never changed)."""

    pair: KeyPair
    retired: dict[str, _Retired]


# Tokens whose signature was checked, per key ring: a phone sends the same token with
# every request, and PyJWT's parsing and the RSA check cost ~0.5 ms of CPU each time.
VERIFIED_MAX = 4096
# How often a ring asks the database whether another process rotated the keys (by the
# monotonic clock, or by the bar's clock: a test's frozen clock stepping on counts too).
CHECK_EVERY_S = 2.0

# Rotations made by this process: its other rings notice them at once.
_rotations = 0

_CURRENT_KID = Prepared(lambda: SigningKey.select(SigningKey.kid).where(
    SigningKey.retired_at.is_null()).order_by(SigningKey.created_at.desc()).limit(1))
_KNOWN_KID = Prepared(lambda: SigningKey.select(SigningKey.kid).where(
    SigningKey.kid == slot("kid")))


class Keys:
    """The key ring, kept in the database (`signing_keys`): every server, kiosk and CLI
    of the bar shares it, so a token signed by one server is good on all of them.

        current   the key that signs every new token (its private half is only here)
        retired   old public keys, each verifying its tokens until they have expired

    `bar keys rotate` may run anywhere while servers are up. A token is always signed
    with the key the database calls current (read as it is issued); verifying reads
    nothing but, every `CHECK_EVERY_S`, the current key's id, and reloads the ring when
    it changed; a token naming a key the ring does not know makes it look that key up
    at once. So a server signs with the new key at once, accepts the new key's tokens
    at once, and keeps accepting the old key's tokens until they expire.
    """

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._ring = self._read()
        self._checked_at = monotonic()
        self._checked_now: datetime | None = None
        self._rotations = _rotations
        # (token, issuer) -> its checked claims; the oldest entry goes first when full.
        self._verified: dict[tuple[str, str], _Verified] = {}

    @classmethod
    def load(cls) -> Keys:
        """The database's key ring (`ConfigError` if it has none: run `bar init`)."""
        return cls()

    def _read(self) -> _Ring:
        """The ring as the database has it now; keys already known keep their objects
        (a cached verification compares its key by identity)."""
        rows = list(SigningKey.select().order_by(SigningKey.created_at))
        current = [row for row in rows if row.retired_at is None and row.private_pem]
        if not current:
            raise ConfigError("no key to sign tokens in the database: run `bar init` first")
        old: _Ring | None = getattr(self, "_ring", None)
        newest = current[-1]
        if old is not None and old.pair.kid == newest.kid:
            pair = old.pair
        else:
            pair = KeyPair(str(newest.private_pem).encode(), str(newest.public_pem).encode())
        retired: dict[str, _Retired] = {}
        for row in rows:
            if row.kid == pair.kid:
                continue
            known = old.retired.get(row.kid) if old is not None else None
            if old is not None and old.pair.kid == row.kid:
                public_key = old.pair.public_key
            elif known is not None:
                public_key = known.public_key
            else:
                public_key = _public_key(row.public_pem)
            # An older current key (two made at once) verifies like a retired one.
            until = row.valid_until or datetime.max.replace(tzinfo=UTC)
            retired[row.kid] = _Retired(public_key, until)
        return _Ring(pair, retired)

    def _reload(self) -> None:
        with self._lock:
            self._ring = self._read()
            self._rotations = _rotations

    def _check(self, now: datetime) -> None:
        """Every `CHECK_EVERY_S`: has the current key changed (a rotation elsewhere)?"""
        at = self._monotonic()
        recent = at - self._checked_at < CHECK_EVERY_S and self._checked_now is not None and (
            abs((now - self._checked_now).total_seconds()) < CHECK_EVERY_S)
        if recent and self._rotations == _rotations:
            return
        self._checked_at, self._checked_now = at, now
        current = _CURRENT_KID.execute().fetchone()
        if self._rotations != _rotations or current is None or current[0] != self._ring.pair.kid:
            self._reload()

    def current(self) -> KeyPair:
        """The key that signs now, as the database says (a read of a table of a few rows)."""
        current = _CURRENT_KID.execute().fetchone()
        if current is None or current[0] != self._ring.pair.kid:
            self._reload()
        return self._ring.pair

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
        self._check(now)
        ring = self._ring
        if kid is None or kid == ring.pair.kid:
            return ring.pair.public_key
        retired = ring.retired.get(kid)
        if retired is None and _KNOWN_KID.execute(kid=kid).fetchone() is not None:
            self._reload()  # made by a rotation elsewhere, moments ago
            ring = self._ring
            if kid == ring.pair.kid:
                return ring.pair.public_key
            retired = ring.retired.get(kid)
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
        """Make a new current key; the old public key verifies for `valid_for` more.

        Returns the old key's id. Retired keys past their time are deleted.
        """
        global _rotations
        private_pem, public_pem = _new_pair()  # ~0.1 s of CPU: before the write lock
        with write():
            old = (SigningKey.select().where(SigningKey.retired_at.is_null())
                   .order_by(SigningKey.created_at.desc()).first())
            if old is None:
                raise ConfigError("no key to sign tokens in the database: run `bar init` first")
            (SigningKey.update(retired_at=now, valid_until=now + valid_for, private_pem=None)
             .where(SigningKey.retired_at.is_null()).execute())
            SigningKey.delete().where(SigningKey.valid_until <= now).execute()
            SigningKey.create(kid=key_id(public_pem), public_pem=public_pem.decode(),
                              private_pem=private_pem.decode(), created_at=now)
        _rotations += 1
        self._reload()
        return str(old.kid)


def ensure_keys(keys_dir: Path, *, now: datetime, create: bool = True) -> Keys:
    """The database's key ring, made first if it has none: from the key files a data
    dir of an older bar kept in `keys_dir` (its tokens stay good), else, if `create`,
    a new key. Raises `ConfigError` for a private key file others can read."""
    if SigningKey.select().where(SigningKey.retired_at.is_null()).exists():
        return Keys.load()
    found = _read_key_files(keys_dir, now=now)
    if found is None and not create:
        raise ConfigError("no key to sign tokens in the database: run `bar init` first")
    pair, retired = found if found is not None else (KeyPair(*_new_pair()), {})
    with write():
        if not SigningKey.select().where(SigningKey.retired_at.is_null()).exists():
            SigningKey.delete().execute()
            SigningKey.create(kid=pair.kid, public_pem=pair.public_pem.decode(),
                              private_pem=pair.private_pem.decode(), created_at=now)
            for kid, (public_pem, valid_until) in retired.items():
                if kid != pair.kid:
                    SigningKey.create(kid=kid, public_pem=public_pem, created_at=now,
                                      retired_at=now, valid_until=valid_until)
    return Keys.load()


def _read_key_files(
    keys_dir: Path, *, now: datetime
) -> tuple[KeyPair, dict[str, tuple[str, datetime]]] | None:
    """The key pair and retired keys an older bar kept as files, or None if none."""
    private_path = keys_dir / "private.pem"
    try:
        mode = stat.S_IMODE(private_path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise ConfigError(f"{private_path} can be read by others (mode {mode:o}): "
                          f"run `chmod 600 {private_path}`")
    private_pem = private_path.read_bytes()
    key = serialization.load_pem_private_key(private_pem, password=None)
    # The public half comes from the private key, never from public.pem.
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    retired: dict[str, tuple[str, datetime]] = {}
    for path in sorted((keys_dir / "retired").glob("*.json")):
        try:
            data = json.loads(path.read_text())
            valid_until = datetime.fromisoformat(data["valid_until"])
            _public_key(data["public_pem"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # an unreadable retired key verifies nothing
        if valid_until > now:
            retired[key_id(data["public_pem"].encode())] = (data["public_pem"], valid_until)
    return KeyPair(private_pem, public_pem), retired


def write_key_files(keys_dir: Path) -> None:
    """A new key pair as files in `keys_dir` (private owner-only), for `ensure_keys` to
    take in: what a data dir of an older bar holds."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = _new_pair()
    fd = os.open(keys_dir / "private.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem)
    (keys_dir / "public.pem").write_bytes(public_pem)


def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


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
