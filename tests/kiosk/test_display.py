"""`bar display`: the TV board in a terminal, updated live from the events table.

Snapshots: update with `pytest tests/kiosk/test_display.py --snapshot-update`, then look
at the SVGs. `BAR_ARTIFACTS=DIR` also saves the full board as DIR/display-tui.svg.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Digits, Static

from bar import board, notifications, orders, qr, scan, shop
from bar.cli import cli
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Guest, Order, RegistrationCode, ScanWindow
from bar.tokens import Keys
from kiosk.display import DisplayApp
from kiosk.widgets.join_panel import QUIET_ZONE, JoinPanel, picture
from kiosk.widgets.ticket_board import MAX_TICKETS, BoardColumn
from tests.conftest import Factory, with_rules
from tests.kiosk.conftest import wait_for
from tests.kiosk.test_live import elsewhere

TV = (160, 48)
INVITE = "friday-night-invite"  # fixed codes: a random one would change the QR code
SCAN_CODE = "popup-window-code"


@pytest.fixture
def party(kiosk_settings: Settings) -> Settings:
    # Room for a full board: the default queue limit would refuse the 16th order.
    return with_rules(kiosk_settings, max_queue=50)


@pytest.fixture
def popup(kiosk_settings: Settings) -> Settings:
    return with_rules(kiosk_settings, mode="popup", drinks_per_window=3)


def board_text(app: DisplayApp, status: str) -> str:
    return app.display_screen.query_one(f"#{status}", BoardColumn).plain


def label_text(app: DisplayApp, selector: str) -> str:
    return str(app.display_screen.query_one(selector, Static).content)


def place(make: Factory, settings: Settings, name: str, **kw: object) -> Order:
    """A new guest's order, placed through the core under `settings`' rules."""
    guest: Guest = make.guest(name)
    return orders.place_order(
        settings, guest, drink_id="negroni", now=make.clock(), **kw  # type: ignore[arg-type]
    ).order


def claim(order: Order, clock: FrozenClock, *, ready: bool = False) -> None:
    orders.move(order.id, orders.PREPARING, actor="barista", barista="Kim", now=clock())
    if ready:
        orders.move(order.id, orders.READY, actor="barista", barista="Kim", now=clock())


def pin_scan_code(settings: Settings, clock: FrozenClock) -> str:
    """Give the clock's scan window a fixed code (the core makes a random one)."""
    made = scan.current(settings.rules, now=clock())
    ScanWindow.update(code=SCAN_CODE).where(ScanWindow.code == made.code).execute()
    return SCAN_CODE


def pin_invite(clock: FrozenClock) -> None:
    RegistrationCode.create(
        code=INVITE, created_at=clock(), created_by="cli",
        expires_at=clock() + timedelta(hours=6), max_uses=50, use_count=12,
    )


async def code_shown(pilot: Pilot[None]) -> None:
    """The code is read on a worker thread: wait until it is on screen."""

    def shown() -> bool:  # the screen may not be composed yet
        panels = pilot.app.screen.query(JoinPanel)
        return bool(panels) and panels.first().shown is not None

    assert await wait_for(pilot, shown)


# -- live updates ---------------------------------------------------------------------------


async def test_an_order_made_ready_elsewhere_appears_live(
    party: Settings, make: Factory, clock: FrozenClock
) -> None:
    order = place(make, party, "Ana Lopez")
    claim(order, clock)
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV) as pilot:
        assert "Ana" in board_text(app, "preparing")
        assert board_text(app, "ready") == "Nothing waiting"
        # As the barista's kiosk in another process would: its own thread and connection.
        elsewhere(lambda: orders.move(
            order.id, orders.READY, actor="barista", barista="Kim", now=clock()))
        assert await wait_for(pilot, lambda: "Ana" in board_text(app, "ready"))
        assert board_text(app, "preparing") == "Nothing being made"


async def test_closing_the_bar_elsewhere_shows_closed(
    party: Settings, keys: Keys, clock: FrozenClock
) -> None:
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV) as pilot:
        assert label_text(app, "#display-state").strip() == "OPEN"
        elsewhere(lambda: shop.set_open(False, now=clock()))
        assert await wait_for(
            pilot, lambda: label_text(app, "#display-state").strip() == "CLOSED")


# -- what the boards show -----------------------------------------------------------------------


async def test_each_board_shows_at_most_14_oldest_first(
    party: Settings, make: Factory, clock: FrozenClock
) -> None:
    for n in range(1, 17):
        claim(place(make, party, f"Guest{n}"), clock)
        clock.advance(seconds=10)
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV):
        lines = board_text(app, "preparing").splitlines()
        assert len(lines) == MAX_TICKETS
        assert [line.split()[0] for line in lines] == [str(n) for n in range(1, 15)]
        assert "Guest15" not in board_text(app, "preparing")


