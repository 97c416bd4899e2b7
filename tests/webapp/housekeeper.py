"""A process that runs the bar's housekeeping (`bar.housekeeping`) round after round,
as every `bar serve` and kiosk does every few seconds, but with no pause between.

Run as `python -m tests.webapp.housekeeper DATA_DIR SECONDS` (on `BAR_DATABASE_URL`):
it says `ready`, waits for a line on its input (so two start together), runs rounds for
SECONDS, and prints what it did as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bar import datadir
from bar.clock import utcnow
from bar.housekeeping import Housekeeping
from tests.conftest import make_settings


def main(data_dir: Path, seconds: float) -> None:
    settings = make_settings(data_dir)
    datadir.open_database(settings)
    chores = Housekeeping(settings, utcnow, timers_every=0)
    print("ready", flush=True)
    sys.stdin.readline()
    done = {"rounds": 0, "expired": 0, "reminded": 0, "scheduled": 0, "failed": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        round_ = chores.tick()
        done["rounds"] += 1
        done["failed"] += len(round_.failed)
        if round_.ran is not None:
            done["expired"] += len(round_.ran.expired)
            done["reminded"] += len(round_.ran.reminded)
            done["scheduled"] += len(round_.ran.scheduled)
    print(json.dumps(done), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), float(sys.argv[2]))
