"""The line at the top: the bar's name, open or closed, the queue, who is pouring."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label


class HeaderBar(Horizontal):
    """Shows what `show()` was last told; it reads nothing itself."""

    def compose(self) -> ComposeResult:
        yield Label(id="bar-name")
        yield Label(id="shop-state")
        yield Label(id="queue-length")
        yield Label(id="barista")

    def show(
        self, *, name: str, is_open: bool, queue: int, max_queue: int, barista: str
    ) -> None:
        # Text objects, not markup: names come from a config file and the command line.
        self.query_one("#bar-name", Label).update(Text(name))
        state = self.query_one("#shop-state", Label)
        state.update(Text("● OPEN" if is_open else "● CLOSED"))
        state.set_class(is_open, "-open")
        state.set_class(not is_open, "-closed")
        length = self.query_one("#queue-length", Label)
        length.update(Text(f"queue {queue} of {max_queue}"))
        length.set_class(queue >= max_queue, "-full")
        self.query_one("#barista", Label).update(Text(f"barista: {barista}"))
