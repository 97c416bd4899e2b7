"""The join QR code full screen (`v` on the queue), or one invite's (the invites screen).

As large as the terminal allows, with its URL: a phone reads it from across the bar,
and a terminal too small for the queue's QR panel still has the code one key away.
"""

from __future__ import annotations

from typing import cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from kiosk.host import KioskHost
from kiosk.widgets.full_qr import FullQR


class QRScreen(Screen[None]):
    """`code`: that invite's QR; None: the code guests join with now."""

    CSS_PATH = "listing.tcss"
    BINDINGS = [Binding("escape,v", "app.pop_screen", "Back", key_display="esc")]

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        kiosk = cast(KioskHost, self.app)
        yield FullQR(kiosk.settings, clock=kiosk.clock, code=self.code, id="full-qr")
        yield Footer()