async def test_first_names_only_and_guest_text_literally(
    party: Settings, make: Factory, clock: FrozenClock
) -> None:
    for name in ("Ana Lopez", "[red]x[/red]", "[bold red]x"):
        claim(place(make, party, name), clock, ready=True)
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV):
        ready = board_text(app, "ready")
        assert "Lopez" not in ready
        # Markup in a name is shown as typed, never applied (it would print "x" in red);
        # of "[bold red]x" the board shows its first name, "[bold", literally.
        assert [line.split() for line in ready.splitlines()] == [
            ["1", "Ana"], ["2", "[red]x[/red]"], ["3", "[bold"],
        ]
        # Ready numbers are big digits.
        numbers = app.display_screen.query_one("#ready").query(Digits)
        assert [d.value for d in numbers if d.parent and d.parent.display] == ["1", "2", "3"]


async def test_popup_shows_drinks_left_countdown_and_a_spent_window(
    popup: Settings, make: Factory, clock: FrozenClock
) -> None:
    code = pin_scan_code(popup, clock)
    clock.advance(minutes=2, seconds=29)  # windows are 5 min: the next code in 2:31
    app = DisplayApp(popup, clock=clock)
    async with app.run_test(size=TV) as pilot:
        await code_shown(pilot)
        assert label_text(app, "#join-headline") == "3 drinks left"
        assert label_text(app, "#join-countdown") == "New code in 2:31"
        for name in ("Ana", "Bo", "Cy"):  # phones ordering through the web process
            guest = make.guest(name)
            elsewhere(partial(
                orders.place_order, popup, guest, drink_id="negroni", scan_code=code, now=clock()))
        assert await wait_for(
            pilot, lambda: label_text(app, "#join-headline") == "We're making drinks!", 3.0)
        clock.advance(seconds=1)
        assert await wait_for(
            pilot, lambda: label_text(app, "#join-countdown") == "New code in 2:30", 3.0)
        # The next window: a new code with its drinks, within the 1 s tick.
        clock.advance(minutes=3)
        assert await wait_for(
            pilot, lambda: label_text(app, "#join-headline") == "3 drinks left", 3.0)
        assert SCAN_CODE not in label_text(app, "#join-url")


async def test_the_code_grows_when_the_terminal_widens(
    popup: Settings, keys: Keys, clock: FrozenClock
) -> None:
    pin_scan_code(popup, clock)
    app = DisplayApp(popup, clock=clock)
    async with app.run_test(size=(120, 48)) as pilot:
        qr_width = lambda: app.display_screen.query_one("#join-qr").size.width  # noqa: E731
        assert await wait_for(pilot, lambda: qr_width() > 0)
        narrow = qr_width()  # too narrow for more than half blocks
        await pilot.resize_terminal(200, 48)  # wider, not taller: only the screen hears it
        assert await wait_for(pilot, lambda: qr_width() == 2 * narrow)


async def test_waiting_orders_are_in_line_and_the_rest_counted(
    party: Settings, make: Factory, clock: FrozenClock
) -> None:
    placed = [place(make, party, f"Guest{n} Surname", note="no ice please") for n in range(20)]
    claim(placed[0], clock)
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV) as pilot:
        line = app.display_screen.query_one("#waiting", BoardColumn)
        assert line.border_title == "In line · 19"
        lines = board_text(app, "waiting").splitlines()
        assert [ln.split() for ln in lines] == [[str(o.number), f"Guest{n}"]
                                                 for n, o in enumerate(placed) if n][:len(lines)]
        assert len(lines) == 19  # 160×48 holds them all
        assert "no ice" not in board_text(app, "waiting")

        # A shorter terminal: as many as fit, then "+N more".
        await pilot.resize_terminal(160, 24)
        await pilot.pause()
        lines = board_text(app, "waiting").splitlines()
        shown = len(lines) - 1
        assert 5 <= shown < 19
        assert lines[-1] == f"+{19 - shown} more"
        assert lines[0].split() == [str(placed[1].number), "Guest1"]

        # Claimed elsewhere: it leaves the line for Preparing.
        elsewhere(lambda: orders.move(
            placed[1].id, orders.PREPARING, actor="barista", barista="Kim", now=clock()))
        assert await wait_for(pilot, lambda: line.border_title == "In line · 18")
        assert "Guest1" in board_text(app, "preparing")


