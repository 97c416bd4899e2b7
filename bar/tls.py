"""HTTPS on the LAN: the host's certificate and key (`server.tls_cert`, `server.tls_key`).

`load(settings)` reads both once, at start, and refuses in one line naming the key
whatever would make phones fail later: a file missing or unreadable, not PEM, a
certificate that has expired (or is not valid yet), a key that does not belong to the
certificate. What it returns says what the phones will get (`Certificate.covers`,
`bar serve --check`), and builds the server's `ssl.SSLContext`.

Browsers give a page notifications, service workers and Web Push only on a secure
origin: `https://` with a certificate the phone trusts, for the name in the address
bar. So what matters to a guest is (a) TLS on, (b) the join URL's host named in the
certificate, (c) a certificate the phone trusts (a public CA's, or a private CA the
phone was told to trust, as mkcert's). The server can check (a) and (b); for (c) it
can only say whether the certificate is self-signed (never trusted by a phone).
"""

from __future__ import annotations

import ipaddress
import ssl
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bar.errors import ConfigError

if TYPE_CHECKING:
    from bar.config import Settings

CERT_KEY, KEY_KEY = "server.tls_cert", "server.tls_key"


@dataclass(frozen=True)
class Certificate:
    """The host's certificate as the phones will see it."""

    cert_path: Path
    key_path: Path
    names: tuple[str, ...]  # DNS names and IP addresses it is valid for
    not_after: datetime
    self_signed: bool
    issuer: str

    def covers(self, host: str) -> bool:
        """Is the certificate valid for `host` (a name, with wildcards, or an address)?"""
        host = host.strip("[]").lower().rstrip(".")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        for name in self.names:
            if address is not None:
                if name == str(address):
                    return True
                continue
            if name == host:
                return True
            # A wildcard covers one label: *.bar.lan covers a.bar.lan, not bar.lan.
            if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
                return True
        return False

    def context(self) -> ssl.SSLContext:
        """The server's TLS context (HTTP/1.1 only: WebSockets upgrade from it)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        context.set_alpn_protocols(["http/1.1"])
        return context


def enabled(settings: Settings) -> bool:
    return bool(settings.tls_cert or settings.tls_key)


def load(settings: Settings, *, now: datetime | None = None) -> Certificate | None:
    """The certificate of `settings` (None: TLS is off), checked; `ConfigError` naming
    the key if it would not serve."""
    if not enabled(settings):
        return None
    if not settings.tls_cert or not settings.tls_key:
        missing = CERT_KEY if not settings.tls_cert else KEY_KEY
        raise ConfigError(f"{missing}: missing (HTTPS needs both {CERT_KEY} and {KEY_KEY})")
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert_pem = _read(settings.tls_cert, CERT_KEY)
    key_pem = _read(settings.tls_key, KEY_KEY)
    try:
        chain = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise ConfigError(f"{CERT_KEY}: {settings.tls_cert} is not a PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise ConfigError(f"{KEY_KEY}: {settings.tls_key} is encrypted with a password; "
                          "give bar a key without one") from None
    except ValueError:
        raise ConfigError(f"{KEY_KEY}: {settings.tls_key} is not a PEM private key") from None
    leaf = chain[0]
    now = now or datetime.now(UTC)
    if leaf.not_valid_after_utc <= now:
        raise ConfigError(f"{CERT_KEY}: the certificate in {settings.tls_cert} expired on "
                          f"{leaf.not_valid_after_utc:%Y-%m-%d}")
    if leaf.not_valid_before_utc > now:
        raise ConfigError(f"{CERT_KEY}: the certificate in {settings.tls_cert} is not valid "
                          f"before {leaf.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if _public_bytes(key.public_key()) != _public_bytes(leaf.public_key()):
        raise ConfigError(f"{KEY_KEY}: {settings.tls_key} is not the key of the certificate "
                          f"in {settings.tls_cert}")
    certificate = Certificate(
        cert_path=settings.tls_cert, key_path=settings.tls_key, names=_names(leaf),
        not_after=leaf.not_valid_after_utc, self_signed=leaf.issuer == leaf.subject,
        issuer=leaf.issuer.rfc4514_string(),
    )
    try:
        certificate.context()  # what OpenSSL itself says of the pair (a key type it refuses)
    except ssl.SSLError as exc:
        raise ConfigError(f"{CERT_KEY}: {settings.tls_cert} cannot be served: {exc.reason}") from None
    return certificate


def _read(path: Path, key: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{key}: {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc.strerror}") from None


def _public_bytes(public_key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _names(cert: object) -> tuple[str, ...]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(  # type: ignore[attr-defined]
            x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        # Browsers ignore the common name since 2017: a certificate without names
        # covers nothing.
        return ()
    dns = [str(name).lower() for name in san.get_values_for_type(x509.DNSName)]
    ips = [str(address) for address in san.get_values_for_type(x509.IPAddress)]
    return tuple(dns + ips)


def loopback_opener() -> urllib.request.OpenerDirector:
    """An opener for this machine's own server (`/healthz` from `bar up` and the kiosk):
    no proxy, and over HTTPS no certificate check (it is the server we started, on
    loopback, whose certificate names the LAN host, not 127.0.0.1)."""
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=unverified)
    )


EXPIRY_WARNING_DAYS = 14


def phones_report(settings: Settings, *, push_key: bool,
                  now: datetime | None = None) -> tuple[bool, list[str]]:
    """What the phones will get (`bar serve --check`): whether the page is a secure
    origin, whether lock-screen notifications are possible (`push_key`: the bar has its
    Web Push key), and why. Returns (secure, lines). Raises `ConfigError` for a
    certificate that would not serve at all."""
    from urllib.parse import urlsplit

    from bar.net import base_url

    now = now or datetime.now(UTC)
    certificate = load(settings, now=now)
    url = base_url(settings)
    host = urlsplit(url).hostname or ""
    lines = [f"Phones open {url}/"]
    fallback = ("while the page is open, the chime, vibration and banner still say when a drink "
                "is ready")
    secure = False
    if certificate is None and not url.startswith("https://"):
        lines += ["Not secure: plain HTTP (no server.tls_cert / server.tls_key).",
                  "Notifications: not possible. Browsers allow notifications, service workers "
                  "and Web Push only over HTTPS; " + fallback + "."]
        return False, lines
    if certificate is None:
        lines.append("HTTPS comes from server.public_url (a proxy in front must serve it); "
                     "this server itself speaks plain HTTP.")
        secure = True
    else:
        names = ", ".join(certificate.names) or "no names at all"
        lines.append(f"HTTPS and WSS with {certificate.cert_path} (for {names}; "
                     f"valid until {certificate.not_after:%Y-%m-%d}).")
        if not certificate.covers(host):
            lines += [f"Not secure for phones: the certificate does not name {host}, the host "
                      "of the join URL. Set server.public_url to https://<a name it covers>:"
                      f"{settings.port} (and make that name resolve to this laptop on the Wi-Fi).",
                      "Notifications: not possible (phones refuse the certificate); " + fallback + "."]
            return False, lines
        if certificate.self_signed:
            lines += ["Not secure for phones: the certificate is self-signed. Phones show a "
                      "warning, and a page opened past it gets no notifications. Use a "
                      "certificate from a public CA, or mkcert's CA installed on the phones.",
                      "Notifications: not possible; " + fallback + "."]
            return False, lines
        days = (certificate.not_after - now).days
        if days < EXPIRY_WARNING_DAYS:
            lines.append(f"Warning: the certificate expires in {days} days.")
        lines.append(f"Secure, if the phones trust {certificate.issuer} (a public CA, or a "
                     "private one such as mkcert's installed on them).")
        secure = True
    if not push_key:
        lines.append("Notifications: not yet: the bar has no push key (run `bar init`).")
        return secure, lines
    lines.append("Notifications: possible. A guest taps \"Notify me\"; a ready drink then "
                 "reaches the lock screen through the phone's push service (Google's, "
                 "Mozilla's, Apple's) when this laptop has internet access. Without it, "
                 + fallback + ". iPhones: only from the page added to the Home Screen "
                 "(iOS 16.4 or later).")
    return secure, lines
