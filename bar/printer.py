"""The receipt printer: where it is (`[printer] url`) and how a ticket's bytes get there.

    tcp://192.168.1.50:9100     a network printer (raw port 9100, the default)
    usb://04b8:0202             a USB printer by vendor and product id (needs pyusb)
    serial:///dev/ttyUSB0       a serial printer (needs pyserial); `?baudrate=19200`
    file:///dev/usb/lp0         a device file, or any file: the bytes are appended

python-escpos drives the printer: `bar.tickets` composes a ticket on its `Dummy`
printer (the bytes in memory), and `send` hands them to the device in one write, so a
ticket is never half composed when the printer fails, and is sent again whole. A
printer that is off, unplugged or out of reach raises `PrinterFailed` with one line
saying so; `bar.spool` keeps the ticket for when it is back.

python-escpos is imported only when something prints: `escpos.capabilities` reads its
printer database (~0.2 s) and sets up logging on import (see `_escpos`).
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bar.errors import PrinterFailed

SCHEMES = ("tcp", "usb", "serial", "file")
DEFAULT_PORT = 9100  # the raw ("JetDirect") port of network receipt printers
TIMEOUT = 5.0  # seconds to connect and to hand over a ticket
# python-escpos's printer profiles for the two paper widths: their dots per line and
# characters per line (font A) are those of most printers of that width.
PROFILES = {58: "POS-5890", 80: "TM-T20II"}
URL_HELP = ("expected tcp://HOST[:PORT], usb://VENDOR:PRODUCT (hex ids), "
            "serial:///dev/ttyUSB0 or file:///path")


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed `[printer] url`."""

    scheme: str
    host: str = ""
    port: int = DEFAULT_PORT
    vendor: int = 0
    product: int = 0
    path: str = ""
    baudrate: int = 9600
    text: str = ""  # as written

    def __str__(self) -> str:
        return self.text


def parse_url(text: str) -> PrinterUrl:
    """Read a printer URL; ValueError says what one looks like."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme == "tcp" and parts.hostname:
            return PrinterUrl("tcp", host=parts.hostname, port=parts.port or DEFAULT_PORT, text=text)
        if scheme == "usb":
            vendor, _, product = parts.netloc.partition(":")
            return PrinterUrl("usb", vendor=int(vendor, 16), product=int(product, 16), text=text)
        if scheme == "serial" and parts.path:
            rate = parse_qs(parts.query).get("baudrate", ["9600"])[0]
            return PrinterUrl("serial", path=parts.path, baudrate=int(rate), text=text)
        if scheme == "file" and parts.path and not parts.netloc:
            return PrinterUrl("file", path=parts.path, text=text)
    except ValueError:
        pass  # a bad port or id: the same message
    raise ValueError(f"{URL_HELP}, got {text!r}")


_ESCPOS: ModuleType | None = None


def _escpos() -> ModuleType:
    """`escpos.printer`, imported once.

    On import python-escpos calls `logging.basicConfig()`: a handler on the root logger
    that writes to the real stderr, where the kiosk draws its screen. It is taken away
    again (only if there was none before: then nobody else had set logging up).
    """
    global _ESCPOS
    if _ESCPOS is None:
        root = logging.getLogger()
        before = list(root.handlers)
        import escpos.printer

        for handler in root.handlers:
            if handler not in before:
                root.removeHandler(handler)
        _ESCPOS = escpos.printer
    return _ESCPOS


def composer(width: int) -> Any:
    """python-escpos's `Dummy` printer for `width` mm paper: a ticket is composed on it
    and its `output` sent with `send`."""
    return _escpos().Dummy(profile=PROFILES[width])


def _device(url: PrinterUrl, timeout: float) -> Any:
    printers = _escpos()
    if url.scheme == "tcp":
        return printers.Network(url.host, port=url.port, timeout=timeout)
    if url.scheme == "usb":
        return printers.Usb(url.vendor, url.product, timeout=int(timeout * 1000))
    if url.scheme == "serial":
        return printers.Serial(url.path, baudrate=url.baudrate, timeout=timeout)
    return _AppendingFile(url.path)


class _AppendingFile:
    """A `file://` printer that appends: python-escpos's `File` opens with "wb", which
    would leave only the last ticket in a plain file (a device file does not mind)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: Any = None

    def open(self) -> None:
        self._file = open(self.path, "ab")

    def _raw(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        if stat.S_ISREG(os.fstat(self._file.fileno()).st_mode):
            os.fsync(self._file.fileno())  # on paper means on disk (a device has no disk)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def send(url: PrinterUrl | str, data: bytes, *, timeout: float = TIMEOUT) -> None:
    """Hand `data` (one or more whole tickets) to the printer at `url`.

    Raises PrinterFailed with one line when the printer cannot be reached or the
    bytes cannot be written. Returning means the printer (or its network stack, or
    the file) took every byte.
    """
    url = parse_url(url) if isinstance(url, str) else url
    try:
        device = _device(url, timeout)
        device.open()
        try:
            # python-escpos's way to send bytes composed earlier (a `Dummy`'s output).
            device._raw(data)
        finally:
            device.close()
    except PrinterFailed:
        raise
    except Exception as exc:  # every driver has its own errors: all mean "not printed"
        raise PrinterFailed(f"printer {url}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    """One line of a driver's error: the system's own words when there are some
    (python-escpos wraps them in messages that span lines)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
        cause = cause.__cause__ or cause.__context__
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
