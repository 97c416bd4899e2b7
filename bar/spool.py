"""The printer's queue: every order's ticket printed once, in order, whatever the printer does.

The queue is the outbox itself. A process that prints (the kiosk, `bar up`) reads the
`admin` channel's order events after its *position*, the id of the last event whose
ticket is on paper, and moves the position on after each ticket the printer took. A
printer that is off, unplugged or out of reach fails the send: the position stays, and
the same tickets are tried again, oldest first, until the printer is back. Placing an
order never waits for any of this: it commits its event and is done; printing happens
later, in another process.

**Where the position is kept: in the database**, in a `state` row per printer
(`printer <url>`), not in a file of the data directory:

- it is a position in the events table, so it lives and dies with that table: a new
  or copied database (`bar db copy`) carries a position that matches its events;
- every process of the bar sees it. Two kiosks with one `bar.toml` (`bar up` and a
  `bar kiosk` beside it, or kiosks on two machines sharing a PostgreSQL bar) must not
  print each ticket twice, so the row also says who prints: a *lease* (`holder`,
  renewed every few seconds, free after `LEASE` without renewal). The others show
  "printed by …" and take over if it goes quiet.

It is written once per ticket printed (and for the lease), never for the events it
only reads past: the printer costs the order path no writes. A crash between the
printer taking a ticket and the row being written prints that ticket again after the
restart (at most one, or one batch): a ticket twice is better than a ticket lost.

A ticket whose order is no longer open when its turn comes (cancelled or expired while
the printer was off) is not printed: nobody would make that drink.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import peewee

from bar import events, printer, tickets
from bar.clock import Clock, utcnow
from bar.config import Settings
from bar.db import engine, write
from bar.errors import PrinterFailed
from bar.models import Order, State
from bar.payloads import OrderInfo
from bar.status import OPEN_STATUSES, READY

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a holder silent this long has let the printer go
RENEW_EVERY = 10.0  # seconds between renewals of the lease while idle
POLL = 0.25  # seconds between looks at the events table
RETRY = (1.0, 2.0, 5.0, 10.0)  # seconds before trying a failed printer again
ROUND = 20  # tickets read (and, in batch mode, printed on one slip) at a time
BATCH_GATHER = 8.0  # batch mode: seconds a new order waits for others to share its slip

# What `PrinterState.status` says.
OFF = "off"  # no printer in bar.toml
READY_STATE = "ready"
PRINTING = "printing"
FAILED = "failed"
ELSEWHERE = "elsewhere"  # another process prints


@dataclass(frozen=True)
class PrinterState:
    """The printer as the spool sees it: what the kiosk's header says."""

    status: str
    waiting: int = 0  # tickets not printed yet (that this process knows of)
    printed: int = 0  # tickets this process printed
    error: str = ""  # FAILED: why (one line)
    since: datetime | None = None  # FAILED: since when
    holder: str = ""  # ELSEWHERE: who prints


def position_key(settings: Settings) -> str:
    return f"printer {settings.printer_url}"


def _read_row(key: str) -> dict[str, Any] | None:
    row = State.select(State.value).where(State.key == key).first()
    return row.value if row is not None and isinstance(row.value, dict) else None


def _write_row(key: str, value: dict[str, Any]) -> None:
    State.insert(key=key, value=value).on_conflict(
        conflict_target=[State.key], update={State.value: value}).execute()


def printed_through(settings: Settings) -> int | None:
    """The id of the last event whose ticket is on paper (None: this printer never printed)."""
    row = _read_row(position_key(settings))
    return int(row["through"]) if row is not None else None


@dataclass(frozen=True)
class _Job:
    """Tickets to print together, and the position once they are on paper."""

    data: bytes
    through: int
    count: int


