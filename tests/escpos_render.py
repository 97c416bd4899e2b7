"""Our ESC/POS bytes read back: as lines of text, and as a picture of the paper.

A small reader of the commands `bar.tickets` sends (through python-escpos): text and
its size, bold and alignment, raster images (`GS v 0`: the QR codes), feeds and the
cut. Tests read what a ticket says from the bytes a printer would get, and decode its
QR code from the picture; `python -m tests.escpos_render` draws the README's ticket.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
DOT = 12  # dots a character is wide in font A (and 24 high)


@dataclass
class Line:
    text: str = ""
    align: int = 0  # 0 left, 1 center, 2 right
    bold: bool = False
    width: int = 1  # size multipliers
    height: int = 1


@dataclass
class Raster:
    width: int  # dots
    height: int
    rows: list[list[bool]] = field(default_factory=list)
    align: int = 0


@dataclass
class Paper:
    blocks: list[Line | Raster] = field(default_factory=list)
    cuts: int = 0

    @property
    def lines(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Line)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def images(self) -> list[Raster]:
        return [b for b in self.blocks if isinstance(b, Raster)]


def read(data: bytes) -> Paper:
    """The paper `data` would print (every ticket in it, one after the other)."""
    paper = Paper()
    state = Line()
    codepage = "cp437"
    text = bytearray()

    def flush() -> None:
        nonlocal text
        line = Line(text.decode(codepage, "replace"), state.align, state.bold, state.width,
                    state.height)
        paper.blocks.append(line)
        text = bytearray()

    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x1B:  # ESC
            command = data[i + 1]
            if command == 0x40:  # @ reset
                state = Line()
                i += 2
            elif command == 0x21:  # ! print mode
                mode = data[i + 2]
                state.bold = bool(mode & 0x08)
                state.height = 2 if mode & 0x10 else 1
                state.width = 2 if mode & 0x20 else 1
                i += 3
            elif command == 0x45:  # E bold
                state.bold = bool(data[i + 2])
                i += 3
            elif command == 0x61:  # a align
                state.align = data[i + 2] % 48
                i += 3
            elif command == 0x74:  # t code page
                codepage = CODEPAGES.get(data[i + 2], "cp437")
                i += 3
            elif command == 0x64:  # d feed n lines
                for _ in range(data[i + 2]):
                    paper.blocks.append(Line())
                i += 3
            elif command == 0x32:  # 2 default line spacing
                i += 2
            else:  # every other ESC command we send takes one byte
                i += 3
        elif byte == 0x1D:  # GS
            command = data[i + 1]
            if command == 0x21:  # ! size
                size = data[i + 2]
                state.width, state.height = (size >> 4) + 1, (size & 0x0F) + 1
                i += 3
            elif command == 0x76:  # v 0 raster image
                m, xl, xh, yl, yh = data[i + 3: i + 8]
                del m
                width_bytes, height = xl + xh * 256, yl + yh * 256
                body = data[i + 8: i + 8 + width_bytes * height]
                image = Raster(width_bytes * 8, height, align=state.align)
                for row in range(height):
                    bits = body[row * width_bytes: (row + 1) * width_bytes]
                    image.rows.append([bool(b & (0x80 >> k)) for b in bits for k in range(8)])
                paper.blocks.append(image)
                i += 8 + width_bytes * height
            elif command == 0x56:  # V cut
                paper.cuts += 1
                i += 4 if data[i + 2] in (65, 66) else 3
            else:
                i += 3
        elif byte == 0x0A:
            flush()
            i += 1
        elif byte < 0x20:
            i += 1
        else:
            text.append(byte)
            i += 1
    if text:
        flush()
    return paper


def to_png(paper: Paper, dots: int, path: Path | None = None) -> bytes:
    """A picture of the paper, `dots` wide (384 for 58 mm, 576 for 80 mm), black on white."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    margin = 24
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    bold_path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
    heights = [b.height if isinstance(b, Raster) else 28 * b.height for b in paper.blocks]
    image = Image.new("RGB", (dots + 2 * margin, sum(heights) + 2 * margin), "white")
    draw = ImageDraw.Draw(image)
    y = margin
    for block, height in zip(paper.blocks, heights, strict=True):
        if isinstance(block, Raster):
            left = margin + {0: 0, 1: (dots - block.width) // 2, 2: dots - block.width}[block.align]
            for row, bits in enumerate(block.rows):
                for col, dark in enumerate(bits):
                    if dark:
                        image.putpixel((left + col, y + row), (0, 0, 0))
        elif block.text:
            try:
                font = ImageFont.truetype(bold_path if block.bold else font_path, 20 * block.width)
            except OSError:
                font = ImageFont.load_default(size=20 * block.width)
            # Font A: 12 dots a character, 24 high; a bigger size stretches it either way.
            glyphs = Image.new("L", (int(draw.textlength(block.text, font=font)) + 2, 28 * block.width), 0)
            ImageDraw.Draw(glyphs).text((0, 0), block.text, font=font, fill=255)
            glyphs = glyphs.resize((DOT * block.width * len(block.text), height))
            left = margin + {0: 0, 1: (dots - glyphs.width) // 2, 2: dots - glyphs.width}[block.align]
            image.paste((0, 0, 0), (left, y), glyphs)
        y += height
    for x in range(0, image.width, 12):  # where the cutter cut
        draw.line((x, image.height - 4, x + 6, image.height - 4), fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    if path is not None:
        path.write_bytes(out.getvalue())
    return out.getvalue()


def raster_png(image: Raster, scale: int = 4) -> bytes:
    """One raster image (a QR code) as a PNG, with a white border, for a QR decoder."""
    import io

    from PIL import Image

    border = 16
    picture = Image.new("L", (image.width + 2 * border, image.height + 2 * border), 255)
    for row, bits in enumerate(image.rows):
        for col, dark in enumerate(bits):
            if dark:
                picture.putpixel((border + col, border + row), 0)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def decode_qr(image: Raster) -> str:
    """The text of a QR code printed as a raster image."""
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(raster_png(image))))
    assert found, "no QR code in the image"
    return str(found[0].text)


def _demo(path: Path) -> None:
    """The README's ticket: a sample order on 58 mm paper."""
    import dataclasses
    from datetime import datetime, timedelta, timezone

    from bar import tickets
    from bar.config import load_settings
    from bar.payloads import OrderInfo

    settings = dataclasses.replace(
        load_settings(Path(__file__).parent.parent / "bar.toml", environ={}),
        printer_width=58, public_url="http://192.168.1.20:8000")
    at = datetime(2026, 11, 28, 21, 4, tzinfo=timezone(timedelta(0))).astimezone()
    order = OrderInfo("5b1f0c2e-8d0a-4c1e-9f3b-2a7d6e4c9b10", 12, None, "Ana Lopez", "negroni",
                      "Negroni", {"ice": "crushed"}, "Extra orange peel, please", "pending",
                      None, None, at, at, None, None)
    to_png(read(tickets.order_ticket(settings, order)), 384, path)


if __name__ == "__main__":
    _demo(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ticket.png"))
