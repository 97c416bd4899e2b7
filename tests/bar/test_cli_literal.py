"""Text typed by guests (or over the admin API) is printed by every `bar` command as it is.

Rich markup in a name must not turn into a terminal hyperlink or a style, and a name
like `x[/bold]` must not crash a table with a `MarkupError`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bar import datadir, orders, registration
from bar.cli.base import console
from bar.clock import utcnow
from bar.config import Settings
from bar.models import Drink, Order
from tests.conftest import run_cli

# A hyperlink, a style, a closing tag with no opening one (a MarkupError), an emoji code.
EVIL = ("[link=http://evil]click[/link]", "[bold red]X[/]", "x[/bold]", ":beer: [i]")


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # A wide terminal keeps each cell on one line, so a name is found whole. (COLUMNS
    # would do, but the console reads it once, at import, when it is set then.)
    monkeypatch.setattr(console, "_width", 300)


@pytest.fixture
def placed(settings: Settings, keys) -> list[Order]:
    """One open order per evil name, each with an evil note (today, by the real clock)."""
    now = utcnow()
    code = registration.create_code(max_uses=10, expires_at=now + timedelta(days=1), now=now)
    keys_ = datadir.open_bar(settings)
    made = []
    for name, note in zip(EVIL, reversed(EVIL), strict=True):
        guest = registration.register(settings, keys_, code=code.code, username=name, now=now).guest
        made.append(orders.place_order(settings, guest, drink_id="negroni", note=note, now=now).order)
    return made


def _out(settings: Settings, *args: str) -> str:
    return run_cli(settings.data_dir, *args).output  # asserts exit status 0


@pytest.mark.parametrize("args", [(), ("--all",)])
def test_orders_prints_names_and_notes_literally(settings, placed, args):
    out = _out(settings, "orders", *args)
    for text in EVIL:
        assert out.count(text) == 2  # once as a name, once as a note
    assert "\x1b" not in out


def test_orders_move_prints_the_name_literally(settings, placed):
    out = _out(settings, "orders", "move", str(placed[0].number), "preparing")
    assert out == f"#{placed[0].number} Negroni for {EVIL[0]} is preparing\n"


def test_guests_list_and_kick_print_names_literally(settings, placed):
    listed = _out(settings, "guests", "list")
    assert all(name in listed for name in EVIL)
    assert _out(settings, "guests", "kick", EVIL[2]).startswith(f"Signed out {EVIL[2]} (")


def test_codes_list_prints_notes_literally(settings, keys):
    now = utcnow()
    for note in EVIL:
        registration.create_code(max_uses=1, expires_at=now + timedelta(days=1), notes=note, now=now)
    out = _out(settings, "codes", "list")
    assert all(note in out for note in EVIL)


def test_events_print_names_and_announcements_literally(settings, placed):
    _out(settings, "announce", EVIL[1])
    out = _out(settings, "events")
    assert f"Negroni for {EVIL[2]}: pending" in out
    assert out.rstrip().endswith(EVIL[1])


def test_planned_announcements_print_literally(settings, keys):
    _out(settings, "announce", "--at", "10m", EVIL[2])
    out = _out(settings, "announce", "--planned")
    assert repr(EVIL[2]) in out


def test_menu_and_stats_print_drink_names_literally(settings, placed):
    # Drink names come from bar.toml or an admin; still printed as they are.
    Drink.update(name=EVIL[2]).where(Drink.id == "negroni").execute()
    Drink.update(name=EVIL[0], is_active=False).where(Drink.id == "espresso").execute()
    menu_out = _out(settings, "menu", "list")
    assert EVIL[2] in menu_out and EVIL[0] in menu_out
    assert EVIL[2] in _out(settings, "stats")
