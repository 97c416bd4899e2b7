"""A column of order cards, drawn with Textual's Line API: a virtualised list.

Drawing costs what is on screen, whatever the queue's length:

- only the lines on screen are rendered, from a cache keyed by what a card shows
  (`kiosk.widgets.card_strips`);
- placing the cards is a prefix sum of their heights, each height kept until its
  order (or its wait estimate) changes;
- the pending column asks for the waits of the cards it shows (and a screen more),
  not of the whole queue: a wait depends only on the orders ahead of it. Only at
  widths where a wait may not fit beside its drink's name does a card's height
  depend on the wait's wording; those cards' waits are asked for wherever they are;
- after any change (orders, estimates, the cursor, the clock) the column works out
  what each line on screen now shows and repaints only the lines that differ: a new
  order at the end of a long column repaints nothing but the scrollbar, a card whose
  age ticks over repaints that card;
- a change of the column's length moves the scrollbar's thumb without the
  screen-wide layout that assigning `virtual_size` would ask for.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from itertools import accumulate
from operator import attrgetter

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from bar.clock import Clock
from kiosk.board import OpenOrder
from kiosk.widgets.card_strips import GUTTER, CardStrips
from kiosk.widgets.order_card import WIDEST_WAIT, CardShape, age_text, card_shape, wait_level

_sort_key = attrgetter("sort_key")

# The waits of the first cards of a column, by order id (see `OrderColumn`).
Waits = Callable[[Sequence[OpenOrder]], Mapping[str, str]]


def _thumb(bar: ScrollBar, virtual_height: int) -> list[Segment]:
    """How the vertical scrollbar draws its thumb for content this tall."""
    drawn = ScrollBarRender.render_bar(
        size=bar.size.height, virtual_size=virtual_height, window_size=bar.window_size,
        position=bar.position,
    )
    return list(drawn.segments)


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
        self, status: str, *, clock: Clock, waits: Waits | None = None, id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`waits(cards)`: the wait each of the column's first `cards` shows, by order id
        (the pending column: "about 6 min"); asked when they may have changed, and for
        more cards when the column scrolls to them."""
        super().__init__(id=id, classes=classes)
        self.status = status
        self._clock = clock
        self._waits = waits
        self._orders: Sequence[OpenOrder] = ()
        self._estimates: Mapping[str, str] = {}  # order id -> "about 6 min"
        self._waits_for = 0  # how many cards, from the top, `_estimates` covers
        self._waits_stale = False
        # Order id -> (the order, its card's shape at `_text_width`).
        self._shapes: dict[str, tuple[OpenOrder, CardShape]] = {}
        self._starts: list[int] = [0]  # first line of each card, then the total
        self._text_width = 0
        self._cursor = 0
        self._selected: OpenOrder | None = None
        self._active = False
        # What each line on screen showed after the last change, and from which line.
        self._shown: list[Hashable] = []
        self._shown_top = 0
        self._now: datetime = clock()
        self._strips = CardStrips(self, "order-column")

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
            self._repaint_changes()

    def set_orders(self, orders: Sequence[OpenOrder]) -> None:
        """Show `orders`; the cursor stays on its order, or in its place if it left."""
        self._orders = orders
        self._waits_stale = True  # the queue ahead of some cards changed
        if self._selected is not None:
            found = self.index_of(self._selected)
            if found is not None:
                self._cursor = found
        self._cursor = max(0, min(self._cursor, len(orders) - 1))
        self._selected = orders[self._cursor] if orders else None
        self._relayout()
        self._repaint_changes()

    def refresh_waits(self) -> None:
        """The waits may read differently (other orders moved, the clock, the prep
        times): ask for them again, repaint what they change."""
        if self._waits is not None:
            self._waits_stale = True
            self._relayout()
            self._repaint_changes()

    def tick(self) -> None:
        """The clock moved: repaint the cards whose age now reads differently."""
        self._repaint_changes()

    def move_cursor(self, delta: int) -> None:
        self.select(self._cursor + delta)

    def select(self, index: int) -> None:
        if not self._orders:
            return
        self._cursor = max(0, min(index, len(self._orders) - 1))
        self._selected = self._orders[self._cursor]
        self.scroll_to_cursor()
        self._repaint_changes()

    def scroll_to_cursor(self) -> None:
        if self._orders:
            top, bottom = self._starts[self._cursor], self._starts[self._cursor + 1]
            region = Region(0, top, max(1, self._text_width), bottom - top)
            self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def index_of(self, order: OpenOrder) -> int | None:
        """Where `order` is in the column now (by bisection: its sort key never changes)."""
        orders = self._orders
        index = bisect.bisect_left(orders, order.sort_key, key=_sort_key)
        while index < len(orders) and orders[index].sort_key == order.sort_key:
            if orders[index].id == order.id:
                return index
            index += 1
        return None

    # -- layout --------------------------------------------------------------------------

    def _relayout(self) -> None:
        """Place the cards: each card's shape kept while its order stays the same, its
        wait added, then one prefix sum."""
        width, shapes, orders, labels = self._text_width, self._shapes, self._orders, self._estimates
        if len(shapes) > 2 * len(orders) + 100:  # forget the orders that left
            shapes = self._shapes = {o.id: shapes[o.id] for o in orders if o.id in shapes}
        cards: list[CardShape] = []
        lines: list[int] = []
        wording = 0  # cards, from the top, up to the last one whose wait sets its height
        for order in orders:
            entry = shapes.get(order.id)
            if entry is None or entry[0] is not order:
                entry = shapes[order.id] = (order, card_shape(order, width))
            card = entry[1]
            cards.append(card)
            # A card past the waits asked for has none yet: the height it will have.
            lines.append(card.height(labels.get(order.id, "")))
            if card.wait_room < WIDEST_WAIT:  # its height depends on its wait's wording
                wording = len(cards)
        self._starts = list(accumulate(lines, initial=0))
        if self._waits is not None:
            # The cards on screen, a screen below them (a claim or a keypress brings
            # those up), and every card whose height its wait's wording sets.
            below = int(self.scroll_y) + 2 * self.scrollable_content_region.height
            wanted = min(len(orders), max(wording, bisect.bisect_right(self._starts, below)))
            if self._waits_stale or wanted > self._waits_for:
                self._estimates = labels = self._waits(orders[:wanted])
                self._waits_for, self._waits_stale = wanted, False
                # Only those cards' heights may change (past them: see above).
                lines[:wanted] = [
                    card.height(labels.get(order.id, ""))
                    for card, order in zip(cards[:wanted], orders[:wanted], strict=True)
                ]
                self._starts = list(accumulate(lines, initial=0))
        self._set_virtual_height(self._starts[-1])

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._waits is not None and self._orders:
            # Scrolled past the cards whose waits were asked for: ask for more (their
            # heights stay: only cards whose wait sets their height were asked already).
            screen = self.scrollable_content_region.height
            if bisect.bisect_right(self._starts, int(new) + screen) > self._waits_for:
                self._relayout()

    def _set_virtual_height(self, lines: int) -> None:
        size = Size(self.scrollable_content_region.width, max(lines, 1))
        old = self.virtual_size
        if size == old:
            return
        viewport = self.scrollable_content_region.height
        if size.width != old.width or (size.height > viewport) != (old.height > viewport):
            self.virtual_size = size  # the scrollbar comes or goes: a layout places it
            return
        # At most the scrollbar's thumb changes. Assigning `virtual_size` would lay out
        # the whole screen for every order that comes or goes.
        self.set_reactive(OrderColumn.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            if _thumb(bar, bar.window_virtual_size) == _thumb(bar, size.height):
                # The same thumb: keep the scrollbar right for dragging, repaint nothing
                # (a repaint renders the whole bar, and every line beside it).
                bar.set_reactive(ScrollBar.window_virtual_size, size.height)
            else:
                bar.window_virtual_size = size.height
        self.scroll_y = self.validate_scroll_y(self.scroll_y)  # the column may have shrunk

    def on_resize(self, event: events.Resize) -> None:
        """Notes wrap by width, so card heights change with it."""
        width = max(1, self.scrollable_content_region.width - GUTTER)
        if width != self._text_width:
            self._text_width = width
            self._shapes = {}
            self._strips.clear()
        self._relayout()
        self._repaint_changes()

    # -- repainting what changed -----------------------------------------------------------

    def _row_keys(self, index: int, now: datetime) -> list[Hashable]:
        """What each line of a card shows, by part (see `order_card.render_card`): its
        age is on the first line only, its wait on the drink's line(s)."""
        order = self._orders[index]
        selected = self._active and index == self._cursor
        age = now - order.created_at
        estimate = self._estimates.get(order.id, "")
        shape = self._shapes[order.id][1]
        drink = shape.height(estimate) - shape.lines + 1  # the wait may take a line
        return [
            ("head", order, selected, age_text(age), wait_level(age)),
            *(("drink", order, selected, estimate, row) for row in range(drink)),
            *(("details", order, selected, row) for row in range(shape.lines - 3)),
            None,  # the gap between cards: a blank line like any other
        ]

    def _line_keys(self) -> list[Hashable]:
        """What each line on screen shows (None: blank), for `_repaint_changes`."""
        height = self.scrollable_content_region.height
        if not self._orders:
            empty: list[Hashable] = ["nothing here", *[None] * (height - 1)]
            return empty[:height]
        now = self._clock()
        starts, count, top = self._starts, len(self._orders), int(self.scroll_y)
        keys: list[Hashable] = []
        index = bisect.bisect_right(starts, top) - 1
        row = top - starts[index]
        while len(keys) < height and index < count:
            keys += self._row_keys(index, now)[row:row + height - len(keys)]
            index, row = index + 1, 0
        return keys + [None] * (height - len(keys))

    def _repaint_changes(self) -> None:
        """Repaint the lines on screen that now show something else, and only those."""
        keys, shown, top = self._line_keys(), self._shown, int(self.scroll_y)
        moved = top != self._shown_top or len(keys) != len(shown)
        self._shown, self._shown_top = keys, top
        if moved:
            self.refresh()  # scrolled or resized: every line moved
            return
        width, y, height = self.size.width, 0, len(keys)
        changed: list[Region] = []
        while y < height:
            if keys[y] == shown[y]:
                y += 1
                continue
            start = y
            while y < height and keys[y] != shown[y]:
                y += 1
            changed.append(Region(0, start, width, y - start))
        if changed:
            self.refresh(*changed)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    # -- rendering -----------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, from the card cache.

        Textual's default sends every line through the widget's styles cache, for the
        border, padding, tint and opacity this widget does not have (its CSS sets
        colours only): ~50 µs a line, most of the cost of repainting a column. The card
        cache already holds finished lines; handing back the same strips frame after
        frame also lets the compositor reuse the cuts it made in them.
        """
        # One `now` per frame, so every card drawn shows the same moment.
        self._now = self._clock()
        base = self.rich_style  # once per frame: computing it walks the DOM
        width, full = self.scrollable_content_region.width, self.size.width
        top = int(self.scroll_y)
        lines = self._lines(top + crop.y, top + crop.bottom, width, base)
        _, background = self.background_colors
        filters = self.app.get_line_filters()
        strips = []
        for line in lines:
            # The scrollbar's gutter too (the scrollbar covers it); cached by the strip.
            strip = line.adjust_cell_length(full, base)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, full):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        top = int(self.scroll_y) + y
        return self._lines(top, top + 1, self.scrollable_content_region.width, self.rich_style)[0]

    def _lines(self, first: int, end: int, width: int, base: Style) -> list[Strip]:
        """Lines `first` to `end` of the column (counting from its top, not the screen's),
        a card at a time."""
        orders, starts, cards = self._orders, self._starts, self._strips
        if not orders:
            return [cards.empty(width, base) if line == 0 else cards.blank(width, base)
                    for line in range(first, end)]
        lines: list[Strip] = []
        index = bisect.bisect_right(starts, first) - 1
        line = first
        while line < end and index < len(orders):
            order = orders[index]
            card = cards.card(
                order, now=self._now, selected=self._active and index == self._cursor,
                estimate=self._estimates.get(order.id, ""), width=width, base=base,
            )
            row = line - starts[index]
            shown = card[row:row + end - line]
            lines += shown
            line += len(shown)
            index += 1
        return lines + [cards.blank(width, base)] * (end - line)

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
