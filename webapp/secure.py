"""HTTPS and plain HTTP on one port: the first byte of a connection says which it is.

Gunicorn can serve TLS (`certfile`/`keyfile`), but then a phone that opens
`http://bar.lan:8000` (typed by hand, an old QR code, a bookmark) gets a failed TLS
handshake: the browser shows "this page isn't working" or an empty answer, and the
guest is stuck. Gunicorn has no way to answer plain HTTP on a TLS port, and a second
port for a redirect would change every address a host has printed. So `bar serve`
takes the connection first (`BarWorker.handle`): a TLS handshake starts with a
record of type 22 (0x16); any other first byte is plain HTTP, answered with a
temporary redirect (307: no browser keeps it once TLS is turned off again) to the
same path on the bar's `https://` address, and a line saying so for whoever reads it.

Every step runs against `HEADER_DEADLINE_S`: a connection that sends nothing, or
stops half way through its handshake, costs its socket for that long, as a plain
request half sent does.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

TLS_HANDSHAKE = 0x16
MAX_PLAIN_HEAD = 8192


def accept(client: Any, context: ssl.SSLContext, *, https_base: str, deadline_s: float) -> Any:
    """The connection as an `ssl.SSLSocket` with its handshake done, or None when it
    was plain HTTP (answered with a redirect), or broke off, or took too long."""
    import gevent

    try:
        with gevent.Timeout(deadline_s):
            first = client.recv(1, socket.MSG_PEEK)
            if not first:
                return None
            if first[0] != TLS_HANDSHAKE:
                _redirect(client, https_base)
                return None
            tls = context.wrap_socket(client, server_side=True, do_handshake_on_connect=False)
            tls.do_handshake()
            return tls
    except gevent.Timeout:
        log.debug("a connection took too long to start")
    except (OSError, ValueError) as exc:
        # A phone that does not trust the certificate ends the handshake with an alert:
        # not our error to log loudly.
        log.debug("TLS handshake failed: %s", exc)
    _close(client)
    return None


def _redirect(client: Any, https_base: str) -> None:
    """Answer a plain-HTTP request with a 307 to its path on `https_base`."""
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head and len(head) < MAX_PLAIN_HEAD:
        chunk = client.recv(MAX_PLAIN_HEAD - len(head))
        if not chunk:
            break
        head += chunk
    target = redirect_target(head, https_base)
    body = (f"This bar speaks HTTPS only. Open {target}\n").encode()
    client.sendall(
        b"HTTP/1.1 307 Temporary Redirect\r\n"
        + f"Location: {target}\r\n".encode()
        + b"Content-Type: text/plain; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n".encode()
        + b"Connection: close\r\nCache-Control: no-store\r\n\r\n"
        + body
    )
    _close(client)


def redirect_target(head: bytes, https_base: str) -> str:
    """`https_base` plus the request's path and query (only a path: never another host)."""
    line = head.split(b"\n", 1)[0].decode("latin-1").strip()
    parts = line.split(" ")
    path = parts[1] if len(parts) == 3 and parts[2].startswith("HTTP/") else "/"
    split = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or split.scheme or split.netloc:
        path = "/"  # an absolute or odd target: the bar's front page, not an open redirect
    safe = "".join(c for c in path if 0x21 <= ord(c) < 0x7F)
    return https_base.rstrip("/") + (safe or "/")


def _close(client: Any) -> None:
    try:
        client.close()
    except OSError:
        pass
