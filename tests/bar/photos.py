"""Images for the photo tests, made here: a phone's JPEG (with GPS and a rotation tag),
a PNG whose header promises gigapixels (a decompression bomb), and a few fakes."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CAMERA_MAKE = 0x010F


def phone_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A JPEG as a phone takes it: EXIF with GPS and a maker, stored sideways
    (orientation 6: shown rotated 90° clockwise, so it stands `height` wide)."""
    image = Image.new("RGB", (width, height), (200, 60, 30))
    image.paste((20, 120, 200), (0, 0, width // 2, height))  # left half blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[CAMERA_MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width: int = 300, height: int = 200, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10)).save(
        out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header says `width`×`height` pixels: what a decompression bomb
    looks like before it is decoded (a few hundred bytes for 2.5 gigapixels)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows)
            + _chunk(b"IEND", b""))


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


FAKE_JPEG = b"\xff\xd8\xff\xe0 this is no photo, only its first bytes" + b"x" * 200
