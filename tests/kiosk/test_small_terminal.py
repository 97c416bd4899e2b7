"""At 80×24 the queue stays usable, the join URL stays on screen with a word on how to see
the QR code, and every key can be found: the footer keeps the essential ones and `?`,
which lists them all."""

from __future__ import annotations

from textual.widgets import Static

from bar.clock import FrozenClock
from bar.net import join_url
from kiosk.app import KioskApp
from kiosk.screens.keys import KeysScreen
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.order_column import OrderColumn
from kiosk.widgets.qr_panel import WIDEN, QRPanel
from tests.conftest import Factory
from tests.kiosk.conftest import screen_lines, wait_for
from tests.kiosk.test_snapshots import INVITE, fill_the_bar

SMALL = (80, 24)


async def code_shown(pilot: object, app: KioskApp) -> bool:
    return await wait_for(pilot, lambda: app.queue_screen.query_one(QRPanel).code == INVITE)  # type: ignore[arg-type]


async def test_at_80x24_the_join_url_and_the_widen_hint_are_on_screen(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    fill_the_bar(make, clock)
    async with app.run_test(size=SMALL) as pilot:
        assert await code_shown(pilot, app)
        await pilot.pause(0.2)
        screen = "\n".join(screen_lines(app))
        assert f"Join: {join_url(app.settings, INVITE)}" in screen
        assert WIDEN == "widen the window for the QR — press v"
        assert WIDEN in screen
        assert "45 of 50 uses left" in screen
        assert not app.queue_screen.query_one("#qr-code", Static).display  # no cropped code

        # The three columns keep room for their cards.
        for column in app.queue_screen.query(OrderColumn):
            assert column.region.width >= 20 and column.region.height >= 12
        assert "#1 Ana Lopez" in screen and "#2 Dee" in screen and "#5 Eli" in screen

        # The footer's last row: the keys that move orders, and `?` for the rest.
        bottom = screen_lines(app)[-1]
        assert bottom.rstrip().endswith("? Keys")
        for key in ("c Claim", "a/⏎ Advance", "u Unclaim", "x Cancel", "f Follow: on"):
            assert key in bottom


async def test_wide_enough_the_qr_code_comes_back(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    fill_the_bar(make, clock)
    async with app.run_test(size=SMALL) as pilot:
        assert await code_shown(pilot, app)
        panel = app.queue_screen.query_one(QRPanel)
        assert panel.compact
        await pilot.resize_terminal(160, 48)
        assert await wait_for(pilot, lambda: not panel.compact)
        await pilot.pause(0.2)
        screen = "\n".join(screen_lines(app))
        assert "Scan to join" in screen and WIDEN not in screen
        assert app.queue_screen.query_one("#qr-code", Static).display
        assert "█" in screen or "▀" in screen  # the code itself
        # Wide but short: the code would be cut, so the strip again.
        await pilot.resize_terminal(160, 24)
        assert await wait_for(pilot, lambda: panel.compact)


async def test_question_mark_lists_every_key_even_those_the_footer_hides(
    app: KioskApp,
) -> None:
    async with app.run_test(size=SMALL) as pilot:
        footer = app.queue_screen.query_one(KioskFooter)
        assert await wait_for(pilot, lambda: "? Keys" in footer.shown)
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysScreen)
        listed = [f"{key} {description}" for key, description in app.screen.keys]
        hidden = set(listed) - set(footer.shown)
        # No room for some at 80 columns: they are in the list, and work all the same.
        assert {"s Stats", "m Announce"} <= hidden
        for key in ("c Claim", "a/⏎ Advance", "u Unclaim", "x Cancel", "f Follow: on",
                    "o Open/close", "r Refresh", "? Keys", "q / ^q Quit", "↑ / k Previous order",
                    "↓ / j Next order", "← / h Column left", "→ / l Column right"):
            assert key in listed, key
        assert "R Restart server" not in listed  # only while `bar up`'s server is down
        await pilot.pause(0.2)
        screen = "\n".join(screen_lines(app))
        assert "Open/close" in screen and "Announce" in screen  # the list fits on screen
        await pilot.press("escape")
        assert not isinstance(app.screen, KeysScreen)
