"""The stats screen's two charts, drawn with block characters at the widget's size.

Each widget shows what `show()` was last given and redraws on resize; it reads nothing.
Drink names come from bar.toml: they are `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from bar.stats import DrinkRow, Slot

# What became of the orders, in the order the bar's segments are drawn.
SEGMENTS = (("served", "green"), ("open", "cyan"), ("cancelled", "bright_black"),
            ("expired", "red"))
EIGHTHS = " ▁▂▃▄▅▆▇█"
SLOT_COLOR = "medium_purple1"


class DrinkBars(Widget):
    """One bar per drink, as long as its orders, coloured by what became of them."""

    DEFAULT_CSS = "DrinkBars { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Sequence[DrinkRow] = ()

    def show(self, rows: Sequence[DrinkRow]) -> None:
        self.rows = rows
        self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.rows) + 2 if self.rows else 1

    def render(self) -> Text:
        if not self.rows:
            return Text("No orders yet tonight", style="italic")
        width = self.content_size.width
        name_w = min(20, max(len(r.drink) for r in self.rows))
        count_w = max(len(f"{r.ordered} ({r.served} served)") for r in self.rows)
        bar_w = max(4, width - name_w - count_w - 3)
        most = max(r.ordered for r in self.rows) or 1
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, row in enumerate(self.rows):
            if i:
                text.append("\n")
            text.append(row.drink[:name_w].ljust(name_w) + " ", style="bold")
            drawn = 0
            for status, color in SEGMENTS:
                cells = round(bar_w * (drawn + getattr(row, status)) / most) - round(
                    bar_w * drawn / most)
                drawn += getattr(row, status)
                text.append("█" * cells, style=color)
            text.append(" " * (bar_w - round(bar_w * drawn / most) + 1))
            text.append(f"{row.ordered}", style="bold")
            text.append(f" ({row.served} served)", style="dim")
        text.append("\n\n")
        for status, color in SEGMENTS:
            text.append("█ ", style=color).append(f"{status}   ", style="dim")
        return text


class SlotChart(Widget):
    """Orders per 10 minutes as columns from zero, the hours marked underneath.

    A long night that does not fit shows its latest slots.
    """

    DEFAULT_CSS = "SlotChart { height: 9; }"
    AXIS = 4  # the left column with the scale

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.slots: Sequence[Slot] = ()

    def show(self, slots: Sequence[Slot]) -> None:
        self.slots = slots
        self.refresh()

    def render(self) -> Text:
        if not self.slots:
            return Text("No orders yet tonight", style="italic")
        rows = max(1, self.content_size.height - 1)
        room = max(2, self.content_size.width - self.AXIS)
        # Columns as wide as the room allows (2 to 6 cells, one of them a gap).
        step = max(2, min(6, room // len(self.slots)))
        slots = list(self.slots)[-(room // step):]
        most = max(s.orders for s in slots) or 1
        eighths = [round(s.orders / most * rows * 8) for s in slots]
        text = Text(no_wrap=True)
        for line in range(rows):
            level = (rows - 1 - line) * 8  # eighths below this line
            scale = str(most) if line == 0 else "0" if line == rows - 1 else ""
            text.append(scale.rjust(self.AXIS - 1) + "│", style="dim")
            for n in eighths:
                text.append(EIGHTHS[max(0, min(8, n - level))] * (step - 1) + " ", style=SLOT_COLOR)
            text.append("\n")
        labels = [" "] * (self.AXIS + step * len(slots) + 5)
        for i, slot in enumerate(slots):
            if slot.start.minute == 0:
                at = self.AXIS + step * i
                labels[at:at + 5] = f"{slot.start:%H:%M}"
        text.append("".join(labels).rstrip(), style="dim")
        return text
