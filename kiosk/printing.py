"""The kiosk's receipt printer: the spool on a thread of its own, its state in a few words.

`bar.spool` does the work (what to print, in what order, once); here it runs beside the
event tail, never on it: a send to a printer that is not there may wait seconds, and
the board must not. What the spool says comes to the app as `PrinterChanged`; the
header shows it in a word or two (`printer_text`), and while the printer fails a line
under the header says why and how many tickets wait (`PrinterBanner`), until it is back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import peewee
from rich.text import Text
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from bar import spool
from bar.clock import Clock
from bar.config import Settings
from bar.db import db
from bar.errors import BarError
from bar.models import Order
from bar.spool import PrinterState, Spool

STOP_WAIT = 2.0  # seconds the app waits for the thread when it quits


class PrinterChanged(Message):
    """The printer's state changed, as the spool's thread saw it."""

    def __init__(self, state: PrinterState) -> None:
        super().__init__()
        self.state = state


def printer_text(state: PrinterState) -> str:
    """ "printer ok", "printing 3", "printer OFF": the printer in a word or two (the
    header of an 80-column terminal has room for little more)."""
    if state.status == spool.FAILED:
        return "printer OFF"
    if state.status == spool.PRINTING:
        return f"printing {_count(state.waiting)}"
    if state.status == spool.ELSEWHERE:
        return "printer shared"  # another kiosk prints: see `banner_text`'s silence
    return "printer ok"


def _count(waiting: int) -> str:
    # The spool reads a round of tickets at a time: a full round may have more behind it.
    return f"{waiting}+" if waiting >= spool.ROUND else str(waiting)


def banner_text(state: PrinterState | None) -> str:
    """The line under the header while the printer fails ("" hides it)."""
    if state is None or state.status != spool.FAILED:
        return ""
    since = f" since {state.since.astimezone():%H:%M}" if state.since is not None else ""
    tickets = "1 ticket waits" if state.waiting == 1 else f"{_count(state.waiting)} tickets wait"
    why = state.error.removeprefix("printer ")  # "tcp://…: connection refused"
    return f"⚠ Printer offline{since}: {why}. {tickets} and will print, in order, when it is back."


class PrinterBanner(Static):
    """Shows what `show()` was last told; hidden while the printer works."""

    DEFAULT_CSS = """
    PrinterBanner {
        display: none;
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $warning 40%;
        color: $text;
        text-style: bold;
    }
    """

    def show(self, state: PrinterState | None) -> None:
        text = banner_text(state)
        self.update(Text(text))  # not markup: the error quotes the printer's URL
        self.display = bool(text)


class KioskPrinter:
    """Runs `settings`' printer spool on a thread while the kiosk runs (nothing without one)."""

    def __init__(self, settings: Settings, *, clock: Clock, name: str) -> None:
        self.settings = settings
        self.clock = clock
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.spool: Spool | None = None  # while it runs

    @property
    def configured(self) -> bool:
        return bool(self.settings.printer_url)

    def start(self, post: Callable[[Message], object]) -> None:
        """Start printing; every change of state is posted as a `PrinterChanged`."""
        if not self.configured or self._thread is not None:
            return
        printer = self.spool = Spool(self.settings, clock=self.clock, name=self.name,
                                     on_state=lambda state: post(PrinterChanged(state)))
        post(PrinterChanged(printer.state))

        def run() -> None:
            try:
                printer.run(self._stop)
            finally:
                db.close()  # this thread's connection only

        self._thread = threading.Thread(target=run, name="printer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (it lets the printer go for another kiosk) and wait a moment."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_WAIT)
            self._thread = None


def print_again(widget: Widget, settings: Settings, order_id: str, number: int) -> None:
    """The kiosk's `p`: order `number`'s ticket again, sent from a worker thread; the
    barista is told whether the printer took it (a reprint is not queued)."""
    app = widget.app

    def send() -> None:
        try:
            try:
                spool.reprint(settings, Order.get_by_id(order_id))
            finally:
                db.close()  # the worker thread's connection
        except (BarError, peewee.DatabaseError) as exc:
            message = exc.message if isinstance(exc, BarError) else "the database is busy: try again"
            app.call_from_thread(app.notify, f"#{number} not printed: {message}",
                                 severity="error", markup=False)
            return
        app.call_from_thread(app.notify, f"#{number} printed again")

    widget.run_worker(send, thread=True, group="reprint", name=f"reprint #{number}")
