"""Invite codes, one key (`i`) from the queue: see what is left of each, make one,
revoke one, show one's QR code full screen.

The codes are the core's (`bar.registration`, as `bar codes` does). When none lets a
guest join any more, the screen offers a new one at once: that is what the queue's
"Invite code used up — press i to make one" promises.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.binding import Binding

from bar import joincodes, registration
from bar.models import RegistrationCode
from kiosk.screens.ask import ConfirmScreen, NewInviteScreen
from kiosk.screens.listing import ListScreen, Row
from kiosk.screens.qr import QRScreen
from kiosk.widgets.qr_panel import until

STATUS_STYLE = {"active": "green", "used up": "yellow", "expired": "dim", "revoked": "red"}


def expires_text(when: datetime, now: datetime) -> str:
    """ "21:30, in 3h 20m" or "00:00, 20h 00m ago"; a day name when it is not today."""
    local = when.astimezone()
    day = "" if local.date() == now.astimezone().date() else local.strftime("%a ")
    if when > now:
        return f"{day}{local:%H:%M}, in {until(when - now)}"
    return f"{day}{local:%H:%M}, {until(now - when)} ago"


class InvitesScreen(ListScreen):
    """Every invite code, the newest first."""

    heading = "Invite codes"
    columns = ("Code", "Status", "Joined", "Expires", "Note", "Made by")
    hint = "n makes a code with your limits · x revokes one · enter or v shows its QR code"
    BINDINGS = [
        Binding("n", "new", "New code"),
        Binding("x", "revoke", "Revoke"),
        Binding("v", "choose", "QR code", key_display="⏎/v"),
        Binding("i", "app.pop_screen", "Queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._codes: list[RegistrationCode] = []

    def mounted(self) -> None:
        now = self.kiosk.clock()
        if not any(registration.code_status(row, now) == "active" for row in self._codes):
            self.action_new(why=": no code lets a guest join now")

    def read(self) -> Iterable[Row]:
        now = self.kiosk.clock()
        self._codes = registration.list_codes()
        for row in self._codes:
            status = registration.code_status(row, now)
            yield row.code, (
                Text(joincodes.grouped(row.code)), Text(status, style=STATUS_STYLE[status]),
                Text(f"{row.use_count} of {row.max_uses}"), Text(expires_text(row.expires_at, now)),
                Text(row.notes), Text(row.created_by),
            )

    def action_new(self, why: str = "") -> None:
        """Ask the limits (bar.toml's `[invites]` filled in) and make the code."""
        kiosk = self.kiosk

        def made(row: RegistrationCode | None) -> None:
            if row is None:
                return
            self.notify(f"New invite: {row.max_uses} guests, until "
                        f"{expires_text(row.expires_at, kiosk.clock())}")
            self.load()
            self.select(row.code)

        self.app.push_screen(NewInviteScreen(
            kiosk.settings, clock=kiosk.clock, made_by=kiosk.barista or "kiosk", why=why), made)

    def action_revoke(self) -> None:
        """Revoke the selected code, once the host says yes."""
        code = self.selected_or_say("code")
        if code is None:
            return

        def answer(yes: bool | None) -> None:
            if yes and self.attempt(lambda: registration.revoke_code(code)) is not None:
                self.notify("Revoked: nobody else can join with it")
                self.load()

        question = Text.assemble(
            ("Revoke ", "bold"), (code, "bold"), ("?", "bold"),
            "\nNobody can join with it any more; guests who joined with it stay.")
        self.app.push_screen(ConfirmScreen(question, yes="revoke it", no="keep it"), answer)

    def action_choose(self) -> None:
        """The selected code's QR code, full screen."""
        code = self.selected_or_say("code")
        if code is not None:
            self.app.push_screen(QRScreen(code))
