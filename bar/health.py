"""Is the web server up? What the kiosk's header says about it, decided here.

`HealthWatch.check()` asks the server's `/healthz` (which also says how many phones
are connected) and, under `bar up`, the server process itself (`bar.up.WebServer`):
a process that exited is down at once, with its reason; a server that stops answering
is down after `MISSES` checks in a row (one slow answer on a busy laptop is not an
outage), and down since the first of them. The kiosk calls it every `CHECK_EVERY`
seconds off its UI thread and renders the `Health` it returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from bar.tls import loopback_opener

if TYPE_CHECKING:
    from bar.up import WebServer

CHECK_EVERY = 3.0  # seconds between checks
CHECK_TIMEOUT = 2.0  # seconds a check waits for /healthz
MISSES = 2  # checks in a row without an answer before a server counts as down

# What the kiosk knows of the server.
CHECKING: Final = "checking"  # no answer yet, either way
UP: Final = "up"  # it answers /healthz
DOWN: Final = "down"  # it does not answer (its process, if ours, is still there)
STOPPED: Final = "stopped"  # `bar up`'s own server process is gone
STARTING: Final = "starting"  # `bar up` is (re)starting it

# No proxy: the server is on this machine, whatever HTTP_PROXY says (and over HTTPS,
# its certificate names the LAN host, not loopback).
_opener = loopback_opener()


@dataclass(frozen=True)
class Health:
    """The web server as the kiosk last saw it."""

    state: str = CHECKING
    # DOWN / STOPPED: since when (the first check it missed, or when its process was
    # found gone). None: never seen up (a `bar kiosk` with no server running).
    since: datetime | None = None
    phones: int | None = None  # UP: guests' pages connected (None: the server does not say)
    reason: str = ""  # STOPPED: why ("exit status 1: <the last line of its log>")
    own: bool = False  # `bar up` started it, so the kiosk may restart it

    @property
    def restartable(self) -> bool:
        """`bar up`'s server is down or gone: the kiosk offers to restart it."""
        return self.own and self.state in (DOWN, STOPPED)


class HealthWatch:
    """Checks one web server: `url` (its base), and its process when `server` is ours.

    Not thread-safe: one thread checks (the kiosk's watcher).
    """

    def __init__(
        self, url: str, *, server: WebServer | None = None, timeout: float = CHECK_TIMEOUT
    ) -> None:
        self.url = url
        self.server = server
        self.timeout = timeout
        self._misses = 0
        self._first_miss: datetime | None = None
        # `bar up` starts the kiosk once its server answered: it was up from the start.
        self._seen_up = server is not None
        self._last = Health(own=server is not None)

    def check(self, now: datetime) -> Health:
        """Ask the server (and its process) once; the health to show from `now` on."""
        last, own = self._last, self.server is not None
        if self.server is not None:
            state = self.server.state()
            if state.starting:
                return self._now(Health(STARTING, own=True))
            if not state.running:
                # Down since it was first found down (not answering, or gone).
                gone = last.since if last.state in (DOWN, STOPPED) and last.since else now
                return self._now(Health(STOPPED, since=gone, reason=state.reason, own=True))
        answered, phones = self._ask()
        if answered:
            self._seen_up = True
            return self._now(Health(UP, phones=phones, own=own))
        self._misses += 1
        if self._first_miss is None:
            self._first_miss = now
        if last.state == UP and self._misses < MISSES:
            return last  # one slow answer: still up
        since = self._first_miss if self._seen_up else None
        return self._now(Health(DOWN, since=since, own=own))

    def _now(self, health: Health) -> Health:
        if health.state != DOWN:  # the next miss starts a new count
            self._misses, self._first_miss = 0, None
        self._last = health
        return health

    def _ask(self) -> tuple[bool, int | None]:
        """Whether the server answered /healthz with a 200, and its count of guests'
        pages (None if it does not say)."""
        try:
            with _opener.open(f"{self.url}/healthz", timeout=self.timeout) as response:
                if response.status != 200:
                    return False, None
                body = json.loads(response.read(4096) or b"{}")
        except (OSError, ValueError):
            return False, None
        phones = body.get("guest_sockets") if isinstance(body, dict) else None
        return True, phones if isinstance(phones, int) else None
