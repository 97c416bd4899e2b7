"""The TV's big QR code: in pop-up mode the rotating scan code, at a party the invite.

The panel asks the core which code is current (`bar.registration.join_code`, off the
UI thread: `kiosk.widgets.code_panel`) and how many drinks its window has left; it
only decides how large to draw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import segno
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Label, Static

from bar import qr, registration
from bar.clock import Clock
from bar.config import Settings
from bar.net import join_url
from kiosk.widgets.code_panel import CodePanel
from kiosk.widgets.qr_panel import QUIET_ZONE, until

TEXT_ROWS = 7  # rows the title and the lines under the code take (display.tcss), a spare
MIN_BOARDS_WIDTH = 86  # columns the three boards keep, however large the code could grow
MAX_SCALE = 4  # beyond this a code is big enough for any room
PADDING = 4  # the panel's padding left and right (display.tcss)


@dataclass(frozen=True)
class BoardLines:
    """A code to draw and the lines that go under it."""

    title: str
    code: str
    headline: str = ""  # "9 drinks left" / "We're making drinks!"
    spent: bool = False
    countdown: str = ""


class _Enlarged:
    """A QR code with every module blown up `scale` times.

    `qr.half_blocks` reads only `.matrix`, so this stands in for a `segno.QRCode` and the
    same renderer draws a code big enough to scan from across the room.
    """

    def __init__(self, code: segno.QRCode, scale: int) -> None:
        self.matrix = [bytearray(row) for row in code.matrix_iter(scale=scale, border=0)]


def picture(code: segno.QRCode, *, width: int, height: int) -> str:
    """The code in half blocks, at the largest whole scale that fits `width` × `height` cells.

    A whole scale keeps every module the same size, which scanners need; at worst
    (a small terminal) it is drawn at scale 1 and may be cropped.
    """
    side = code.symbol_size(border=QUIET_ZONE)[0]  # modules, quiet zone included
    scale = 1
    while scale < MAX_SCALE:
        bigger = side * (scale + 1)
        if bigger > width or (bigger + 1) // 2 > height:
            break
        scale += 1
    if scale == 1:
        return qr.half_blocks(code, border=QUIET_ZONE)
    enlarged = cast(segno.QRCode, _Enlarged(code, scale))
    return qr.half_blocks(enlarged, border=QUIET_ZONE * scale)


class JoinPanel(CodePanel):
    """The code the room scans, what it is good for, and (pop-up) when it changes."""

    created_by = "display"

    def __init__(
        self, settings: Settings, *, clock: Clock, id: str | None = None,
        station: str | None = None,
    ) -> None:
        super().__init__(settings, clock=clock, id=id, station=station)
        self.shown: BoardLines | None = None
        self._qr: segno.QRCode | None = None
        self._room = (0, 0)  # cells the code may take: set from the screen's size

    def compose(self) -> ComposeResult:
        yield Label(id="join-title")
        yield Static(id="join-qr")
        yield Label(id="join-headline")
        yield Label(id="join-countdown")
        yield Static(id="join-url")

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Grow or shrink the code to the room there is (after the terminal was resized)."""
        # The panel is as tall as the space under the header; the boards keep their width.
        room = (self.app.size.width - MIN_BOARDS_WIDTH - PADDING, self.size.height - TEXT_ROWS)
        if room != self._room:
            self._room = room
            self._draw()

    def show_error(self, message: str) -> None:
        # Keep the last code on screen: a busy database must not blank the TV.
        self.log.warning(f"display code: {message}")

    def show_no_invite(self, status: str) -> None:
        """The host's invites ran out: no code to scan (a spent one would only refuse)."""
        self.shown, self._qr = None, None
        self.query_one("#join-title", Label).update("Ask at the bar to join")
        self.query_one("#join-qr", Static).update("")
        self.query_one("#join-url", Static).update("")
        self.query_one("#join-headline", Label).update("no invite code right now")
        self.query_one("#join-countdown", Label).display = False

    def show_code(self, join: registration.JoinCode, now: datetime) -> None:
        """Redraw the QR only when the code changed; the lines under it every time."""
        shown = board_lines(join, now)
        previous, self.shown = self.shown, shown
        if previous is None or previous.code != shown.code:
            url = join_url(self._settings, shown.code)
            self._qr = qr.make(url)
            self.query_one("#join-url", Static).update(Text(url, overflow="fold"))
            self._draw()
        self.query_one("#join-title", Label).update(shown.title)
        headline = self.query_one("#join-headline", Label)
        headline.update(shown.headline)
        headline.set_class(shown.spent, "-spent")
        countdown = self.query_one("#join-countdown", Label)
        countdown.update(shown.countdown)
        countdown.display = bool(shown.countdown)  # an invite has none: no empty row

    def _draw(self) -> None:
        if self._qr is None or self._room == (0, 0):
            return
        width, height = self._room
        text = picture(self._qr, width=width, height=height)
        self.query_one("#join-qr", Static).update(Text(text, no_wrap=True, overflow="crop"))
        # As wide as the code: the boards take the rest of the screen.
        self.styles.width = len(text.partition("\n")[0]) + PADDING


def board_lines(join: registration.JoinCode, now: datetime) -> BoardLines:
    """The room's lines under the code: what to do, drinks left, when it changes."""
    if not join.popup:
        return BoardLines("Scan to join", join.code, headline="then order from your phone")
    left = join.drinks_remaining or 0
    if left:
        headline = f"{left} drink left" if left == 1 else f"{left} drinks left"
    else:
        headline = "We're making drinks!"
    return BoardLines(
        "Scan to order", join.code, headline=headline, spent=not left,
        countdown=f"New code in {until(join.expires_at - now)}",
    )
