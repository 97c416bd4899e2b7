"""The line at the top: the bar's name, open or closed, the queue, who is pouring, and
whether the web server is up (`bar.health` decides; this only words it)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from bar import health
from bar.health import Health
from bar.spool import FAILED, PrinterState
from kiosk.printing import printer_text


def server_text(server: Health) -> str:
    """ "up · 3 phones", "DOWN since 21:04": the server's health in a few words."""
    if server.state == health.UP:
        if server.phones is None:
            return "server up"
        return f"server up · {server.phones} phone{'' if server.phones == 1 else 's'}"
    if server.state == health.STARTING:
        return "server starting…"
    if server.state in (health.DOWN, health.STOPPED):
        if server.since is None:
            return "server DOWN: not answering"
        return f"server DOWN since {server.since.astimezone():%H:%M}"
    return "server: checking…"


class HeaderBar(Horizontal):
    """Shows what `show()` was last told; it reads nothing itself."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, str] = {}  # selector -> text on screen
        self._labels: dict[str, Label] = {}  # selector -> label, not queried per event

    def compose(self) -> ComposeResult:
        yield Label(id="bar-name")
        yield Label(id="shop-state")
        yield Label(id="queue-length")
        yield Label(id="barista")
        # On the right, together: what the barista must see even on a small terminal.
        with Horizontal(id="machines"):
            yield Label(id="printer")
            yield Label(id="server")

    def on_mount(self) -> None:
        self._labels = {f"#{label.id}": label for label in self.query(Label)}

    def show(
        self, *, name: str, is_open: bool, queue: int, max_queue: int, barista: str | None,
        server: Health | None = None, printer: PrinterState | None = None,
    ) -> None:
        # Text objects, not markup: names come from a config file and the command line.
        self._set("#bar-name", name)
        state = self._set("#shop-state", "● OPEN" if is_open else "● CLOSED")
        state.set_class(is_open, "-open")
        state.set_class(not is_open, "-closed")
        length = self._set("#queue-length", f"queue {queue} of {max_queue}")
        length.set_class(queue >= max_queue, "-full")
        self._set("#barista", f"barista: {barista}" if barista else "barista: no name (--barista)")
        printing = self._set("#printer", printer_text(printer) if printer is not None else "")
        printing.display = printer is not None  # no printer in bar.toml: nothing to say
        printing.set_class(printer is not None and printer.status == FAILED, "-down")
        shown = self._set("#server", server_text(server) if server is not None else "")
        shown.display = server is not None  # a kiosk that watches no server says nothing
        shown.set_class(server is not None and server.state == health.UP, "-up")
        shown.set_class(server is not None and server.state in (health.DOWN, health.STOPPED),
                        "-down")
        self._make_room()

    def on_resize(self) -> None:
        self._make_room()

    def _make_room(self) -> None:
        """On a narrow terminal the barista's name goes first: the queue, and the printer
        and the server on the right, matter more to whoever is pouring (and the right
        side would cover it anyway)."""
        if not self._labels:
            return
        widths = {selector: cell_len(text) for selector, text in self._shown.items()
                  if self._labels[selector].display or selector == "#barista"}
        margins = 2 * sum(1 for selector in widths if selector != "#server")
        barista = self._labels["#barista"]
        fits = sum(widths.values()) + margins + 2 <= self.size.width  # 2: the padding
        if barista.display != fits:
            barista.display = fits

    def _set(self, selector: str, text: str) -> Label:
        """Update a label only when its text changed; lay out only when its width did."""
        label = self._labels.get(selector) or self.query_one(selector, Label)
        old = self._shown.get(selector)
        if old != text:
            # A relayout repaints the whole screen: only when the label's width changes.
            label.update(Text(text), layout=old is None or cell_len(old) != cell_len(text))
            self._shown[selector] = text
        return label
