"""What the kiosk's screens read from the app that hosts them.

Screens know this protocol, never `kiosk.app`: the app imports its screens, so a
screen importing the app (even for a type) would close an import loop.
"""

from __future__ import annotations

from typing import Protocol

from bar.clock import Clock
from bar.config import Settings
from bar.estimates import PrepTimes
from bar.health import Health
from bar.spool import PrinterState
from kiosk.board import Board


class KioskHost(Protocol):
    settings: Settings
    clock: Clock
    barista: str | None
    board: Board
    prep: PrepTimes
    is_open: bool
    server_health: Health | None
    station: str | None  # `bar kiosk --station`: that station only, for good
    # The station whose orders it shows (`--station`, or chosen with `w`); None: all.
    showing: str | None

    def show_station(self, station: str | None) -> None: ...
    printer_state: PrinterState | None
