"""The print-ready invite card (`bar codes create --png/--svg/--pdf`).

One layout, in millimetres, drawn by three small renderers: the bar's name, the join
QR code, the join URL, the code, until when and for how many guests it is good, and
with `--wifi` a second QR code that joins the party's Wi-Fi (its name and password
printed beside it, for the phones that cannot scan one). The card is 105 mm wide
(A6), 120 mm tall, or 152 mm with the Wi-Fi.

- SVG: written here, text as text (the printer's fonts draw any script);
- PNG: Pillow, at 300 dpi, with its built-in font (Latin scripts);
- PDF: fpdf2, the QR codes as vector squares and the text as real text in the PDF
  core fonts (Helvetica, Courier: Latin-1; a character outside it prints as "?").

Each QR code is drawn module by module from segno's matrix, with its quiet zone of
four modules, and at least 0.5 mm a module.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import segno

from bar import qr

KINDS = ("png", "svg", "pdf")
WIDTH = 105.0  # mm: A6
MARGIN = 8.0
DPI = 300  # the PNG's
QUIET_ZONE = 4  # modules of white around a code, as the QR standard asks
INK = "#141311"
MUTED = "#4a453f"


@dataclass(frozen=True)
class Wifi:
    ssid: str
    password: str | None = None


@dataclass(frozen=True)
class Card:
    """What the card says."""

    bar_name: str
    join_url: str
    code: str
    expires_at: datetime
    max_uses: int
    wifi: Wifi | None = None


# -- the layout ---------------------------------------------------------------------------


Anchor = Literal["start", "middle"]


@dataclass(frozen=True)
class Text:
    x: float  # mm; with anchor "middle", the text's centre
    y: float  # mm, the baseline
    text: str
    size: float  # mm, the font's size (its em)
    bold: bool = False
    mono: bool = False
    anchor: Anchor = "middle"
    muted: bool = False
    room: float = WIDTH - 2 * MARGIN  # mm it may take: a renderer that measures shrinks to it


@dataclass(frozen=True)
class Code:
    """A QR code, quiet zone included, as a square of `side` mm at (x, y)."""

    x: float
    y: float
    side: float
    matrix: tuple[tuple[bool, ...], ...]

    @property
    def module(self) -> float:
        return self.side / len(self.matrix)

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """Dark modules as (row, first column, length) runs: far fewer shapes to draw."""
        for row, modules in enumerate(self.matrix):
            col = 0
            while col < len(modules):
                if modules[col]:
                    start = col
                    while col < len(modules) and modules[col]:
                        col += 1
                    yield row, start, col - start
                else:
                    col += 1


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    texts: tuple[Text, ...]
    codes: tuple[Code, ...]


def _matrix(code: segno.QRCode) -> tuple[tuple[bool, ...], ...]:
    return tuple(tuple(bool(m) for m in row)
                 for row in code.matrix_iter(scale=1, border=QUIET_ZONE))


def _fit(text: str, size: float, width: float, *, mono: bool = False) -> float:
    """A font size at most `size` at which `text` fits in `width` mm (an estimate: the
    SVG cannot measure, so every renderer uses the same average glyph width)."""
    average = 0.6 if mono else 0.58  # of the em: Courier; Helvetica bold, most letters
    return min(size, width / max(1, len(text)) / average)


def layout(card: Card) -> Layout:
    """Where everything goes on the card (millimetres, from the top left)."""
    inner = WIDTH - 2 * MARGIN
    mid = WIDTH / 2
    texts = [
        Text(mid, 17, card.bar_name, _fit(card.bar_name, 9, inner), bold=True),
        Text(mid, 25, "Scan to join, then order from your phone", 4, muted=True),
    ]
    side = 62.0
    join = Code(mid - side / 2, 29, side, _matrix(qr.make(card.join_url)))
    y = join.y + side + 5
    texts += [
        Text(mid, y, card.join_url, _fit(card.join_url, 3.4, inner, mono=True), mono=True),
        Text(mid, y + 8, f"Code  {card.code}",
             _fit(f"Code  {card.code}", 5, inner, mono=True), bold=True, mono=True),
        Text(mid, y + 14, _validity(card), 3.4, muted=True),
    ]
    codes = [join]
    height = y + 22
    if card.wifi is not None:
        top = height + 2
        wifi = Code(MARGIN, top + 1, 26, _matrix(qr.wifi(card.wifi.ssid, card.wifi.password)))
        codes.append(wifi)
        left, room = MARGIN + 30, WIDTH - MARGIN - (MARGIN + 30)
        texts += [
            Text(left, top + 8, "Wi-Fi: scan to connect", _fit("Wi-Fi: scan to connect", 4, room),
                 bold=True, anchor="start", room=room),
            Text(left, top + 15, card.wifi.ssid, _fit(card.wifi.ssid, 4.2, room),
                 anchor="start", room=room),
        ]
        if card.wifi.password:
            line = f"Password  {card.wifi.password}"
            texts.append(Text(left, top + 21, line, _fit(line, 3.4, room, mono=True),
                              mono=True, anchor="start", room=room))
        height = top + 32
    return Layout(WIDTH, round(height, 1), tuple(texts), tuple(codes))


def _validity(card: Card) -> str:
    guests = "1 guest" if card.max_uses == 1 else f"{card.max_uses} guests"
    return f"For {guests}, until {card.expires_at.astimezone():%a %d %b %H:%M}"


# -- the renderers ------------------------------------------------------------------------


def render(card: Card, kind: str) -> bytes:
    """The card as a PNG, SVG or PDF file's bytes."""
    renderers = {"png": to_png, "svg": to_svg, "pdf": to_pdf}
    return renderers[kind](layout(card))


