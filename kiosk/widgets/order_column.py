"""A column of order cards, drawn with Textual's Line API.

Only the lines on screen are rendered, from a cache keyed by what a card shows, and
placing the cards is a prefix sum of their heights: with hundreds of open orders an
event that touches one column costs a relayout of that column, not a rebuild of
widgets.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bar.clock import Clock
from kiosk.board import OpenOrder
from kiosk.widgets.order_card import CardStyles, age_text, card_height, render_card, wait_level

GUTTER = 2  # "▌ " marks the selected card


class OrderColumn(ScrollView, can_focus=False):
    """The orders of one status, oldest first, with a selection cursor."""

    COMPONENT_CLASSES = {
        "order-column--card", "order-column--cursor", "order-column--marker",
        "order-column--number", "order-column--name", "order-column--drink",
        "order-column--detail", "order-column--note", "order-column--barista",
        "order-column--estimate",
        "order-column--fresh", "order-column--waiting", "order-column--late",
        "order-column--empty",
    }

    DEFAULT_CSS = """
    OrderColumn {
        overflow-x: hidden;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        & > .order-column--card { background: $boost; }
        & > .order-column--cursor { background: $accent 30%; }
        & > .order-column--marker { color: $accent; }
        & > .order-column--number { text-style: bold; color: $text-accent; }
        & > .order-column--name { text-style: bold; }
        & > .order-column--drink { color: $text; }
        & > .order-column--detail { color: $text-muted; }
        & > .order-column--note { text-style: italic; color: $text-warning; }
        & > .order-column--barista { color: $text-secondary; }
        & > .order-column--estimate { color: $text-muted; }
        & > .order-column--fresh { color: $text-success; }
        & > .order-column--waiting { color: $text-warning; text-style: bold; }
        & > .order-column--late { color: $text-error; text-style: bold reverse; }
        & > .order-column--empty { color: $text-disabled; text-style: italic; }
    }
    """

    class Selected(Message):
        """A card was clicked: the screen makes this the active column."""

        def __init__(self, column: OrderColumn) -> None:
            super().__init__()
            self.column = column

        @property
        def control(self) -> OrderColumn:
            return self.column

    def __init__(
        self, status: str, *, clock: Clock, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.status = status
        self._clock = clock
        self._orders: Sequence[OpenOrder] = ()
        self._estimates: Mapping[str, str] = {}  # order id -> "about 6 min"
        self._starts: list[int] = [0]  # first line of each card, then the total
        self._text_width = 0
        self._cursor = 0
        self._selected_id: str | None = None
        self._active = False
        self._now: datetime = clock()
        self._cache: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(1024)
        self._card_styles: CardStyles | None = None
        self._base: Style | None = None  # the widget's rich_style, taken once per frame

    # -- state ---------------------------------------------------------------------------

    @property
    def orders(self) -> Sequence[OpenOrder]:
        return self._orders

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def selected(self) -> OpenOrder | None:
        return self._orders[self._cursor] if self._orders else None

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        if value != self._active:
            self._active = value
            self._refresh_card(self._cursor)

    def set_orders(self, orders: Sequence[OpenOrder]) -> None:
        """Show `orders`; the cursor stays on its order, or in its place if it left."""
        self._orders = orders
        if self._selected_id is not None:
            for index, order in enumerate(orders):
                if order.id == self._selected_id:
                    self._cursor = index
                    break
        self._cursor = max(0, min(self._cursor, len(orders) - 1))
        self._selected_id = orders[self._cursor].id if orders else None
        self._relayout()
        self.refresh()

    def set_estimates(self, labels: Mapping[str, str]) -> None:
        """Wait estimates to show on the cards, by order id; redraws only on a change."""
        if labels != self._estimates:
            self._estimates = labels
            self._relayout()  # a wait too long for its drink's line takes a line of its own
            self.refresh()

    def move_cursor(self, delta: int) -> None:
        self.select(self._cursor + delta)

    def select(self, index: int) -> None:
        if not self._orders:
            return
        index = max(0, min(index, len(self._orders) - 1))
        old, self._cursor = self._cursor, index
        self._selected_id = self._orders[index].id
        self._refresh_card(old)
        self._refresh_card(index)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        if self._orders:
            top, bottom = self._starts[self._cursor], self._starts[self._cursor + 1]
            region = Region(0, top, max(1, self._text_width), bottom - top)
            self.scroll_to_region(region, animate=False, force=True, immediate=True)

    # -- layout --------------------------------------------------------------------------

    def _relayout(self) -> None:
        width = self._text_width
        starts, total = [0], 0
        for order in self._orders:
            total += card_height(order, width, self._estimates.get(order.id, ""))
            starts.append(total)
        self._starts = starts
        self.virtual_size = Size(self.scrollable_content_region.width, max(total, 1))

    def on_resize(self, event: events.Resize) -> None:
        """Notes wrap by width, so card heights change with it."""
        width = max(1, self.scrollable_content_region.width - GUTTER)
        if width != self._text_width:
            self._text_width = width
            self._relayout()

    def _refresh_card(self, index: int) -> None:
        if 0 <= index < len(self._orders):
            top, bottom = self._starts[index], self._starts[index + 1]
            self.refresh(Region(0, top - int(self.scroll_y), self.size.width, bottom - top))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._card_styles = None

    # -- rendering -----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        """A component's colour and text style, blended as CSS says, without background.

        Partial styles would not blend translucent colours; the card draws its own
        background under the text.
        """
        full = self.get_component_rich_style(f"order-column--{name}")
        return Style(
            color=full.color, bold=full.bold, italic=full.italic, dim=full.dim,
            reverse=full.reverse, underline=full.underline,
        )

    def _styles(self) -> CardStyles:
        if self._card_styles is None:
            part = self._style
            self._card_styles = CardStyles(
                number=part("number"), name=part("name"), drink=part("drink"),
                detail=part("detail"), note=part("note"), barista=part("barista"),
                estimate=part("estimate"),
                waits={"fresh": part("fresh"), "waiting": part("waiting"), "late": part("late")},
            )
        return self._card_styles

    def render_lines(self, crop: Region) -> list[Strip]:
        # One `now` per frame, so every card on screen shows the same moment.
        self._now = self._clock()
        self._base = self.rich_style  # once per frame: computing it walks the DOM
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self._base or self.rich_style
        if not self._orders:
            if line == 0:
                empty = Text("  nothing here", self._style("empty"))
                return Strip(list(empty.render(self.app.console))).adjust_cell_length(
                    width).apply_style(base)
            return Strip.blank(width, base)
        index = bisect.bisect_right(self._starts, line) - 1
        if index >= len(self._orders):
            return Strip.blank(width, base)
        strips = self._card_strips(index, width)
        row = line - self._starts[index]
        return strips[row] if row < len(strips) else Strip.blank(width, base)

    def _card_strips(self, index: int, width: int) -> list[Strip]:
        order = self._orders[index]
        selected = self._active and index == self._cursor
        age = self._now - order.created_at
        base = self._base or self.rich_style
        estimate = self._estimates.get(order.id, "")
        key = (order, selected, width, age_text(age), wait_level(age), estimate, base)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        console = self.app.console
        # The full style: its background blended over the column's, as CSS means it.
        card = self.get_component_rich_style(
            "order-column--cursor" if selected else "order-column--card"
        )
        marker = Text("▌ " if selected else "  ", self._style("marker"))
        texts = render_card(
            order, age=age, width=max(1, width - GUTTER), styles=self._styles(), console=console,
            estimate=estimate,
        )
        strips = [
            Strip(list((marker + text).render(console)))
            .adjust_cell_length(width, card)
            .apply_style(card)
            for text in texts
        ]
        strips.append(Strip.blank(width, base))  # the gap between cards
        self._cache[key] = strips
        return strips

    # -- mouse ---------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """Clicking a card selects it (and its column)."""
        offset = event.get_content_offset(self)
        if offset is None or not self._orders:
            return
        index = bisect.bisect_right(self._starts, offset.y + int(self.scroll_y)) - 1
        if index < len(self._orders):
            self.select(index)
            self.post_message(self.Selected(self))
