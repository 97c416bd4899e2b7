"""QR codes: in the terminal (half blocks), as SVG for the pages, and for Wi-Fi.

The invite card to print (PNG, SVG, PDF) is `bar.card`.
"""

from __future__ import annotations

import io

import segno
from segno import helpers


def make(text: str) -> segno.QRCode:
    return segno.make(text, error="m", micro=False)


def wifi(ssid: str, password: str | None = None, security: str | None = "WPA") -> segno.QRCode:
    return helpers.make_wifi(
        ssid=ssid, password=password, security=security if password else None
    )


def half_blocks(qr: segno.QRCode, *, border: int = 2, invert: bool = False) -> str:
    """Render with ▀▄█ so two modules share one character cell (square on screen).

    Dark modules print as spaces on a light block background by default, which scans
    on dark and light terminals alike.
    """
    matrix = [list(row) for row in qr.matrix]
    size = len(matrix)
    padded = [[0] * (size + 2 * border) for _ in range(border)]
    padded += [[0] * border + [int(bool(m)) for m in row] + [0] * border for row in matrix]
    padded += [[0] * (size + 2 * border) for _ in range(border + (size + 2 * border) % 2)]
    # A light cell is drawn with a block; a dark one stays empty (the terminal's dark).
    light = (lambda v: v == 1) if invert else (lambda v: v == 0)
    chars = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    lines = []
    for top in range(0, len(padded) - 1, 2):
        upper, lower = padded[top], padded[top + 1]
        lines.append("".join(chars[(light(a), light(b))] for a, b in zip(upper, lower, strict=True)))
    return "\n".join(lines)


def svg(qr: segno.QRCode, *, scale: int = 8) -> bytes:
    """A standalone SVG document (with xmlns, so it loads in an <img>)."""
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=scale, border=4, light="#fff")
    return out.getvalue()

