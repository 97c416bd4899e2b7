"""What the queue shows: guest text literally, batches, ages, the QR panel."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from textual.widgets import Static

from bar import orders, registration, scan
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import RegistrationCode
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.screens.ask import CancelScreen
from kiosk.widgets.batch import BatchSummary
from kiosk.widgets.qr_panel import QRPanel
from tests.conftest import Factory, with_rules
from tests.kiosk.conftest import SIZE, column, column_text, label_text, wait_for


def static_text(widget: Static) -> str:
    return str(widget.content)


async def test_guest_text_is_shown_literally(app: KioskApp, make: Factory) -> None:
    make.order(make.guest("[bold red]x"), note="<script>alert(1)</script>")
    async with app.run_test(size=SIZE) as pilot:
        text = column_text(app, "pending")
        assert "#1 [bold red]x" in text
        assert "<script>alert(1)" in text
        await pilot.press("x")  # the cancel dialog names the guest too
        assert isinstance(app.screen, CancelScreen)
        question = static_text(app.screen.query_one("#ask-question", Static))
        assert question == "Cancel #1 Negroni for [bold red]x?"


async def test_names_and_notes_in_any_script_are_shown_whole(app: KioskApp, make: Factory) -> None:
    make.order(make.guest("김민준"), note="いちご多めで")
    make.order(make.guest("Дмитрий"), drink_id="espresso")
    async with app.run_test(size=SIZE):
        text = column_text(app, "pending")
        assert "#1 김민준" in text and "いちご多めで" in text
        assert "#2 Дмитрий" in text


async def test_identical_pending_drinks_are_batched(app: KioskApp, make: Factory) -> None:
    make.order(make.guest("Ana"), drink_id="negroni")
    make.order(make.guest("Bo"), drink_id="flat-white", modifiers={"milk": "oat"})
    make.order(make.guest("Cy"), drink_id="negroni")
    make.order(make.guest("Di"), drink_id="negroni", modifiers={"ice": "crushed"})
    async with app.run_test(size=SIZE) as pilot:
        batches = app.queue_screen.query_one(BatchSummary)
        assert static_text(batches) == "2× Negroni (big cube)"
        await pilot.press("c")  # Ana's Negroni is being made: no batch left
        assert not batches.display


async def test_ages_are_coloured_by_wait(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    make.order(make.guest("Old"))
    clock.advance(minutes=4)
    make.order(make.guest("New"))
    clock.advance(seconds=30)
    async with app.run_test(size=SIZE):
        lines = column_text(app, "pending").splitlines()
        assert lines[0].endswith("4m") and "#1 Old" in lines[0]
        assert [line for line in lines if "#2 New" in line][0].endswith("30s")
        pending = column(app, "pending")
        late = pending.get_component_rich_style("order-column--late")
        clock.advance(minutes=2)  # the first order is now over 5 min old
        pending.refresh()
        first = pending.render_lines(pending.region.reset_offset)[0]
        age_segment = [s for s in first if s.text.strip() == "6m"][0]
        assert age_segment.style.color == late.color


async def test_header_shows_bar_queue_and_barista(app: KioskApp, make: Factory) -> None:
    make.order(make.guest("Ana"))
    async with app.run_test(size=SIZE):
        assert label_text(app, "#bar-name") == "Friday Night Bar"
        assert label_text(app, "#queue-length") == "queue 1 of 20"
        assert label_text(app, "#barista") == "barista: Sam"


async def test_the_qr_panel_makes_the_first_invite_when_there_is_none(
    app: KioskApp, make: Factory
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        panel = app.queue_screen.query_one(QRPanel)
        assert await wait_for(pilot, lambda: panel.code is not None)  # read on a worker thread
        made = RegistrationCode.get(RegistrationCode.created_by == "kiosk")
        assert (made.max_uses, panel.code) == (app.settings.invite_max_uses, made.code)
        url = static_text(panel.query_one("#qr-url", Static))
        assert url == f"http://bar.test:8000/j/{made.code}"
        assert "█" in static_text(panel.query_one("#qr-code", Static))


async def test_the_qr_panel_shows_the_newest_active_invite(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    make.code()
    clock.advance(seconds=1)
    newest = make.code(max_uses=5)
    clock.advance(seconds=1)
    spent = make.code(max_uses=1)
    RegistrationCode.update(use_count=1).where(RegistrationCode.code == spent).execute()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.queue_screen.query_one(QRPanel)
        assert await wait_for(pilot, lambda: panel.code is not None)  # read on a worker thread
        assert panel.code == newest
        assert "5 of 5 uses left" in static_text(panel.query_one("#qr-detail", Static))
        assert not RegistrationCode.select().where(RegistrationCode.created_by == "kiosk").exists()


async def test_the_code_is_read_off_the_ui_thread(
    app: KioskApp, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy database (a write lock held elsewhere) must never stall a frame."""
    readers: list[int] = []
    join_code = registration.join_code

    def spy(*args: object, **kwargs: object) -> registration.JoinCode:
        readers.append(threading.get_ident())
        return join_code(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(registration, "join_code", spy)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.queue_screen.query_one(QRPanel)
        assert await wait_for(pilot, lambda: panel.code is not None)
    assert readers and threading.get_ident() not in readers


async def test_popup_mode_shows_the_scan_code_and_drinks_left(
    settings: Settings, keys: Keys, make: Factory, clock: FrozenClock
) -> None:
    popup = with_rules(dataclasses.replace(settings, public_url="http://bar.test:8000"),
                       mode="popup", drinks_per_window=3)
    app = KioskApp(popup, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.queue_screen.query_one(QRPanel)
        assert await wait_for(pilot, lambda: panel.code is not None)  # read on a worker thread
        current = scan.current(popup.rules, now=clock())
        assert panel.code == current.code
        detail = panel.query_one("#qr-detail", Static)
        assert static_text(detail).startswith("3 drinks left")
        orders.place_order(popup, make.guest(), drink_id="negroni", scan_code=current.code,
                           now=clock())
        panel.refresh_code()
        assert await wait_for(pilot, lambda: static_text(detail).startswith("2 drinks left"))
        clock.advance(popup.rules.rotate_every)
        panel.refresh_code()  # the timer does this every second
        assert await wait_for(pilot, lambda: panel.code != current.code)
        assert static_text(detail).startswith("3 drinks left")
