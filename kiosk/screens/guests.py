"""Tonight's guests, one key (`g`) from the queue: who joined, their open orders; kick
one (with a yes first) or let them back.

The kick is the core's (`bar.guests.kick`, as `bar guests kick` does): their tokens
stop working, their pages go back to the join screen, and their name and phone are
kept out until the night ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding

from bar import guests, kicks
from kiosk.screens.ask import ConfirmScreen
from kiosk.screens.listing import ListScreen, Row, local_hhmm


class GuestsScreen(ListScreen):
    """The guests who joined or were seen tonight, and whoever is kept out."""

    heading = "Guests tonight"
    columns = ("Guest", "Open orders", "Orders", "Joined", "Last seen", "Phones", "Status")
    hint = "x kicks the guest (signed out, kept out tonight) · u lets them back"
    BINDINGS = [
        Binding("x", "kick", "Kick"),
        Binding("u", "unkick", "Unkick"),
        Binding("g", "app.pop_screen", "Queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._guests: dict[str, guests.GuestRow] = {}

    def read(self) -> Iterable[Row]:
        now, day_starts_at = self.kiosk.clock(), self.kiosk.settings.day_starts_at
        since = kicks.night_starts(now, day_starts_at=day_starts_at)
        self._guests = {row.user_key: row for row in guests.list_guests(now=now, since=since)}
        for row in self._guests.values():
            if row.kicked_until is not None:
                status = Text(f"kicked until {local_hhmm(row.kicked_until)}", style="bold red")
            else:
                status = Text("here", style="green") if row.is_active else Text("signed out")
            yield row.user_key, (
                Text(row.username), Text(str(row.open_orders)), Text(str(row.orders)),
                Text(local_hhmm(row.created_at)), Text(local_hhmm(row.last_login)),
                Text(str(row.sessions)), status,
            )

    def action_kick(self) -> None:
        """Kick the selected guest, once the host says yes."""
        key = self.selected_or_say("guest")
        if key is None:
            return
        kiosk, guest = self.kiosk, self._guests[key]
        if guest.kicked_until is not None:
            self.notify(f"{guest.username} is already kicked for tonight", markup=False)
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            kick = self.attempt(lambda: guests.kick(
                key, day_starts_at=kiosk.settings.day_starts_at, now=kiosk.clock()))
            if kick is not None:
                self.notify(f"{kick.username} is signed out and kept out until "
                            f"{local_hhmm(kick.until)} (u lets them back)", markup=False)
                self.load()

        until = kicks.night_ends(kiosk.clock(), day_starts_at=kiosk.settings.day_starts_at)
        question = Text.assemble(
            ("Kick ", "bold"), (guest.username, "bold"), ("?", "bold"),
            f"\nSigned out on every phone; their name and phone cannot join again until "
            f"{local_hhmm(until)}. Their orders stay as they are.")
        self.app.push_screen(ConfirmScreen(question, yes="kick", no="keep them"), answer)

    def action_unkick(self) -> None:
        """Let the selected guest join again tonight."""
        key = self.selected_or_say("guest")
        if key is None:
            return
        guest = self._guests[key]
        if guest.kicked_until is None:
            self.notify(f"{guest.username} is not kicked", markup=False)
            return
        kiosk = self.kiosk
        if self.attempt(lambda: guests.unkick(key, now=kiosk.clock())) is not None:
            self.notify(f"{guest.username} may join again tonight", markup=False)
            self.load()
