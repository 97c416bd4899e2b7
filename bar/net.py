"""Where guests reach the bar: the laptop's LAN address and the join URL."""

from __future__ import annotations

import errno
import socket
from urllib.parse import quote

from bar.config import Settings
from bar.errors import PortInUse


def lan_address() -> str:
    """The address other machines on the Wi-Fi reach this laptop at.

    Connecting a UDP socket sends nothing; it only asks the kernel which interface
    would route outwards. Falls back to loopback on a machine with no network.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def base_url(settings: Settings) -> str:
    """Where phones reach the bar: `server.public_url`, else the laptop's LAN address.
    With `server.tls_cert` it is `https://` (a `public_url` written with `http://`
    included: the server then answers plain HTTP with a redirect only)."""
    secure = bool(settings.tls_cert or settings.tls_key)
    if settings.public_url:
        if secure and settings.public_url.startswith("http://"):
            return "https://" + settings.public_url.removeprefix("http://")
        return settings.public_url
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if secure else 'http'}://{host}:{settings.port}"


def join_url(settings: Settings, code: str) -> str:
    """What a QR code points to: short enough for one line of the kiosk and to type
    (`http://192.168.1.23:8000/j/K7QM4XPA`). `/join?code=` works as well."""
    return f"{base_url(settings)}/j/{quote(code, safe='')}"


def check_port_free(host: str, port: int) -> None:
    """Raise PortInUse if `bar serve` could not listen on host:port (another bar, most
    likely). Binds as gunicorn does (SO_REUSEADDR), so a port in TIME_WAIT counts as free."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} is in use — is another `bar up` running? Use --port"
                ) from None
            raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
