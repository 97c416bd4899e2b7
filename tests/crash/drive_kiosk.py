"""A real kiosk, driven by keys as fast as it goes, until it is killed.

Run as `python -m tests.crash.drive_kiosk DATA_DIR`: the crash test kills it with
SIGKILL in the middle of this stream of changes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bar import datadir
from bar.clock import utcnow
from tests.conftest import make_settings


async def drive(data_dir: Path) -> None:
    from kiosk.app import KioskApp

    settings = make_settings(data_dir, max_queue=10_000)
    datadir.open_bar(settings)
    app = KioskApp(settings, clock=utcnow, barista="Crash")
    async with app.run_test(size=(120, 40)) as pilot:
        print("driving", flush=True)
        while True:  # claim one, make one ready, serve one; again
            await pilot.press("h", "h", "a", "l", "a", "l", "a")


if __name__ == "__main__":
    asyncio.run(drive(Path(sys.argv[1])))
