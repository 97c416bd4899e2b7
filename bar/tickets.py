"""What a ticket says, laid out for a 58 or 80 mm receipt printer (ESC/POS bytes).

    ┌────────────────────────────────┐
    │        Friday Night Bar        │
    │              #12               │   the number, as big as the printer prints
    │              Ana               │   first name, double size
    │ Negroni                        │   the drink, double height
    │   ice: crushed                 │
    │ Note: extra orange, please     │
    │ 21:04 Sat 30 Nov       NEW     │
    │            ▄▄▄▄▄▄▄             │   QR: the guest's page, with this order
    │   Scan to follow your order    │
    └─────────────── ✂ ──────────────┘

A "batch" ticket is the kitchen's: the orders of a round on one slip, identical drinks
together ("2× Negroni (crushed)" and who they are for), for a barista who makes them
in one go. Also here: the printer's test page and the invite card for the door.

Each is composed on python-escpos's `Dummy` printer (`bar.printer.composer`) and
returned as bytes, sent later by `bar.printer.send`. Text typed by guests goes through
`_printable` first: a control character in a name or note is an ESC/POS command
(cut, open the cash drawer, …), so none reaches the printer.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bar import joincodes
from bar.config import Settings
from bar.net import base_url
from bar.payloads import OrderInfo, first_name
from bar.printer import composer

COLUMNS = {58: 32, 80: 48}  # characters a line in the normal font
QR_DOTS = {58: 5, 80: 6}  # dots a QR module: about 30 mm wide for a join URL

NEW = "new"
READY = "ready"
REPRINT = "reprint"
_HEADINGS = {NEW: "NEW", READY: "READY", REPRINT: "REPRINT"}


def order_url(settings: Settings, order_id: str) -> str:
    """The guest's page with this order: what a ticket's QR code opens.

    The page opens on "My orders" for a guest with an open order; the order itself
    stays behind the guest's sign-in (the id reads nothing by itself).
    """
    return f"{base_url(settings)}/?order={quote(order_id, safe='')}"


def _printable(text: str) -> str:
    """Guest text without control or format characters (ESC/POS commands), one line."""
    kept = (" " if ch in "\t\r\n" else ch for ch in text
            if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\r\n")
    return " ".join("".join(kept).split())


def _fit(text: str, columns: int) -> str:
    return text if len(text) <= columns else text[: max(1, columns - 1)] + "…"


@dataclass
class _Page:
    """A ticket being composed: python-escpos's `Dummy` and the line width."""

    printer: Any
    columns: int

    def center(self, text: str = "", *, bold: bool = False, size: int = 1) -> None:
        self.line(text, bold=bold, size=size, align="center")

    def line(self, text: str = "", *, bold: bool = False, size: int = 1, tall: bool = False,
             align: str = "left") -> None:
        if size > 1:
            self.printer.set(align=align, bold=bold, custom_size=True, width=size, height=size)
            text = _fit(text, self.columns // size)
        else:
            self.printer.set(align=align, bold=bold, normal_textsize=not tall, double_height=tall)
            text = _fit(text, self.columns)
        self.printer.textln(text)

    def wrapped(self, text: str, *, indent: str = "", align: str = "left") -> None:
        """`text` on as many lines as it takes (a long word, e.g. a URL, is cut up)."""
        for part in textwrap.wrap(text, self.columns, subsequent_indent=indent) or [""]:
            self.line(part, align=align)

    def spread(self, left: str, right: str) -> None:
        """`left` and `right` on one line, at its two ends."""
        room = self.columns - len(right) - 1
        self.line(f"{_fit(left, room):<{room}} {right}")

    def rule(self) -> None:
        self.line("-" * self.columns)

    def qr(self, data: str, dots: int) -> None:
        """`data` as a QR code of `dots` a module, or smaller if that is wider than the
        paper (a long `server.public_url`)."""
        from escpos.exceptions import ImageWidthError

        for size in range(dots, 0, -1):
            try:
                # As an image (python-escpos draws it with `qrcode`): every ESC/POS
                # printer prints images, not all of them QR codes of their own.
                self.printer.qr(data, size=size, center=True)
                return
            except ImageWidthError:
                continue
        self.wrapped(data)  # no room even at a dot a module: the address, to type

    def end(self) -> bytes:
        self.printer.cut()
        return bytes(self.printer.output)


def _page(width: int) -> _Page:
    page = _Page(composer(width), COLUMNS[width])
    page.printer.hw("INIT")  # a known state: whatever the last job left set
    return page


def _local(when: datetime) -> datetime:
    return when.astimezone()


def _modifier_lines(modifiers: dict[str, str]) -> list[str]:
    return [f"  {_printable(name)}: {_printable(value)}" for name, value in modifiers.items()]


def order_ticket(settings: Settings, order: OrderInfo, *, kind: str = NEW,
                 station: str | None = None) -> bytes:
    """One order's ticket: number, first name, drink, modifiers, note, time, QR code."""
    page = _page(settings.printer_width)
    page.center(_printable(settings.name))
    number = f"#{order.number}"
    page.center(number, bold=True, size=max(2, min(4, page.columns // len(number))))
    page.center(_printable(first_name(order.username or "")), bold=True, size=2)
    page.rule()
    page.line(_printable(order.drink_name), bold=True, tall=True)
    for line in _modifier_lines(order.modifiers):
        page.line(line)
    note = _printable(order.note)
    if note:
        page.wrapped(f"Note: {note}", indent="  ")
    page.rule()
    when = order.ready_at if kind == READY and order.ready_at else order.created_at
    heading = _HEADINGS[kind] + (f" · {station}" if station else "")
    page.spread(f"{_local(when):%H:%M %a %d %b}", heading)
    page.qr(order_url(settings, order.order_id), QR_DOTS[settings.printer_width])
    page.center("Scan to follow your order")
    return page.end()


def batch_ticket(settings: Settings, orders: Sequence[OrderInfo], *, now: datetime,
                 kind: str = NEW) -> bytes:
    """The kitchen's ticket: a round's orders, identical drinks (and modifiers) together."""
    page = _page(settings.printer_width)
    count = f"{len(orders)} order{'' if len(orders) == 1 else 's'}"
    page.line(f"{_HEADINGS[kind]} {count}", bold=True, size=2)
    page.line(f"{_local(now):%H:%M %a %d %b}  {_printable(settings.name)}")
    page.rule()
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[OrderInfo]] = {}
    for order in orders:
        key = (order.drink_name, tuple(sorted(order.modifiers.items())))
        groups.setdefault(key, []).append(order)
    for (drink, modifiers), group in groups.items():
        options = ", ".join(_printable(value) for _, value in modifiers)
        page.line(f"{len(group)}x {_printable(drink)}" + (f" ({options})" if options else ""),
                  bold=True, tall=True)
        who = " · ".join(f"#{o.number} {_printable(first_name(o.username or ''))}" for o in group)
        page.wrapped(f"  {who}", indent="  ")
        for order in group:
            note = _printable(order.note)
            if note:
                page.wrapped(f"  #{order.number} note: {note}", indent="    ")
    page.rule()
    return page.end()


def test_page(settings: Settings, *, url: str, now: datetime) -> bytes:
    """`bar print test`: what the printer is, how wide a line is, and a QR code."""
    page = _page(settings.printer_width)
    page.center("bar: printer test", bold=True, size=2)
    page.center(_printable(settings.name))
    page.rule()
    page.wrapped(f"printer  {url}", indent="         ")
    page.line(f"paper    {settings.printer_width} mm, {page.columns} characters a line")
    page.line(f"prints   {settings.printer_print_on} orders, "
              f"{'batch tickets' if settings.printer_ticket == 'batch' else 'a ticket each'}")
    page.line(f"time     {_local(now):%Y-%m-%d %H:%M:%S}")
    page.line(("1234567890" * 5)[: page.columns])
    page.qr(base_url(settings), QR_DOTS[settings.printer_width])
    page.center("The guest page: this QR code opens it")
    return page.end()


@dataclass(frozen=True)
class Invite:
    """What the invite slip says (as the invite card, `bar.card`)."""

    join_url: str
    code: str
    expires_at: datetime
    max_uses: int


def invite_ticket(settings: Settings, invite: Invite) -> bytes:
    """`bar print invite`: a slip for the door, with the join QR code and its short URL."""
    page = _page(settings.printer_width)
    page.center(_printable(settings.name), bold=True, size=2)
    page.center("Scan to join, then order from your phone")
    page.qr(invite.join_url, QR_DOTS[settings.printer_width] + 1)
    page.wrapped(invite.join_url, align="center")
    page.center(f"Code {joincodes.grouped(invite.code)}", bold=True, size=2)
    guests = "1 guest" if invite.max_uses == 1 else f"{invite.max_uses} guests"
    page.center(f"For {guests}, until {_local(invite.expires_at):%a %d %b %H:%M}")
    return page.end()
