"""Housekeeping: what every long-running process does now and then, whatever it serves.

The web server's tailer thread and each kiosk's tail thread call `tick()` between two
polls of the event log. Each chore runs when it is due (the first round at once:
orders may have gone overdue while nothing was running):

- the bar's timers (`bar.timers.run_due`: expiry, reminders, last call, closing time),
  every few seconds;
- pruning the events older than `event_retention` (`bar.events.prune`), every few
  minutes;
- writing the refusals this process held back (`bar.refusals.flush`), every second,
  and all of them in `finish()`, when the process stops.

The first two are idempotent and claim their work in a write transaction, so every
process may run them, on either engine: each looks for its work only after it holds
the bar's write lock (SQLite's file lock, PostgreSQL's advisory lock, taken by every
server, kiosk and CLI of the bar), and a claim is a conditional change ("pending and
overdue", "ready and not reminded", "planned and not done"), so the process that comes
second finds nothing left and writes no event. Hence every expiry, reminder,
announcement and closing happens once however many processes run, with no process
elected to run them (nothing to hand over when one dies). The refusals held back are
this process's own (counted in its memory): each process writes its own, once. A
failed chore is logged and tried again when next due: the thread that calls `tick()`
must outlive any one failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bar import events, timers
from bar.clock import Clock
from bar.config import Settings
from bar.refusals import Refusals, flush

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Done:
    """What one `tick()` did. A chore that was not due, or failed, left its field None."""

    ran: timers.Ran | None = None
    pruned: int | None = None  # events deleted
    refusals: int | None = None  # records of refusals held back, written
    failed: tuple[str, ...] = ()  # the chores that raised: "timers", "prune", "refusals"

    @property
    def expired(self) -> int:
        """Orders the timers expired in this round."""
        return len(self.ran.expired) if self.ran is not None else 0


class Housekeeping:
    """Runs the chores when due; `last` is what the latest round did."""

    def __init__(
        self, settings: Settings, clock: Clock, *, timers_every: float = 5.0,
        prune_every: float = 600.0, monotonic: Callable[[], float] = time.monotonic,
        refusals: Refusals | None = None, refusals_every: float = 1.0,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.timers_every = timers_every
        self.prune_every = prune_every
        self.refusals = refusals
        self.refusals_every = refusals_every
        self._monotonic = monotonic  # the schedule's time: never jumps with the wall clock
        self._next_timers: float | None = None  # None: due at once
        self._next_prune: float | None = None
        self._next_refusals: float | None = None
        self.last = Done()

    def tick(self) -> Done:
        """Run whatever is due; never raises."""
        ran: timers.Ran | None = None
        pruned: int | None = None
        failed: list[str] = []
        at = self._monotonic()
        if self._next_timers is None or at >= self._next_timers:
            self._next_timers = at + self.timers_every
            try:
                ran = timers.run_due(self.settings, now=self.clock())
            except Exception:  # the next round tries again
                log.exception("running the bar's timers failed")
                failed.append("timers")
        if self._next_prune is None or at >= self._next_prune:
            self._next_prune = at + self.prune_every
            try:
                pruned = events.prune(older_than=self.settings.event_retention, now=self.clock())
            except Exception:  # the next round tries again
                log.exception("pruning old events failed")
                failed.append("prune")
        written: int | None = None
        if self.refusals is not None and (self._next_refusals is None
                                          or at >= self._next_refusals):
            self._next_refusals = at + self.refusals_every
            written = self._flush_refusals(everything=False, failed=failed)
        self.last = Done(ran, pruned, written, tuple(failed))
        return self.last

    def finish(self) -> None:
        """Write every refusal still held back (the process is stopping); never raises."""
        if self.refusals is not None:
            self._flush_refusals(everything=True, failed=[])

    def _flush_refusals(self, *, everything: bool, failed: list[str]) -> int | None:
        assert self.refusals is not None
        try:
            return flush(self.refusals, now=self.clock(), everything=everything)
        except Exception:  # held back still: the next round tries again
            log.exception("writing the refused orders failed")
            failed.append("refusals")
            return None
