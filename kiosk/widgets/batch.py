"""The top of the pending column: identical drinks a barista can make together."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from kiosk.board import Batch

MAX_SHOWN = 3


def batch_text(batch: Batch) -> Text:
    """ "3× Negroni (big cube)": the modifier values only, to fit a narrow column."""
    text = Text.assemble((f"{batch.count}×", "bold"), " ", batch.drink_name)
    if batch.modifiers:
        text.append(f" ({', '.join(value for _, value in batch.modifiers)})", "dim")
    return text


class BatchSummary(Static):
    """Up to three batches of identical pending drinks; hidden when there are none."""

    _shown: Text | None = None

    def show(self, batches: Sequence[Batch]) -> None:
        self.display = bool(batches)
        lines = [batch_text(b) for b in batches[:MAX_SHOWN]]
        if len(batches) > MAX_SHOWN:
            lines.append(Text(f"+{len(batches) - MAX_SHOWN} more", "dim"))
        text = Text("\n").join(lines)
        old = self._shown
        if old is None or old.plain != text.plain:
            # A relayout repaints the whole screen: only when the line count changes.
            self.update(text, layout=old is None or len(old.plain.splitlines()) != len(lines))
            self._shown = text
