"""What the barista's list screens share (drinks, invites, guests, tonight): a title, a
table the core's rows fill, a hint line and the footer; escape goes back to the queue.

Each screen reads its rows from the core (`read`), the same services the CLI calls,
and reads them again every few seconds and after each of its own changes: some
changes announce themselves with no event the kiosk follows (a guest joining uses an
invite), and a few reads of a few rows cost nothing. Every cell is a `Text`: a
`DataTable` reads a plain string as markup, and guests type names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import ClassVar, TypeVar, cast

import peewee
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from bar.errors import BarError
from kiosk.host import KioskHost

T = TypeVar("T")

Row = tuple[str, tuple[Text, ...]]  # a row's key (an id) and its cells

REFRESH_EVERY = 2.0  # seconds between reads of the rows


def local_hhmm(when: datetime | None) -> str:
    """A time as the host's clock on the wall shows it: "21:05"."""
    return when.astimezone().strftime("%H:%M") if when else ""


class ListScreen(Screen[None]):
    """A table of what the core says, one row per thing, kept current."""

    CSS_PATH = "listing.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Queue", key_display="esc")]

    heading: ClassVar[str]  # what the screen lists, after the bar's name
    columns: ClassVar[tuple[str, ...]]
    hint: ClassVar[str] = ""  # the line under the table

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []

    @property
    def kiosk(self) -> KioskHost:
        return cast(KioskHost, self.app)

    @property
    def table(self) -> DataTable[Text]:
        return cast(DataTable[Text], self.query_one("#list-table", DataTable))

    def compose(self) -> ComposeResult:
        yield Label(id="list-title")
        yield DataTable(id="list-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="list-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#list-title", Label).update(
            Text(f"{self.kiosk.settings.name} · {self.heading}"))
        self.table.add_columns(*self.columns)
        self.load()
        self.set_interval(REFRESH_EVERY, self.load)
        self.mounted()

    def mounted(self) -> None:
        """After the first rows are on screen (Textual runs every class's `on_mount`,
        so a screen adds to this rather than to `on_mount`)."""

    def read(self) -> Iterable[Row]:
        """The rows, as the core has them now."""
        raise NotImplementedError

    def load(self) -> None:
        """Read the rows again; redraw the table only if they changed."""
        try:
            rows = list(self.read())
        except peewee.DatabaseError:
            self.notify("The database is busy: the list will follow", severity="warning")
            return
        if rows != self._rows:
            self._show(rows)
        self.show_hint()

    def show_hint(self) -> None:
        """The line under the table (a screen may say more than its `hint`)."""
        self.set_hint(self.hint if self._rows else f"{self.hint}   (nothing here yet)")

    def set_hint(self, text: str) -> None:
        self.query_one("#list-hint", Static).update(Text(text))

    def _show(self, rows: list[Row]) -> None:
        table, keep = self.table, self.selected
        index = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self._rows = rows
        keys = [key for key, _ in rows]
        if rows:  # the cursor stays on its row, wherever that row went
            table.move_cursor(row=keys.index(keep) if keep in keys else min(index, len(rows) - 1))

    @property
    def selected(self) -> str | None:
        """The key of the row under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value

    def select(self, key: str) -> None:
        """Put the cursor on the row with this key (after a load that brought it)."""
        keys = [k for k, _ in self._rows]
        if key in keys:
            self.table.move_cursor(row=keys.index(key))

    def attempt(self, call: Callable[[], T]) -> T | None:
        """Run a core service: a refusal or a busy database is a notice, never a crash."""
        try:
            return call()
        except BarError as exc:
            self.notify(exc.message, severity="error", markup=False)
        except peewee.DatabaseError:
            self.notify("The database is busy: try again", severity="error")
        return None

    def selected_or_say(self, what: str) -> str | None:
        key = self.selected
        if key is None:
            self.notify(f"No {what} selected", severity="warning")
        return key

    @on(DataTable.RowSelected, "#list-table")
    def row_chosen(self) -> None:
        """Enter on a row: the screen's main action."""
        self.action_choose()

    def action_choose(self) -> None:
        """What enter does on a row (nothing, unless the screen says)."""
