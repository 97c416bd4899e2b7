"""Modal questions: why an order is cancelled, what to tell every guest (each returns
the text typed or picked, or None on escape); yes or no before something a guest would
feel (a kick, a revoked invite); the limits of a new invite code."""

from __future__ import annotations

import peewee
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, Static

from bar import reasons, registration
from bar.clock import Clock
from bar.config import Settings
from bar.errors import BarError, InvalidInput
from bar.models import RegistrationCode
from bar.timeparse import format_duration, parse_expiry
from kiosk.board import OpenOrder


class AskScreen(ModalScreen[str | None]):
    """A question, a line to type the answer in, and a hint. The answer is required.

    With `picks`, ready answers are listed under the line (↓ goes to them, enter takes
    one) and typing completes them (→ accepts)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("down", "to_picks", "Ready answers", show=False),
    ]

    def __init__(
        self, question: Text, *, placeholder: str, hint: str, required: str, max_length: int,
        picks: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.question, self.placeholder, self.hint = question, placeholder, hint
        self.required, self.max_length, self.picks = required, max_length, picks

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(self.question, id="ask-question")
            suggester = SuggestFromList(self.picks, case_sensitive=False) if self.picks else None
            yield Input(placeholder=self.placeholder, max_length=self.max_length, id="ask-input",
                        suggester=suggester)
            if self.picks:
                yield OptionList(*self.picks, id="ask-picks")
            yield Label(self.hint, id="ask-hint")

    @on(Input.Submitted, "#ask-input")
    def submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip()
        if not answer:
            self.notify(self.required, severity="warning")
            return
        self.dismiss(answer)

    @on(OptionList.OptionSelected, "#ask-picks")
    def picked(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a ready answer."""
        self.dismiss(self.picks[event.option_index])

    def action_to_picks(self) -> None:
        if self.picks:
            self.query_one("#ask-picks", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)


class CancelScreen(AskScreen):
    """Why is this order cancelled? The guest is told the reason."""

    def __init__(self, order: OpenOrder) -> None:
        # Guest text as Text: a name like "[b]x" must not become markup.
        super().__init__(
            Text.assemble(("Cancel ", "bold"), (f"#{order.number} {order.drink_name}", "bold"),
                          " for ", order.username, "?"),
            placeholder="reason, e.g. out of ice",
            hint="enter: cancel · ↓: a ready reason · escape: keep it",
            required="Type a reason for the guest (escape keeps the order)",
            max_length=200,
            # The templates (`bar.reasons`): a guest reads these in their own language.
            picks=tuple(reasons.text(code) for code in reasons.BARISTA),
        )
        self.order = order


class AnnounceScreen(AskScreen):
    """A message to every guest's phone ("Last call!")."""

    def __init__(self) -> None:
        super().__init__(
            Text("Tell every guest", style="bold"),
            placeholder="e.g. Last call! Bar closes in 15 minutes",
            hint="enter: send to every phone · escape: back",
            required="Type the message (escape goes back)",
            max_length=280,
        )


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no, before a change a guest will feel. True: go ahead."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", key_display="y/⏎"),
        Binding("n,escape", "answer(False)", "No", key_display="n/esc"),
    ]

    def __init__(self, question: Text, *, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(self.question, id="ask-question")
            yield Label(f"y/enter: {self.yes} · n/escape: {self.no}", id="ask-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class NewInviteScreen(ModalScreen[RegistrationCode | None]):
    """A new invite code with the host's limits; bar.toml's `[invites]` fill the form.

    The core makes it (`registration.new_invite`, as `bar codes create` does) and says
    what is wrong with a limit; the form stays open until it is right or escaped.
    """

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, settings: Settings, *, clock: Clock, made_by: str, why: str = "") -> None:
        super().__init__()
        self.settings, self.clock, self.made_by, self.why = settings, clock, made_by, why

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(Text.assemble(("New invite code", "bold"), self.why), id="ask-question")
            yield Label("Guests who may join with it")
            yield Input(str(self.settings.invite_max_uses), id="invite-uses", type="integer",
                        max_length=6)
            yield Label("Valid for (12h, 2d) or until (2026-12-31T23:00)")
            yield Input(format_duration(self.settings.invite_valid_for), id="invite-valid",
                        max_length=40)
            yield Label("A note for you (who it is for), if you like")
            yield Input(placeholder="e.g. the neighbours", id="invite-notes", max_length=200)
            yield Static(id="invite-error")
            yield Label("enter: make it · tab: next field · escape: back", id="ask-hint")

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter in any field makes the code."""
        now = self.clock()
        try:
            made = registration.new_invite(
                self.settings, now=now, created_by=self.made_by,
                max_uses=_whole(self.query_one("#invite-uses", Input).value),
                expires_at=parse_expiry(self.query_one("#invite-valid", Input).value.strip(),
                                        now=now),
                notes=self.query_one("#invite-notes", Input).value,
            )
        except BarError as exc:
            self.query_one("#invite-error", Static).update(Text(exc.message))
            return
        except peewee.DatabaseError:
            self.query_one("#invite-error", Static).update("The database is busy: try again")
            return
        self.dismiss(made)

    def action_back(self) -> None:
        self.dismiss(None)


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput("guests: type a whole number, like 25") from None

