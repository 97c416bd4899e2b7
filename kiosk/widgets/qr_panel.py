"""The QR code guests scan: the current invite, or in pop-up mode the rotating scan code.

The panel asks the core for the code and renders it; which code is current (and
making one when none is) is the core's business, asked off the UI thread
(`kiosk.widgets.code_panel`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Label, Static

from bar import qr, registration
from bar.clock import Clock
from bar.config import Settings
from bar.net import join_url
from kiosk.widgets.code_panel import CodePanel

# The length of a usual code: invites are UUIDs, pop-up scan codes are shorter.
USUAL_CODE_LENGTH = {"party": 36, "popup": 12}
QUIET_ZONE = 2  # modules of light around the code (what `qr.half_blocks` draws by default)


def until(delta: timedelta) -> str:
    """ "2:31" below an hour, "23h 59m" above."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


class QRPanel(CodePanel):
    """The join QR code, its URL, and how much of the code is left."""

    created_by = "kiosk"

    def __init__(self, settings: Settings, *, clock: Clock, id: str | None = None) -> None:
        super().__init__(settings, clock=clock, id=id)
        self.code: str | None = None  # the code on screen (None until the first answer)
        # Room for a usual code's QR from the first frame: the columns keep their width
        # when the worker's answer comes (a code of another length resizes the panel).
        usual = "x" * USUAL_CODE_LENGTH[settings.rules.mode]
        side = qr.make(join_url(settings, usual)).symbol_size(border=QUIET_ZONE)[0]
        self.styles.width = side + 2
        self._title = "Scan to order" if settings.rules.popup else "Scan to join"
        self.no_invite = ""  # the last invite's fate while none registers guests

    def compose(self) -> ComposeResult:
        # The title depends on the mode alone: on screen from the first frame, before
        # the worker's answer brings the code.
        yield Label(self._title, id="qr-title")
        yield Static(id="qr-code")
        yield Static(id="qr-url")
        yield Static(id="qr-detail")

    def show_error(self, message: str) -> None:
        self.query_one("#qr-detail", Static).update(Text(f"no code: {message}"))

    def show_no_invite(self, status: str) -> None:
        """Say it plainly, where the code was: the host makes the next one (`i`)."""
        if status != self.no_invite:  # once, also for a terminal too narrow for the panel
            self.notify(f"Invite code {status}: guests cannot join. Press i to make one.",
                        severity="warning", timeout=30)
        self.code, self.no_invite = None, status
        self.add_class("-no-invite")
        self.query_one("#qr-title", Label).update("Guests cannot join")
        self.query_one("#qr-code", Static).update(
            Text(f"Invite code {status} —\npress i to make one"))
        self.query_one("#qr-url", Static).update("")
        self.query_one("#qr-detail", Static).update("")

    def show_code(self, shown: registration.JoinCode, now: datetime) -> None:
        """Show the code (re-drawing the QR only when the code changed)."""
        if self.no_invite:
            self.no_invite = ""
            self.remove_class("-no-invite")
            self.query_one("#qr-title", Label).update(self._title)
        if shown.code != self.code:
            self.code = shown.code
            url = join_url(self._settings, shown.code)
            picture = qr.half_blocks(qr.make(url), border=QUIET_ZONE)
            self.query_one("#qr-code", Static).update(Text(picture, no_wrap=True))
            self.query_one("#qr-url", Static).update(Text(url, overflow="fold"))
            # As wide as the code itself: the columns get the rest of the screen.
            self.styles.width = len(picture.partition("\n")[0]) + 2
        self.query_one("#qr-detail", Static).update(Text(detail(shown, now)))


def detail(shown: registration.JoinCode, now: datetime) -> str:
    """The barista's line under the code: how much of it is left, and for how long."""
    if shown.popup:
        drinks = "drink" if shown.drinks_remaining == 1 else "drinks"
        return (f"{shown.drinks_remaining} {drinks} left · "
                f"new code in {until(shown.expires_at - now)}")
    return (f"{shown.uses_left} of {shown.max_uses} uses left · "
            f"expires in {until(shown.expires_at - now)}")
