"""One board of the TV display: "Preparing" or "Ready", an order number and a first name a line.

The board draws what it is given; which orders belong on it (and how many) is read
from the core by the display app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from bar.payloads import PublicOrder

MAX_TICKETS = 14  # what fits on a TV and can be read across the room (the web board's too)


@dataclass(frozen=True)
class Ticket:
    """What the public board may show of an order."""

    number: int
    first_name: str

    @classmethod
    def of(cls, order: PublicOrder) -> Ticket:
        """From the public view of an order, the one the `display` channel carries."""
        return cls(order.number, order.first_name)

    def text(self) -> Text:
        # A Text, never markup: a guest called "[red]x" is shown as exactly that.
        return Text.assemble(
            (f"{self.number:>4}", "bold"), "   ", (self.first_name, "bold"),
            no_wrap=True, overflow="ellipsis",
        )


@dataclass(frozen=True)
class Boards:
    """What the TV shows besides the code: both boards, oldest first, and open or closed."""

    preparing: tuple[Ticket, ...] = ()
    ready: tuple[Ticket, ...] = ()
    is_open: bool = True


class TicketBoard(Vertical):
    """A titled column of tickets, oldest first, with a line to say when it is empty.

    It keeps `MAX_TICKETS` labels and reuses them: a refresh changes text, it mounts
    nothing, so an update costs little and never flickers.
    """

    def __init__(self, title: str, *, empty: str, id: str | None = None) -> None:
        super().__init__(id=id, classes="board")
        self.border_title = title
        self._empty = empty
        self.tickets: tuple[Ticket, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label(Text(self._empty), classes="board-empty")
        for _ in range(MAX_TICKETS):
            yield Label(classes="ticket")

    def on_mount(self) -> None:
        self.show(self.tickets)

    def show(self, tickets: Sequence[Ticket]) -> None:
        """Show the first `MAX_TICKETS` of `tickets` (the caller sorts them)."""
        self.tickets = tuple(tickets[:MAX_TICKETS])
        if not self.is_mounted:
            return  # on_mount shows them
        self.query_one(".board-empty", Label).display = not self.tickets
        for index, label in enumerate(self.query(".ticket").results(Label)):
            if index < len(self.tickets):
                label.update(self.tickets[index].text())
                label.display = True
            else:
                label.display = False

    @property
    def plain(self) -> str:
        """The lines on screen as plain text, from the labels themselves."""
        shown = [label for label in self.query(Label).results(Label) if label.display]
        return "\n".join(str(label.content) for label in shown)