async def test_an_announcement_shows_then_goes(
    party: Settings, keys: Keys, clock: FrozenClock
) -> None:
    app = DisplayApp(party, clock=clock)
    async with app.run_test(size=TV) as pilot:
        news = app.display_screen.query_one("#display-news", Static)
        assert not news.display
        # As `bar announce` or the kiosk's `m` would, from another process.
        elsewhere(lambda: notifications.announce("[bold]Last call![/bold]", now=clock()))
        assert await wait_for(pilot, lambda: news.display)
        assert str(news.content) == "[bold]Last call![/bold]"  # literally, never markup
        clock.advance(board.ANNOUNCEMENT_SHOWN_FOR)
        app.refresh_boards()  # what its timer does when the time is up
        assert await wait_for(pilot, lambda: not news.display)


async def test_no_code_on_the_board_when_the_host_turned_it_off(
    party: Settings, make: Factory, clock: FrozenClock
) -> None:
    pin_invite(clock)
    claim(place(make, party, "Ana"), clock, ready=True)
    app = DisplayApp(dataclasses.replace(party, show_join_code=False), clock=clock)
    async with app.run_test(size=TV) as pilot:
        await pilot.pause()
        assert not app.display_screen.query(JoinPanel)
        assert "Ana" in board_text(app, "ready")


# -- snapshots ----------------------------------------------------------------------------------


def save_artifact(app: DisplayApp, name: str) -> None:
    if out := os.environ.get("BAR_ARTIFACTS"):
        app.save_screenshot(filename=name, path=out)


def test_snapshot_full_board(
    snap_compare: Callable[..., bool], party: Settings, make: Factory, clock: FrozenClock
) -> None:
    """15 claimed (14 fit), 4 ready, one in line, and the invite."""
    names = ["Ana Lopez", "Bo", "Cy", "Dee Dee Ramone", "Eli", "Fay", "Gus", "Hana", "Ivo",
             "[bold red]x", "Jun", "Kai", "Lea", "Mo", "Nils", "Oona", "Pia", "Quinn", "Rafa"]
    for index, name in enumerate(names):
        claim(place(make, party, name), clock, ready=index in (1, 4, 7, 12))
        clock.advance(seconds=20)
    place(make, party, "Sol")
    clock.advance(minutes=1)  # the pinned invite is the newest: the one the display shows
    pin_invite(clock)
    app = DisplayApp(party, clock=clock)

    async def settle(pilot: Pilot[None]) -> None:
        await code_shown(pilot)
        await pilot.pause(0.1)
        save_artifact(pilot.app, "display-tui.svg")  # type: ignore[arg-type]

    assert snap_compare(app, terminal_size=TV, run_before=settle)


def test_snapshot_popup_window_spent(
    snap_compare: Callable[..., bool], popup: Settings, make: Factory, clock: FrozenClock
) -> None:
    """Pop-up mode: the window's three drinks are taken; the next code in 2:31."""
    code = pin_scan_code(popup, clock)
    clock.advance(minutes=2, seconds=29)
    placed = [place(make, popup, name, scan_code=code) for name in ("Ana", "Bo", "Cy")]
    claim(placed[0], clock, ready=True)
    claim(placed[1], clock)
    app = DisplayApp(popup, clock=clock)

    async def settle(pilot: Pilot[None]) -> None:
        await code_shown(pilot)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=TV, run_before=settle)


# -- the command and the code's drawing --------------------------------------------------


def test_bar_display_help() -> None:
    result = CliRunner().invoke(cli, ["display", "--help"])
    assert result.exit_code == 0
    assert "TV board" in result.output



@pytest.mark.parametrize("room", [(40, 20), (80, 40), (120, 60)])
def test_the_big_code_keeps_every_module(room: tuple[int, int]) -> None:
    """Drawn at any scale, the half blocks read back as the code's own modules."""
    code = qr.make("http://bar.test:8000/join?code=popup-window-code")
    lines = picture(code, width=room[0], height=room[1]).splitlines()
    side = int(code.symbol_size(border=QUIET_ZONE)[0])
    scale = len(lines[0]) // side
    assert scale == {40: 1, 80: 2, 120: 3}[room[0]]

    def light(x: int, y: int) -> bool:
        cell = lines[y // 2][x]
        return cell == "█" or cell == ("▀" if y % 2 == 0 else "▄")

    for row, modules in enumerate(code.matrix):
        for col, dark in enumerate(modules):
            x, y = (col + QUIET_ZONE) * scale, (row + QUIET_ZONE) * scale
            assert light(x, y) != bool(dark), (row, col)
