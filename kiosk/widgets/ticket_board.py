"""The TV display's three boards: In line, Preparing and Ready, an order a ticket.

A board draws what it is given; which orders belong on it (and in what order) is the
core's rule (`bar.board`), read by the display app. Each board keeps a pool of
widgets and reuses them: a refresh changes text and hides what is left over, it mounts
nothing, so an update costs little and never flickers. A board shows as many tickets
as its height holds and says "+N more" for the rest.

- `LineBoard` ("In line"): a line a ticket, packed;
- `TicketBoard` ("Preparing"): a line a ticket, a line between;
- `ReadyBoard` ("Ready"): the number in big digits (`Digits`, three rows) and the name
  beside it, bold: the one read from across the room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Digits, Label

from bar.board import MAX_TICKETS, MAX_WAITING
from bar.payloads import PublicOrder


@dataclass(frozen=True)
class Ticket:
    """What the public board may show of an order."""

    number: int
    first_name: str
    place: str = ""  # where to pick it up, on a board of several stations

    @classmethod
    def of(cls, order: PublicOrder, place: str = "") -> Ticket:
        """From the public view of an order, the one the `display` channel carries."""
        return cls(order.number, order.first_name, place)

    def text(self, width: int = 4) -> Text:
        # A Text, never markup: a guest called "[red]x" is shown as exactly that.
        return Text.assemble(
            (f"{self.number:>{width}}", "bold"), "  ", (self.first_name, "bold"),
            (f" — {self.place}" if self.place else "", "dim"),
            no_wrap=True, overflow="ellipsis",
        )


class BoardColumn(Vertical):
    """A titled column of pooled tickets, as many as fit, then "+N more"."""

    POOL: int = MAX_TICKETS  # tickets it can show at most
    HEIGHT: int = 1  # rows a ticket takes (display.tcss)
    GAP: int = 1  # rows between two tickets (display.tcss)

    def __init__(self, title: str, *, empty: str, id: str | None = None) -> None:
        super().__init__(id=id, classes="board")
        self.border_title = title
        self._empty = empty
        self.tickets: tuple[Ticket, ...] = ()
        self.total = 0
        self.shown = 0  # tickets on screen now

    def compose(self) -> ComposeResult:
        yield Label(Text(self._empty), classes="board-empty")
        for _ in range(self.POOL):
            yield self.make_slot()
        yield Label(classes="board-more")

    def make_slot(self) -> Widget:
        return Label(classes="ticket")

    def fill_slot(self, slot: Widget, ticket: Ticket) -> None:
        assert isinstance(slot, Label)
        slot.update(ticket.text())

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def show(self, tickets: Sequence[Ticket], total: int | None = None) -> None:
        """Show `tickets` (the caller sorts them) of `total` (more may be counted than given)."""
        self.tickets = tuple(tickets[: self.POOL])
        self.total = max(len(tickets), total or 0)
        if self.is_mounted:
            self._draw()  # else on_mount draws them

    def _fits(self) -> int:
        """How many tickets the board's height holds, keeping a row for "+N more"."""
        rows = self.content_region.height
        if rows <= 0:  # before the first layout: everything, trimmed on resize
            return len(self.tickets)
        step = self.HEIGHT + self.GAP
        fit = (rows + self.GAP) // step  # no gap after the last one
        if fit < self.total:
            fit = (rows - 1) // step  # then "+N more" on a row of its own
        return max(0, min(fit, len(self.tickets)))

    def _draw(self) -> None:
        self.shown = self._fits()
        self.query_one(".board-empty", Label).display = not self.total
        for index, slot in enumerate(self.query_children(".ticket")):
            if index < self.shown:
                self.fill_slot(slot, self.tickets[index])
                slot.display = True
            else:
                slot.display = False
        more = self.query_one(".board-more", Label)
        rest = self.total - self.shown
        more.update(f"+{rest} more")
        more.display = rest > 0

    @property
    def plain(self) -> str:
        """The lines on screen as plain text, from the widgets themselves."""
        lines = []
        for child in self.children:
            if not child.display:
                continue
            if isinstance(child, Label):
                lines.append(str(child.content))
            else:
                number = child.query_one(Digits).value
                lines.append(f"{number} {child.query_one(Label).content}")
        return "\n".join(lines)


class LineBoard(BoardColumn):
    """In line: the pending orders, a line each, packed."""

    POOL = MAX_WAITING
    GAP = 0

    def show(self, tickets: Sequence[Ticket], total: int | None = None) -> None:
        super().show(tickets, total)
        self.border_title = f"In line · {self.total}" if self.total else "In line"

    def fill_slot(self, slot: Widget, ticket: Ticket) -> None:
        assert isinstance(slot, Label)
        slot.update(ticket.text(width=3))


class TicketBoard(BoardColumn):
    """Preparing: a line a ticket, a line between, so numbers and names stand apart."""


class ReadyBoard(BoardColumn):
    """Ready: each number in big digits, the name beside it."""

    HEIGHT = 3  # the digits' three rows

    def make_slot(self) -> Widget:
        return Horizontal(Digits(classes="ready-number"), Label(classes="ready-name"),
                          classes="ticket")

    def fill_slot(self, slot: Widget, ticket: Ticket) -> None:
        slot.query_one(Digits).update(str(ticket.number))
        slot.query_one(Label).update(Text.assemble(
            ticket.first_name, (f" — {ticket.place}" if ticket.place else "", "dim"),
            no_wrap=True, overflow="ellipsis"))
