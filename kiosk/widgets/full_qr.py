"""A join code as big as the screen allows (the `v` screen): for a phone across the bar,
or a terminal too small for the queue's QR panel.

It shows the current join code (what the queue's QR panel shows, read the same way:
`kiosk.widgets.code_panel`), or one invite the host picked on the invites screen.
"""

from __future__ import annotations

from datetime import datetime

import peewee
import segno
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center
from textual.widgets import Label, Static

from bar import qr, registration
from bar.clock import Clock
from bar.config import Settings
from bar.errors import BarError
from bar.net import join_url
from kiosk.widgets.code_panel import CodePanel
from kiosk.widgets.join_panel import picture
from kiosk.widgets.qr_panel import detail

TEXT_ROWS = 6  # the title, the URL, the line under it, their margins (app.tcss)


class FullQR(CodePanel):
    """The title, the code as large as it fits, its URL and what is left of it."""

    created_by = "kiosk"

    def __init__(
        self, settings: Settings, *, clock: Clock, code: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(settings, clock=clock, id=id)
        self.fixed = code  # one invite's code; None: whichever code is current
        self.code: str | None = None  # the code on screen
        self._qr: segno.QRCode | None = None
        self._room = (0, 0)

    def compose(self) -> ComposeResult:
        yield Label(id="fq-title")
        with Center():  # the code alone: a container aligns all its children as one block
            yield Static(id="fq-code")
        yield Static(id="fq-url")
        yield Static(id="fq-detail")

    def on_resize(self) -> None:
        room = (self.size.width - 2, self.size.height - TEXT_ROWS)
        if room != self._room:
            self._room = room
            self._draw()

    def refresh_code(self) -> None:
        if self.fixed is None:
            super().refresh_code()  # off the UI thread: it may make the bar's first code
            return
        now = self._clock()
        try:
            row = registration.find_code(self.fixed)
        except (BarError, peewee.DatabaseError) as exc:
            self.show_error(exc.message if isinstance(exc, BarError) else "database busy")
            return
        self.show_code(registration.JoinCode.of_invite(row), now)
        status = registration.code_status(row, now)
        if status != "active":
            self._set_detail(f"{status}: this code lets nobody join", spent=True)

    def show_code(self, shown: registration.JoinCode, now: datetime) -> None:
        title = "Scan to order" if shown.popup else "Scan to join"
        self.query_one("#fq-title", Label).update(Text(f"{self._settings.name} · {title}"))
        if shown.code != self.code:
            self.code = shown.code
            url = join_url(self._settings, shown.code)
            self._qr = qr.make(url)
            self.query_one("#fq-url", Static).update(Text(url, overflow="fold"))
            self._draw()
        self._set_detail(detail(shown, now))

    def show_no_invite(self, status: str) -> None:
        self.code, self._qr = None, None
        self.query_one("#fq-title", Label).update("Guests cannot join")
        self.query_one("#fq-code", Static).update("")
        self.query_one("#fq-url", Static).update("")
        self._set_detail(f"Invite code {status} — press i to make one", spent=True)

    def show_error(self, message: str) -> None:
        self._set_detail(f"no code: {message}", spent=True)

    def _set_detail(self, text: str, *, spent: bool = False) -> None:
        line = self.query_one("#fq-detail", Static)
        line.update(Text(text))
        line.set_class(spent, "-spent")

    def _draw(self) -> None:
        code = self.query_one("#fq-code", Static)
        if self._qr is None or self._room[0] <= 0:
            return
        width, height = self._room
        code.update(Text(picture(self._qr, width=width, height=height), no_wrap=True,
                         overflow="crop"))
