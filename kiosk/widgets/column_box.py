"""The frame around one column of the queue, titled with its name and its count.

The column the keys act on says so in its title ("▶ PENDING · 3", reversed by the
stylesheet), not only in its border's colour.
"""

from __future__ import annotations

from typing import Self

from textual.containers import Vertical
from textual.geometry import Region


class ColumnBox(Vertical):
    """A `Vertical` whose title repaints only the line it is drawn on.

    The count in the title changes with nearly every order. Textual repaints a whole
    widget when its `border_title` is set, and with a frame that means every card
    inside it: here only the top border is repainted.
    """

    _title_only = False  # set while the title changes

    def __init__(self, name: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._label = name
        self._count = 0
        self._active = False

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = value
        self.set_class(value, "-active")  # the frame repaints whole: its border changes
        self._show_title()

    def show_count(self, count: int) -> None:
        """The column now holds `count` orders."""
        self._count = count
        self._show_title()

    def _show_title(self) -> None:
        name = f"▶ {self._label.upper()}" if self._active else self._label
        self.show_title(f"{name} · {self._count}")

    def show_title(self, title: str) -> None:
        """Title the frame (plain text: column names and counts, nothing a guest typed)."""
        if title == self.border_title:
            return
        self._title_only = True
        try:
            self.border_title = title
        finally:
            self._title_only = False

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if self._title_only and not regions and not layout:
            # Regions count from the content's corner: the border is the line above it.
            gutter = self.styles.gutter
            regions = (Region(-gutter.left, -gutter.top, self.outer_size.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
