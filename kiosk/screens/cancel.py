"""Asks why an order is cancelled: the guest is told the reason."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kiosk.board import OpenOrder


class CancelScreen(ModalScreen[str | None]):
    """Returns the reason typed, or None when the barista thinks better of it (escape)."""

    BINDINGS = [Binding("escape", "keep", "Keep the order")]

    def __init__(self, order: OpenOrder) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        order = self.order
        with Vertical(id="cancel-dialog"):
            # Guest text as Text: a name like "[b]x" must not become markup.
            yield Static(Text.assemble(
                ("Cancel ", "bold"), (f"#{order.number} {order.drink_name}", "bold"),
                " for ", order.username, "?",
            ), id="cancel-question")
            yield Input(placeholder="reason, e.g. out of ice", max_length=200, id="cancel-reason")
            yield Label("enter: cancel the order · escape: keep it", id="cancel-hint")

    @on(Input.Submitted, "#cancel-reason")
    def submitted(self, event: Input.Submitted) -> None:
        """A reason is required: the guest is told it."""
        reason = event.value.strip()
        if not reason:
            self.notify("Type a reason for the guest (escape keeps the order)", severity="warning")
            return
        self.dismiss(reason)

    def action_keep(self) -> None:
        self.dismiss(None)