def write(card: Card, path: Path, kind: str) -> Path:
    path.write_bytes(render(card, kind))
    return path


def to_svg(page: Layout) -> bytes:
    """A standalone SVG document, sized in millimetres."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{page.width}mm" height="{page.height}mm"'
        f' viewBox="0 0 {page.width} {page.height}">',
        f'<rect width="{page.width}" height="{page.height}" fill="#fff"/>',
    ]
    for code in page.codes:
        m = code.module
        path = "".join(f"M{code.x + c * m:.3f} {code.y + r * m:.3f}h{n * m:.3f}v{m:.3f}h{-n * m:.3f}z"
                       for r, c, n in code.runs())
        out.append(f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>')
    for t in page.texts:
        family = "Courier New, Courier, monospace" if t.mono else "Helvetica, Arial, sans-serif"
        out.append(
            f'<text x="{t.x:.2f}" y="{t.y:.2f}" font-size="{t.size:.2f}"'
            f' font-family={quoteattr(family)} font-weight="{"bold" if t.bold else "normal"}"'
            f' text-anchor="{t.anchor}" fill="{MUTED if t.muted else INK}">{escape(t.text)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out).encode()


def to_png(page: Layout) -> bytes:
    """The card at `DPI` dots per inch (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    px = DPI / 25.4  # pixels a millimetre
    image = Image.new("RGB", (round(page.width * px), round(page.height * px)), "white")
    draw = ImageDraw.Draw(image)
    for code in page.codes:
        m = code.module * px
        for r, c, n in code.runs():
            x0, y0 = code.x * px + c * m, code.y * px + r * m
            draw.rectangle((round(x0), round(y0), round(x0 + n * m) - 1, round(y0 + m) - 1),
                           fill="black")
    for t in page.texts:
        size = t.size * px
        font = ImageFont.load_default(size=size)
        width = draw.textlength(t.text, font=font)
        if width > t.room * px:  # Pillow's font is wider than the estimate: shrink to fit
            font = ImageFont.load_default(size=size * t.room * px / width)
        color = MUTED if t.muted else INK
        draw.text((t.x * px, t.y * px), t.text, font=font, fill=color,
                  anchor="ms" if t.anchor == "middle" else "ls",
                  stroke_width=1 if t.bold else 0, stroke_fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def to_pdf(page: Layout) -> bytes:
    """One page the card's size (fpdf2): vector QR codes, real text."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(page.width, page.height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title("Invite")
    pdf.add_page()
    pdf.set_fill_color(0, 0, 0)
    for code in page.codes:
        m = code.module
        for r, c, n in code.runs():
            pdf.rect(code.x + c * m, code.y + r * m, n * m, m, style="F")
    for t in page.texts:
        text = t.text.encode("latin-1", "replace").decode("latin-1")  # the core fonts' range
        family, style = "Courier" if t.mono else "Helvetica", "B" if t.bold else ""
        points = t.size * 72 / 25.4
        pdf.set_font(family, style=style, size=points)
        width = pdf.get_string_width(text)
        if width > t.room:  # wider than the estimate: shrink to fit
            pdf.set_font(family, style=style, size=points * t.room / width)
            width = pdf.get_string_width(text)
        pdf.set_text_color(*_rgb(MUTED if t.muted else INK))
        pdf.text(t.x - width / 2 if t.anchor == "middle" else t.x, t.y, text)
    return bytes(pdf.output())


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
