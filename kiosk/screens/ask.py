"""Modal questions the barista answers by typing: why an order is cancelled, what to
tell every guest. Each returns the text typed, or None on escape."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kiosk.board import OpenOrder


class AskScreen(ModalScreen[str | None]):
    """A question, a line to type the answer in, and a hint. The answer is required."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(
        self, question: Text, *, placeholder: str, hint: str, required: str, max_length: int
    ) -> None:
        super().__init__()
        self.question, self.placeholder, self.hint = question, placeholder, hint
        self.required, self.max_length = required, max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(self.question, id="ask-question")
            yield Input(placeholder=self.placeholder, max_length=self.max_length, id="ask-input")
            yield Label(self.hint, id="ask-hint")

    @on(Input.Submitted, "#ask-input")
    def submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip()
        if not answer:
            self.notify(self.required, severity="warning")
            return
        self.dismiss(answer)

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
            hint="enter: cancel the order · escape: keep it",
            required="Type a reason for the guest (escape keeps the order)",
            max_length=200,
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
