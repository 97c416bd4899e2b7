"""The footer: as many keys as the terminal is wide, and always `?` for all of them.

Textual's footer shows every key in one line and cuts off what does not fit. Here the
keys that fit are shown, each in its place, and the rest are hidden (they still work):
the screen's `essential` ones are given room first. `?` (docked right, never hidden)
opens the list of every key (`kiosk.screens.keys`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTION = "keys"  # the app's `?`
GAP = 1  # a compact footer's margin after each key


class KioskFooter(Footer):
    """A compact footer that keeps `?` and the `essential` actions' keys in view."""

    DEFAULT_CSS = """
    KioskFooter FooterKey.-help { dock: right; }
    KioskFooter FooterKey.-hidden { display: none; }
    """

    def __init__(self, *, essential: Sequence[str] = (), id: str | None = None) -> None:
        """`essential`: actions whose keys are shown first, most important first."""
        super().__init__(id=id, compact=True, show_command_palette=False)
        self.essential = tuple(essential)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action == HELP_ACTION:
                widget.add_class("-help")
            yield widget

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the keys that fit: the essential ones first (in the order given), then
        the others; each stays in its place in the line."""
        keys = [key for key in self.query(FooterKey) if "-help" not in key.classes]
        helps = self.query(FooterKey).filter(".-help")
        room = self.size.width - sum(_width(key) for key in helps)
        priority = {action: rank for rank, action in enumerate(self.essential)}
        shown: set[FooterKey] = set()
        for key in sorted(keys, key=lambda key: priority.get(_action(key), len(priority))):
            if _width(key) <= room:
                shown.add(key)
                room -= _width(key)
        for key in keys:
            key.set_class(key not in shown, "-hidden")

    @property
    def shown(self) -> list[str]:
        """The keys on screen now, as "key description" ("c Claim"), `?` included."""
        return [f"{key.key_display} {key.description}" for key in self.query(FooterKey)
                if "-hidden" not in key.classes]


def _action(key: FooterKey) -> str:
    """The action's name, without its arguments: "follow(True)" → "follow"."""
    return key.action.partition("(")[0]


def _width(key: FooterKey) -> int:
    """Cells a compact key takes: "c Claim" and its margin."""
    text = f"{key.key_display} {key.description}" if key.description else key.key_display
    return cell_len(text) + GAP
