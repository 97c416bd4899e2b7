"""A column's cards as finished lines (strips), cached whole and by part.

A card is drawn again only when something it shows changed, and then only the part
that changed (see `order_card.render_card`): its header when its age ticks over, its
drink's line when its wait changes. Blank lines are the same strip object every time,
so Textual's compositor can reuse the cuts it made in them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip
from textual.widget import Widget

from kiosk.board import OpenOrder
from kiosk.widgets.order_card import (
    CardStyles,
    age_text,
    detail_lines,
    drink_lines,
    header_line,
    wait_level,
)

GUTTER = 2  # "▌ " marks the selected card
CACHED_CARDS = 128  # rendered cards kept per column


class CardStrips:
    """The cards of one column (`widget`, whose component classes style them)."""

    def __init__(self, widget: Widget, prefix: str) -> None:
        self._widget = widget
        self._prefix = prefix  # of the component classes: "order-column"
        # A few screens of cards: enough to scroll back and forth without rendering
        # again, few enough that the collector does not walk thousands of strips.
        self._cards: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(CACHED_CARDS)
        self._parts: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(3 * CACHED_CARDS)
        self._blanks: dict[tuple[int, Style], Strip] = {}
        self._styles: CardStyles | None = None

    def clear(self) -> None:
        """Forget everything (the theme or the width changed)."""
        self._cards.clear()
        self._parts.clear()
        self._blanks.clear()
        self._styles = None

    def blank(self, width: int, base: Style) -> Strip:
        """A blank line, the same object every time."""
        key = (width, base)
        blank = self._blanks.get(key)
        if blank is None:
            blank = self._blanks[key] = Strip.blank(width, base)
        return blank

    def empty(self, width: int, base: Style) -> Strip:
        """The line of a column with no orders."""
        key = ("nothing here", width, base)
        strips = self._cards.get(key)
        if strips is None:
            empty = Text("  nothing here", self._style("empty"))
            strips = [Strip(list(empty.render(self._widget.app.console)))
                      .adjust_cell_length(width).apply_style(base)]
            self._cards[key] = strips
        return strips[0]

    def card(
        self, order: OpenOrder, *, now: datetime, selected: bool, estimate: str, width: int,
        base: Style,
    ) -> list[Strip]:
        """The card's lines, `width` cells each, its gap line included."""
        age = now - order.created_at
        shown_age, level = age_text(age), wait_level(age)
        key = (order, selected, width, shown_age, level, estimate, base)
        cached = self._cards.get(key)
        if cached is not None:
            return cached
        text_width, styles = max(1, width - GUTTER), self._card_styles()
        console = self._widget.app.console
        look = (selected, width, base)  # what every line of the card shares
        strips = [
            *self._part(
                ("head", order.number, order.username, shown_age, level), look,
                lambda: [header_line(order, age=age, width=text_width, styles=styles)]),
            *self._part(
                ("drink", order.drink_name, order.status, order.barista, estimate), look,
                lambda: drink_lines(order, width=text_width, styles=styles, estimate=estimate)),
            *self._part(
                ("details", order.place, order.modifiers, order.note), look,
                lambda: detail_lines(order, width=text_width, styles=styles, console=console)),
            self.blank(width, base),  # the gap between cards
        ]
        self._cards[key] = strips
        return strips

    def _part(
        self, what: tuple[object, ...], look: tuple[bool, int, Style],
        texts: Callable[[], list[Text]],
    ) -> list[Strip]:
        """Lines of one part of a card: `what` it shows, and how (selected, width, base)."""
        key = (*what, *look)
        strips = self._parts.get(key)
        if strips is None:
            selected, width, _ = look
            # The full style: its background blended over the column's, as CSS means it.
            card = self._widget.get_component_rich_style(
                f"{self._prefix}--cursor" if selected else f"{self._prefix}--card"
            )
            marker = Text("▌ " if selected else "  ", self._style("marker"))
            console = self._widget.app.console
            strips = self._parts[key] = [
                Strip(list((marker + text).render(console)))
                .adjust_cell_length(width, card)
                .apply_style(card)
                for text in texts()
            ]
        return strips

    def _style(self, name: str) -> Style:
        """A component's colour and text style, blended as CSS says, without background.

        Partial styles would not blend translucent colours; the card draws its own
        background under the text.
        """
        full = self._widget.get_component_rich_style(f"{self._prefix}--{name}")
        return Style(
            color=full.color, bold=full.bold, italic=full.italic, dim=full.dim,
            reverse=full.reverse, underline=full.underline,
        )

    def _card_styles(self) -> CardStyles:
        if self._styles is None:
            part = self._style
            self._styles = CardStyles(
                number=part("number"), name=part("name"), drink=part("drink"),
                detail=part("detail"), note=part("note"), barista=part("barista"),
                estimate=part("estimate"),
                waits={"fresh": part("fresh"), "waiting": part("waiting"), "late": part("late")},
            )
        return self._styles
