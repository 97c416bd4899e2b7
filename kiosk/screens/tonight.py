"""Tonight's finished orders, one key (`t`) from the queue, the last to finish first;
`z` recalls the barista's last move (also on the queue).

What can be recalled, and for how long, is the core's rule (`bar.history`); the line
under the table says what `z` would undo now, or why nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding

from bar import history
from bar.errors import BarError
from kiosk.board import BoardChange
from kiosk.screens.listing import ListScreen, Row, local_hhmm
from kiosk.screens.recall import recall

STATUS_STYLE = {"served": "green", "cancelled": "red", "expired": "yellow"}


class TonightScreen(ListScreen):
    """Served, cancelled and expired orders of this business day."""

    heading = "Tonight: served, cancelled, expired"
    columns = ("#", "Status", "Guest", "Drink", "Finished", "Barista", "Why")
    BINDINGS = [
        Binding("z", "recall", "Recall"),
        Binding("t", "app.pop_screen", "Queue", show=False),
    ]

    def mounted(self) -> None:
        self.watch(self.app, "changes", self._board_changed, init=False)

    def _board_changed(self, change: BoardChange) -> None:
        if change.orders:
            self.load()

    def read(self) -> Iterable[Row]:
        kiosk = self.kiosk
        for order in history.finished_tonight(kiosk.settings, now=kiosk.clock()):
            yield order.id, (
                Text(f"#{order.number}", style="bold"),
                Text(order.status, style=STATUS_STYLE.get(order.status, "")),
                Text(order.guest.username), Text(order.drink_name or order.drink.name),
                Text(local_hhmm(order.updated_at)), Text(order.barista or ""),
                Text(order.cancel_reason or ""),
            )

    def show_hint(self) -> None:
        kiosk = self.kiosk
        try:
            undo = history.next_recall(kiosk.barista, now=kiosk.clock())
        except BarError as exc:
            self.set_hint(f"z: {exc.message}")
            return
        self.set_hint(f"z recalls {undo.describe()}")

    def action_recall(self) -> None:
        """Undo the barista's last move (the core's rule; it says why not)."""
        if recall(self, self.kiosk) is not None:
            self.load()
