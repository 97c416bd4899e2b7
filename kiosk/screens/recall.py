"""`z`, on the queue and on tonight's screen: undo the barista's last move.

Which move, for how long, and when the rules refuse are the core's (`bar.history`):
here the kiosk asks for it under its barista's name and says what happened.
"""

from __future__ import annotations

import peewee
from textual.screen import Screen

from bar import history
from bar.errors import BarError
from kiosk.host import KioskHost


def recall(screen: Screen[None], kiosk: KioskHost) -> history.Recall | None:
    """Recall the last move of `kiosk`'s barista; notify what was undone, or why not."""
    try:
        done = history.recall(kiosk.settings, barista=kiosk.barista, now=kiosk.clock())
    except BarError as exc:
        screen.notify(exc.message, title="Recall", severity="warning", markup=False)
        return None
    except peewee.DatabaseError:
        screen.notify("The database is busy: try again", severity="error")
        return None
    screen.notify(f"Recalled {done.describe()}", title="Recall", markup=False)
    return done
