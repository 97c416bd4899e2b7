"""`?`: every key of the screen in front, the ones the footer has no room for included.

The list is read from the screen's bindings when it opens (`Screen.active_bindings`),
so a key added to any screen is listed here without anyone writing it down twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

# Textual's own keys, not ours: focus between widgets the kiosk does not use, copying.
TEXTUAL_ACTIONS = {"focus_next", "focus_previous", "app.focus_next", "app.focus_previous",
                   "command_palette", "app.command_palette", "help_quit", "app.help_quit",
                   "copy_text", "screen.copy_text"}
ONE_COLUMN = 12  # up to this many keys in one column; more in two


def key_list(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) for every action bound on `screen` and the app, in the order
    they are declared; keys of one action together ("↑ / k", "Previous order"), the one
    the footer shows first ("q / ^q", "Quit")."""
    app = screen.app
    found: dict[tuple[str, str], list[str]] = {}
    bindings: list[Binding] = [active.binding for active in screen.active_bindings.values()]
    for binding in sorted(bindings, key=lambda binding: not binding.show):
        if not binding.description or binding.action in TEXTUAL_ACTIONS:
            continue
        found.setdefault((binding.action, binding.description), []).append(
            app.get_key_display(binding))
    return [(" / ".join(dict.fromkeys(keys)), description)
            for (_, description), keys in found.items()]


def key_table(keys: Iterable[tuple[str, str]]) -> Table:
    """The keys in one column, or two side by side when there are many (80×24 fits 24)."""
    rows = list(keys)
    columns = 1 if len(rows) <= ONE_COLUMN else 2
    table = Table.grid(padding=(0, 1))
    for _ in range(columns):
        table.add_column(style="bold", justify="right", no_wrap=True)
        table.add_column(no_wrap=True, min_width=16)
    half = (len(rows) + columns - 1) // columns
    for index in range(half):
        cells: list[Text] = []
        for column in range(columns):
            position = index + column * half
            if position < len(rows):
                key, description = rows[position]
                cells += [Text(key), Text(description)]
        table.add_row(*cells)
    return table


class KeysScreen(ModalScreen[None]):
    """What every key does on the screen it was opened from. Any of ?, escape, q closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", show=False)]

    def __init__(self, over: Screen[object]) -> None:
        super().__init__()
        self.keys = key_list(over)

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-dialog"):
            yield Label("Keys", id="keys-title")
            yield Static(key_table(self.keys), id="keys-table")
            yield Label("? or Esc closes this", id="keys-hint")

    def on_click(self) -> None:
        self.dismiss()
