"""One order as a card: the lines a barista reads at a glance.

Guest text (name, note) only ever goes into `Text` objects, never through markup, so
a guest called `[bold red]x` shows literally. Cards have a height that depends only
on the order and the width, so a column can place 500 of them without rendering any.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text

from bar.estimates import wait_label
from bar.orders import PENDING, PREPARING
from bar.waits import WaitLevel, wait_level
from kiosk.board import OpenOrder

WRAP_LINES = 2  # long modifiers or notes wrap to two lines, then end in an ellipsis
# The widest wording of a wait ("under a minute"): past three hours it reads the same.
WIDEST_WAIT = max(cell_len(wait_label(60 * minutes)) for minutes in range(181))


def age_text(age: timedelta) -> str:
    """A short wait: "45s", "3m", "1h05"."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


def modifiers_text(modifiers: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in modifiers)


def _note(order: OpenOrder) -> str:
    return f"“{order.note}”" if order.note else ""


def _lines_for(text: str, width: int) -> int:
    return 0 if not text else 1 if cell_len(text) <= width else WRAP_LINES


def _wait_below(order: OpenOrder, width: int, estimate: str) -> bool:
    """A pending card whose drink name leaves no room for the wait shows it under it."""
    return bool(estimate) and order.status == PENDING and (
        cell_len(order.drink_name) + 1 + cell_len(estimate) > width
    )


class CardShape(NamedTuple):
    """How many lines a card takes at a width, whatever its wait estimate says."""

    lines: int  # its gap included, and no line of its own for a wait
    wait_room: int  # cells beside the drink's name for a wait; a longer one goes under it

    def height(self, estimate: str = "") -> int:
        """Lines the card takes showing `estimate`."""
        return self.lines + (bool(estimate) and cell_len(estimate) > self.wait_room)


def card_shape(order: OpenOrder, width: int) -> CardShape:
    """The card's shape at `width` columns of text (a column keeps it while the order
    stays the same: estimates change far more often than orders)."""
    details = _lines_for(modifiers_text(order.modifiers), width)
    lines = 2 + bool(order.place) + details + _lines_for(_note(order), width) + 1
    # Only a pending card shows a wait (a preparing one shows its barista there).
    room = width - 1 - cell_len(order.drink_name) if order.status == PENDING else sys.maxsize
    return CardShape(lines, room)


def card_height(order: OpenOrder, width: int, estimate: str = "") -> int:
    """Lines the card takes at `width` columns of text, its gap included."""
    return card_shape(order, width).height(estimate)


def _wrap(text: Text, width: int, console: Console) -> list[Text]:
    """`text` in exactly `_lines_for` lines: wrapped, the last cut with an ellipsis."""
    wanted = _lines_for(text.plain, width)
    lines = list(text.wrap(console, width, overflow="fold"))
    if len(lines) > wanted:
        last = lines[wanted - 1]
        last.truncate(max(0, width - 1))
        last.append("…", text.style)
    return (lines + [Text()] * wanted)[:wanted]


@dataclass(frozen=True)
class CardStyles:
    """Partial styles from the column's component classes (so CSS themes them)."""

    number: Style
    name: Style
    drink: Style
    detail: Style
    note: Style
    barista: Style
    estimate: Style
    waits: Mapping[WaitLevel, Style]


def _spread(left: Text, right: Text, width: int) -> Text:
    """`left` and `right` on one line, `left` cut short when both do not fit."""
    room = max(0, width - right.cell_len - 1)
    if left.cell_len > room:
        left.truncate(room, overflow="ellipsis")
    gap = max(1, width - left.cell_len - right.cell_len)
    line = left + Text(" " * gap) + right
    line.truncate(width, overflow="ellipsis")
    return line


def header_line(order: OpenOrder, *, age: timedelta, width: int, styles: CardStyles) -> Text:
    """The card's first line: number and guest, and how long the order has waited."""
    header = Text.assemble((f"#{order.number}", styles.number), " ", (order.username, styles.name))
    return _spread(header, Text(age_text(age), styles.waits[wait_level(age)]), width)


def drink_lines(
    order: OpenOrder, *, width: int, styles: CardStyles, estimate: str = ""
) -> list[Text]:
    """The drink, with its barista (preparing) or its wait (pending): one line, or two
    when the wait does not fit beside the drink's name."""
    drink = Text(order.drink_name, styles.drink)
    wait = Text(estimate, styles.estimate)
    if order.status == PREPARING:
        return [_spread(drink, Text(order.barista or "", styles.barista), width)]
    if _wait_below(order, width, estimate):  # the drink's name whole, the wait under it
        return [_spread(drink, Text(), width), _spread(Text(), wait, width)]
    return [_spread(drink, wait, width)]


def detail_lines(
    order: OpenOrder, *, width: int, styles: CardStyles, console: Console
) -> list[Text]:
    """Where it is made (on a kiosk of several stations: one line, cut short), then
    modifiers and note, each wrapped to at most `WRAP_LINES` lines (none if empty)."""
    place = [_spread(Text(f"@ {order.place}", styles.barista), Text(), width)] if order.place else []
    return [
        *place,
        *_wrap(Text(modifiers_text(order.modifiers), styles.detail), width, console),
        *_wrap(Text(_note(order), styles.note), width, console),
    ]


def render_card(
    order: OpenOrder, *, age: timedelta, width: int, styles: CardStyles, console: Console,
    estimate: str = "",
) -> list[Text]:
    """The card's text lines (without its gap line), each at most `width` cells.

    `estimate` is the wait the guest's phone shows ("about 6 min"), on a pending card.
    The three parts change at different times (the age every minute, the wait with the
    queue, the rest with the order): a column caches each on its own.
    """
    return [
        header_line(order, age=age, width=width, styles=styles),
        *drink_lines(order, width=width, styles=styles, estimate=estimate),
        *detail_lines(order, width=width, styles=styles, console=console),
    ]