class Spool:
    """Prints the tickets of new orders on `settings`' printer, in order, each once.

    `run()` is the loop (on a thread of its own: a send may wait seconds for a printer
    that is not there); `step()` is one round of it, for tests. `on_state` hears every
    change of `state`, from that thread.
    """

    renew_every = RENEW_EVERY  # seconds between renewals, and between asks while held elsewhere
    retry = RETRY  # seconds before the next try of a failing printer, one after the other

    def __init__(
        self, settings: Settings, *, clock: Clock = utcnow, name: str = "",
        on_state: Callable[[PrinterState], object] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.holder = f"{name or 'bar'} on {socket.gethostname()} (pid {os.getpid()}) {uuid.uuid4().hex[:6]}"
        self.on_state = on_state
        self.state = PrinterState(OFF if not settings.printer_url else READY_STATE)
        self.gather = BATCH_GATHER if settings.printer_ticket == "batch" else 0.0
        self._key = position_key(settings)
        self._through: int | None = None  # persisted position, while we hold the lease
        self._read_through = 0  # events read past (not printed, not persisted)
        self._renewed = 0.0  # monotonic time of the last write of the lease
        self._asked = float("-inf")  # held elsewhere: monotonic time we last asked
        self._printed = 0
        self._waiting_since: float | None = None  # batch mode: the oldest ticket's arrival

    # -- the lease and the position ------------------------------------------------------------

    def _claim(self) -> bool:
        """Hold the printer (or renew the hold); False while another process holds it."""
        now = self.clock()
        if self._held_elsewhere(_read_row(self._key), now):  # read first: no write lock for that
            return False
        with write():
            row = _read_row(self._key)
            if self._held_elsewhere(row, now):
                return False
            through = int(row["through"]) if row else events.last_event_id()
            _write_row(self._key, {"through": through, "holder": self.holder, "seen": now.isoformat()})
        if self._through is None:  # (again) ours: start from what is on paper
            self._read_through = through
        self._through = through
        self._renewed = time.monotonic()
        return True

    def _held_elsewhere(self, row: dict[str, Any] | None, now: datetime) -> bool:
        holder = row.get("holder") if row else None
        seen = datetime.fromisoformat(row["seen"]) if row and row.get("seen") else None
        if holder and holder != self.holder and seen is not None and now - seen < LEASE:
            self._through = None
            self._set(PrinterState(ELSEWHERE, holder=str(holder).rsplit(" ", 1)[0]))
            return True
        return False

    def _advance(self, through: int) -> None:
        """Record that the tickets up to event `through` are on paper."""
        now = self.clock()
        with write():
            row = _read_row(self._key)
            if row is not None and row.get("holder") not in (self.holder, None):
                # Our lease ran out meanwhile and another process took the printer over.
                self._through = None
                return
            _write_row(self._key, {"through": through, "holder": self.holder, "seen": now.isoformat()})
        self._through = through
        self._renewed = time.monotonic()

    def release(self) -> None:
        """Let another process print at once (this one is stopping)."""
        if self._through is None:
            return
        with write():
            row = _read_row(self._key)
            if row is not None and row.get("holder") == self.holder:
                _write_row(self._key, {"through": row["through"], "holder": None, "seen": None})
        self._through = None

    # -- one round ---------------------------------------------------------------------------

    def step(self) -> int:
        """Print what waits; returns how many tickets went to the printer.

        Raises PrinterFailed (the position stays: the same tickets come next time).
        """
        if not self.settings.printer_url:
            return 0
        if self._through is None or time.monotonic() - self._renewed >= self.renew_every:
            # Not ours: ask again now and then, not at every commit of the bar.
            if self._through is None and time.monotonic() - self._asked < self.renew_every:
                return 0
            if not self._claim():
                self._asked = time.monotonic()
                return 0
        printed = 0
        while True:
            found, read_through = self._waiting()
            if not found:
                self._read_through = read_through
                self._waiting_since = None
                self._set(PrinterState(READY_STATE, printed=self._printed))
                return printed
            if self.gather and len(found) < ROUND:
                first = self._waiting_since = self._waiting_since or time.monotonic()
                if time.monotonic() - first < self.gather:
                    self._set(PrinterState(READY_STATE, waiting=len(found), printed=self._printed))
                    return printed
            self._set(PrinterState(PRINTING, waiting=len(found), printed=self._printed))
            for job in self._jobs(found):
                printer.send(self.settings.printer_url, job.data)
                self._printed += job.count
                printed += job.count
                self._advance(job.through)
                if self._through is None:
                    return printed  # another process prints from here on
            self._read_through = found[-1][0]
            self._waiting_since = None

    def _waiting(self) -> tuple[list[tuple[int, OrderInfo, str | None]], int]:
        """The next tickets to print, (event id, order, station), oldest first; and the
        id of the last event read (skipped ones too)."""
        after = max(self._read_through, self._through or 0)
        wanted = events.NEW_ORDER if self.settings.printer_print_on == "new" else events.ORDER_STATUS_CHANGED
        # Only orders still open: not a drink cancelled or expired while the printer was off.
        open_now = (READY,) if wanted == events.ORDER_STATUS_CHANGED else OPEN_STATUSES
        while True:
            batch = events.read_since(after, [events.ADMIN], types=[wanted], limit=ROUND)
            found = [(event.id, OrderInfo.from_payload(event.payload), event.payload.get("station"))
                     for event in batch if self._wants(event.payload)]
            if batch:
                after = batch[-1].id
            still = _statuses([order.order_id for _, order, _ in found])
            kept = [item for item in found if still.get(item[1].order_id) in open_now]
            if kept or len(batch) < ROUND:
                return kept, after
            self._read_through = after  # a stretch with nothing to print: on past it (in memory)

    def _wants(self, payload: dict[str, Any]) -> bool:
        """Is this order event one of this printer's tickets (its station, its moment)?
        A recall back to ready is the drink already made, its ticket already printed."""
        stations = self.settings.printer_stations
        if stations and payload.get("station") not in stations:
            return False
        return self.settings.printer_print_on == "new" or (
            payload.get("status") == READY and payload.get("recalled") is not True)

    def _jobs(self, found: list[tuple[int, OrderInfo, str | None]]) -> list[_Job]:
        kind = tickets.NEW if self.settings.printer_print_on == "new" else tickets.READY
        if self.settings.printer_ticket == "batch":
            data = tickets.batch_ticket(self.settings, [order for _, order, _ in found],
                                        now=self.clock(), kind=kind)
            return [_Job(data, found[-1][0], len(found))]
        return [_Job(tickets.order_ticket(self.settings, order, kind=kind, station=station), event_id, 1)
                for event_id, order, station in found]

    def _set(self, state: PrinterState) -> None:
        if state != self.state:
            self.state = state
            if self.on_state is not None:
                self.on_state(state)

    # -- the loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Print until `stop` is set: at every commit, and again and again while the
        printer fails (waiting longer each time, up to `RETRY[-1]` seconds)."""
        if not self.settings.printer_url:
            return
        watch = engine().watch()
        failures = 0
        retry_at = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                due = now >= retry_at and (
                    watch.changed() or failures or self._waiting_since is not None
                    or now - self._renewed >= self.renew_every)
                if due:
                    try:
                        self.step()
                        failures = 0
                    except PrinterFailed as exc:
                        failed = self.state.status == FAILED
                        since = self.state.since if failed else self.clock()
                        self._set(PrinterState(FAILED, waiting=self.state.waiting, printed=self._printed,
                                               error=exc.message, since=since))
                        retry_at = time.monotonic() + self.retry[min(failures, len(self.retry) - 1)]
                        failures += 1
                    except peewee.DatabaseError:
                        retry_at = time.monotonic() + self.retry[0]  # busy: again in a moment
                    except Exception as exc:  # a bug of ours must not end printing for the night
                        log.exception("printing failed")
                        self._set(PrinterState(FAILED, waiting=self.state.waiting, printed=self._printed,
                                               error=f"printing failed: {exc}", since=self.clock()))
                        retry_at = time.monotonic() + self.retry[-1]
                watch.wait(POLL)
        finally:
            try:
                self.release()
            except peewee.DatabaseError:
                pass  # the lease runs out by itself


def _statuses(order_ids: list[str]) -> dict[str, str]:
    if not order_ids:
        return {}
    rows = Order.select(Order.id, Order.status).where(Order.id.in_(order_ids))
    return {row.id: row.status for row in rows}


def reprint(settings: Settings, order: Order, *, url: str | None = None) -> None:
    """Print `order`'s ticket again, now (the kiosk's `p`, `bar print order N`), on
    `settings`' printer or the one at `url`.

    Raises PrinterFailed when the printer does not take it: a reprint is asked for by
    someone watching, who is told, rather than queued.
    """
    station = getattr(order, "station", None)
    data = tickets.order_ticket(settings, OrderInfo.of(order), kind=tickets.REPRINT, station=station)
    printer.send(url or settings.printer_url, data)
