"""What the two QR panels share: reading the code guests scan off the UI thread.

Which code is current, and making one when there is none, is the core's business
(`bar.registration.join_code`), and it is database work: a worker thread asks, and
posts the answer back to the panel, which draws it. A busy database never stalls a
frame.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import peewee
from textual import on, work
from textual.containers import Vertical
from textual.message import Message
from textual.worker import get_current_worker

from bar import registration
from bar.clock import Clock
from bar.config import Settings
from bar.db import db
from bar.errors import BarError, NoInvite


class CodePanel(Vertical):
    """A panel that shows the current join code; subclasses draw it.

    At a party the host's invites can run out (used up, expired, revoked): the core
    then makes none by itself (`bar.registration.current_invite`), and the panel says
    so (`show_no_invite`) until the host makes the next one.
    """

    created_by: ClassVar[str]  # who the core names as the maker of an invite made for us

    class CodeRead(Message):
        """The core's answer: the code (or why there is none) at `now`."""

        bubble = False  # the panel's own business

        def __init__(
            self, shown: registration.JoinCode | None, now: datetime, error: str = "",
            no_invite: str = "",
        ) -> None:
            super().__init__()
            self.shown = shown
            self.now = now
            self.error = error
            self.no_invite = no_invite  # what became of the host's last invite

    def __init__(
        self, settings: Settings, *, clock: Clock, id: str | None = None,
        station: str | None = None,
    ) -> None:
        """`station`: in pop-up mode, show that station's scan code (`bar.scan`)."""
        super().__init__(id=id)
        self._settings = settings
        self._clock = clock
        self._station = station

    def on_mount(self) -> None:
        self.refresh_code()
        # A scan code rotates every few minutes and its countdown ticks each second; an
        # invite changes only when it is used up or expires.
        self.set_interval(1.0 if self._settings.rules.popup else 15.0, self.refresh_code)

    def refresh_code(self) -> None:
        """Ask the core for the current code; it is drawn when the answer comes."""
        self._read_code(self._clock())

    @work(thread=True, exclusive=True, group="join-code", name="join code")
    def _read_code(self, now: datetime) -> None:
        worker = get_current_worker()
        try:
            answer = self.CodeRead(
                registration.join_code(self._settings, now=now, created_by=self.created_by,
                                       station=self._station), now
            )
        except NoInvite as exc:
            answer = self.CodeRead(None, now, no_invite=exc.status)
        except (BarError, peewee.DatabaseError) as exc:
            message = exc.message if isinstance(exc, BarError) else "database busy"
            answer = self.CodeRead(None, now, error=message)
        finally:
            db.close()  # this thread's connection: the next read may run on another thread
        if not worker.is_cancelled:  # a newer read was asked for: its answer is fresher
            self.post_message(answer)

    @on(CodeRead)
    def _code_read(self, message: CodeRead) -> None:
        if message.no_invite:
            self.show_no_invite(message.no_invite)
        elif message.shown is None:
            self.show_error(message.error)
        else:
            self.show_code(message.shown, message.now)

    def show_code(self, shown: registration.JoinCode, now: datetime) -> None:
        """Draw the code (on the UI thread)."""
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        """The core could not say which code is current."""
        raise NotImplementedError

    def show_no_invite(self, status: str) -> None:
        """No invite registers guests: the last one is `status` ("used up", "expired")."""
        raise NotImplementedError
