"""The QR code guests scan: the current invite, or in pop-up mode the rotating scan code.

The panel asks the core for the code and renders it; which code is current (and
making one when none is) is the core's business, asked off the UI thread
(`kiosk.widgets.code_panel`).

Where the code does not fit (a small terminal: `compact`), the panel becomes a strip
under the columns with the join URL, what is left of the code, and a word on how to
see the QR, instead of vanishing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Label, Static

from bar import qr, registration
from bar.clock import Clock
from bar.config import Settings
from bar.net import join_url
from kiosk.widgets.code_panel import CodePanel

# The length of a usual code: invites are 8 symbols (`bar.joincodes`), pop-up scan codes 12.
USUAL_CODE_LENGTH = {"party": 8, "popup": 12}
QUIET_ZONE = 2  # modules of light around the code (what `qr.half_blocks` draws by default)
TEXT_ROWS = 6  # the title, the URL and the detail (two lines each at most), a margin
WIDEN = "widen the window for the QR — press v"


def until(delta: timedelta) -> str:
    """ "2:31" below an hour, "23h 59m" above."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


class QRPanel(CodePanel):
    """The join QR code, its URL, and how much of the code is left."""

    created_by = "kiosk"

    def __init__(
        self, settings: Settings, *, clock: Clock, id: str | None = None,
        station: str | None = None,
    ) -> None:
        super().__init__(settings, clock=clock, id=id, station=station)
        self.code: str | None = None  # the code on screen (None until the first answer)
        self.url = ""
        self._detail = ""
        self._compact = False
        # Room for a usual code's QR from the first frame: the columns keep their width
        # when the worker's answer comes (a code of another length resizes the panel).
        usual = "x" * USUAL_CODE_LENGTH[settings.rules.mode]
        side = qr.make(join_url(settings, usual)).symbol_size(border=QUIET_ZONE)[0]
        self._width = side + 2
        self._rows = (side + 1) // 2 + TEXT_ROWS  # half blocks: two modules a row
        self.styles.width = self._width
        self._title = "Scan to order" if settings.rules.popup else "Scan to join"
        self.no_invite = ""  # the last invite's fate while none registers guests

    @property
    def compact(self) -> bool:
        return self._compact

    def fits(self, width: int, height: int) -> bool:
        """Whether the code fits beside columns `width` cells wide, `height` rows tall."""
        return width >= self._width and height >= self._rows

    def set_compact(self, compact: bool) -> None:
        """Show the QR code beside the columns, or (compact) a strip of text under them."""
        if compact == self._compact:
            return
        self._compact = compact
        self.set_class(compact, "-compact")
        # Compact: the stylesheet's full width, docked under the columns.
        self.styles.width = None if compact else self._width
        self._show_text()

    def on_resize(self) -> None:
        if self._compact:
            self._show_text()  # the hint's place depends on the width

    def compose(self) -> ComposeResult:
        # The title depends on the mode alone: on screen from the first frame, before
        # the worker's answer brings the code.
        yield Label(self._title, id="qr-title")
        yield Static(id="qr-code")
        yield Static(id="qr-url")
        yield Static(id="qr-detail")

    def show_error(self, message: str) -> None:
        self._detail = f"no code: {message}"
        self._show_text()

    def show_no_invite(self, status: str) -> None:
        """Say it plainly, where the code was: the host makes the next one (`i`)."""
        if status != self.no_invite:  # once, also for a terminal too narrow for the panel
            self.notify(f"Invite code {status}: guests cannot join. Press i to make one.",
                        severity="warning", timeout=30)
        self.code, self.url, self._detail, self.no_invite = None, "", "", status
        self.add_class("-no-invite")
        self.query_one("#qr-title", Label).update("Guests cannot join")
        self.query_one("#qr-code", Static).update(
            Text(f"Invite code {status} —\npress i to make one"))
        self._show_text()

    def show_code(self, shown: registration.JoinCode, now: datetime) -> None:
        """Show the code (re-drawing the QR only when the code changed)."""
        if self.no_invite:
            self.no_invite = ""
            self.remove_class("-no-invite")
            self.query_one("#qr-title", Label).update(self._title)
        if shown.code != self.code:
            self.code = shown.code
            self.url = join_url(self._settings, shown.code)
            picture = qr.half_blocks(qr.make(self.url), border=QUIET_ZONE)
            self.query_one("#qr-code", Static).update(Text(picture, no_wrap=True))
            # As wide as the code itself: the columns get the rest of the screen.
            self._width = len(picture.partition("\n")[0]) + 2
            self._rows = picture.count("\n") + 1 + TEXT_ROWS
            if not self._compact:
                self.styles.width = self._width
        self._detail = detail(shown, now)
        self._show_text()

    def _show_text(self) -> None:
        """The URL and the detail line: under the code, or (compact) in its place."""
        url, detail_line = Text(self.url, overflow="fold"), Text(self._detail)
        if self._compact and self.no_invite:  # the code's place is hidden: say it here
            url = Text(f"Guests cannot join: invite code {self.no_invite} — press i to make one",
                       style="bold", overflow="fold")
        elif self._compact:
            url = Text.assemble(("Join: ", "bold"), url, overflow="fold")
            # After the detail on its line if it fits there, else on a line of its own.
            fits = cell_len(f"{self._detail} · {WIDEN}") <= self.content_size.width
            between = (" · " if fits else "\n") if self._detail else ""
            detail_line = Text.assemble(detail_line, between, (WIDEN, "italic"), overflow="fold")
        self.query_one("#qr-url", Static).update(url)
        self.query_one("#qr-detail", Static).update(detail_line)


def detail(shown: registration.JoinCode, now: datetime) -> str:
    """The barista's line under the code: how much of it is left, and for how long."""
    if shown.popup:
        drinks = "drink" if shown.drinks_remaining == 1 else "drinks"
        return (f"{shown.drinks_remaining} {drinks} left · "
                f"new code in {until(shown.expires_at - now)}")
    return (f"{shown.uses_left} of {shown.max_uses} uses left · "
            f"expires in {until(shown.expires_at - now)}")
