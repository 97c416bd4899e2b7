"""The QR code guests scan: the current invite, or in pop-up mode the rotating scan code.

The panel asks the core for the code and renders it; which code is current (and
making one when none is) is the core's business, through its service functions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from bar import qr, registration
from bar.clock import Clock
from bar.config import Settings
from bar.errors import BarError
from bar.net import join_url


def until(delta: timedelta) -> str:
    """ "2:31" below an hour, "23h 59m" above."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


class QRPanel(Vertical):
    """The join QR code, its URL, and how much of the code is left."""

    def __init__(self, settings: Settings, *, clock: Clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self._settings = settings
        self._clock = clock
        self.code: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="qr-title")
        yield Static(id="qr-code")
        yield Static(id="qr-url")
        yield Static(id="qr-detail")

    def on_mount(self) -> None:
        self.refresh_code()
        # A scan code rotates every few minutes; an invite changes only when used up.
        self.set_interval(1.0 if self._settings.rules.popup else 15.0, self.refresh_code)

    def refresh_code(self) -> None:
        """Show the current code (re-drawing the QR only when the code changed)."""
        now = self._clock()
        try:
            shown = registration.join_code(self._settings, now=now, created_by="kiosk")
        except (BarError, peewee.DatabaseError) as exc:
            message = exc.message if isinstance(exc, BarError) else "database busy"
            self.query_one("#qr-detail", Static).update(Text(f"no code: {message}"))
            return
        if shown.code != self.code:
            self.code = shown.code
            url = join_url(self._settings, shown.code)
            picture = qr.half_blocks(qr.make(url))
            self.query_one("#qr-code", Static).update(Text(picture, no_wrap=True))
            self.query_one("#qr-url", Static).update(Text(url, overflow="fold"))
            # As wide as the code itself: the columns get the rest of the screen.
            self.styles.width = len(picture.partition("\n")[0]) + 2
        self.query_one("#qr-title", Label).update("Scan to order" if shown.popup else "Scan to join")
        self.query_one("#qr-detail", Static).update(Text(detail(shown, now)))


def detail(shown: registration.JoinCode, now: datetime) -> str:
    """The barista's line under the code: how much of it is left, and for how long."""
    if shown.popup:
        drinks = "drink" if shown.drinks_remaining == 1 else "drinks"
        return (f"{shown.drinks_remaining} {drinks} left · "
                f"new code in {until(shown.expires_at - now)}")
    return (f"{shown.uses_left} of {shown.max_uses} uses left · "
            f"expires in {until(shown.expires_at - now)}")
