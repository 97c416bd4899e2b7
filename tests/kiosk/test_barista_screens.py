"""The barista's screens: drinks (`d`), invites (`i`), guests (`g`), tonight (`t`),
recall (`z`) and the full-screen QR code (`v`), each one key from the queue.

Each test drives the real kiosk over a fresh data dir and checks the outcome where it
matters: in the database through the core, and through the real web app's API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rich.text import Text
from textual.widgets import DataTable, Input, Label, Static

from bar import events, joincodes, orders
from bar.clock import FrozenClock
from bar.config import Settings
from bar.models import Drink, Kick, Order, RegistrationCode
from bar.payloads import OrderStatusChanged
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.display import DisplayApp
from kiosk.screens.ask import ConfirmScreen, NewInviteScreen
from kiosk.screens.drinks import DrinksScreen
from kiosk.screens.guests import GuestsScreen
from kiosk.screens.invites import InvitesScreen
from kiosk.screens.qr import QRScreen
from kiosk.screens.queue import QueueScreen
from kiosk.screens.tonight import TonightScreen
from kiosk.widgets.full_qr import FullQR
from kiosk.widgets.join_panel import JoinPanel
from kiosk.widgets.qr_panel import QRPanel
from tests.conftest import Factory
from tests.kiosk.conftest import column_text, wait_for
from webapp import create_app

SIZE = (160, 48)


@pytest.fixture
def web(kiosk_settings: Settings, keys: Keys, clock: FrozenClock) -> Iterator[FlaskClient]:
    """The guests' side: the real web app on the same data dir."""
    app: Flask = create_app(kiosk_settings, clock=clock)
    app.testing = True
    yield app.test_client()
    app.extensions["bar"].hub.stop()


def table_rows(app: KioskApp) -> list[list[str]]:
    table = app.screen.query_one("#list-table", DataTable)
    return [[Text.assemble(cell).plain for cell in table.get_row_at(i)]
            for i in range(table.row_count)]


def notices(app: KioskApp) -> list[str]:
    return [n.message for n in app._notifications]


def register(web: FlaskClient, make: Factory, name: str) -> dict[str, str]:
    answer = web.post("/api/register", json={"username": name},
                      headers={"X-Registration-Code": make.code()})
    assert answer.status_code == 201, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


# -- d: drinks -----------------------------------------------------------------------------


async def test_d_switches_a_drink_out_of_stock_for_the_guests(
    app: KioskApp, web: FlaskClient, make: Factory
) -> None:
    guest = register(web, make, "Ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, DrinksScreen)
        assert table_rows(app)[0][:4] == ["Negroni", "Cocktails", "", "● in stock"]

        await pilot.press("space")  # the cursor starts on the first drink
        assert not Drink.get_by_id("negroni").is_active
        assert table_rows(app)[0][3] == "○ out of stock"
        menu = {d["id"]: d["is_active"] for d in web.get("/api/menu").json["drinks"]}
        assert menu["negroni"] is False
        refused = web.post("/api/orders", json={"drink_id": "negroni"}, headers=guest)
        assert refused.status_code == 404 and refused.json["error"]["code"] == "drink_unavailable"
        assert any(e.type == events.MENU_CHANGED for e in events.read_since(0, [events.CONFIG]))

        await pilot.press("enter")  # enter switches it back
        assert Drink.get_by_id("negroni").is_active
        assert web.post("/api/orders", json={"drink_id": "negroni"}, headers=guest).status_code == 201

        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_p_prices_a_drink_and_r_retires_and_restores_it_live(
    app: KioskApp, web: FlaskClient, make: Factory
) -> None:
    guest = register(web, make, "Ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d", "p")
        await pilot.press(*"8.5", "enter")
        assert Drink.get_by_id("negroni").price == 8.5
        assert table_rows(app)[0][2] == "8.50"
        menu = {d["id"]: d for d in web.get("/api/menu").json["drinks"]}
        assert menu["negroni"]["price"] == 8.5

        await pilot.press("p", *"cheap", "enter")  # refused: a notice, nothing changes
        assert Drink.get_by_id("negroni").price == 8.5
        assert any("not a number" in m for m in notices(app))

        await pilot.press("r")
        assert not Drink.get_by_id("negroni").on_menu
        assert "negroni" not in {d["id"] for d in web.get("/api/menu").json["drinks"]}
        refused = web.post("/api/orders", json={"drink_id": "negroni"}, headers=guest)
        assert refused.status_code == 404
        assert await wait_for(pilot, lambda: table_rows(app)[-1][3] == "retired")  # last, dimmed

        await pilot.press("r")  # the cursor followed it: r brings it back
        assert Drink.get_by_id("negroni").on_menu
        placed = web.post("/api/orders", json={"drink_id": "negroni"}, headers=guest)
        assert placed.status_code == 201 and placed.json["order"]["price"] == 8.5


# -- i: invites, and invites that run out (item 6) ------------------------------------------


async def test_i_makes_an_invite_with_the_hosts_limits_and_revokes_one(
    app: KioskApp, web: FlaskClient, make: Factory, clock: FrozenClock
) -> None:
    old = make.code(max_uses=3)
    clock.advance(seconds=1)  # the new code is the newer one (a frozen clock makes ties)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, InvitesScreen)
        assert table_rows(app)[0][:3] == [joincodes.grouped(old), "active", "0 of 3"]

        await pilot.press("n")
        assert isinstance(app.screen, NewInviteScreen)
        # bar.toml's [invites] fill the form in.
        assert app.screen.query_one("#invite-uses", Input).value == "25"
        assert app.screen.query_one("#invite-valid", Input).value == "1d"
        app.screen.query_one("#invite-uses", Input).value = "0"
        await pilot.press("enter")
        error = app.screen.query_one("#invite-error", Static)
        assert "max_uses must be a whole number from 1" in str(error.render())  # the core's rule
        app.screen.query_one("#invite-uses", Input).value = "7"
        app.screen.query_one("#invite-valid", Input).value = "3h"
        app.screen.query_one("#invite-notes", Input).value = "[b]the neighbours"
        await pilot.press("enter")
        assert isinstance(app.screen, InvitesScreen)
        made = RegistrationCode.get(RegistrationCode.max_uses == 7)
        assert made.expires_at == app.clock() + timedelta(hours=3)
        assert (made.notes, made.created_by) == ("[b]the neighbours", "Sam")
        newest = table_rows(app)[0]
        assert newest[0] == joincodes.grouped(made.code) and "[b]the neighbours" in newest

        await pilot.press("down", "x")  # the cursor is on the new code: down to the old one
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # no: nothing changes
        assert not RegistrationCode.get_by_id(old).revoked
        await pilot.press("x", "y")
        assert RegistrationCode.get_by_id(old).revoked
        assert table_rows(app)[1][1] == "revoked"
        refused = web.post("/api/register", json={"username": "Bo"},
                           headers={"X-Registration-Code": old})
        assert refused.status_code == 403 and refused.json["error"]["code"] == "code_revoked"

        await pilot.press("up", "enter")  # the new code's QR, full screen
        assert isinstance(app.screen, QRScreen)
        qr = app.screen.query_one(FullQR)
        assert qr.code == made.code
        assert str(qr.query_one("#fq-url", Static).render()) == \
            f"http://bar.test:8000/j/{made.code}"
        assert "█" in str(qr.query_one("#fq-code", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, InvitesScreen)


async def test_a_used_up_invite_says_so_and_i_makes_the_next(
    app: KioskApp, web: FlaskClient, make: Factory
) -> None:
    spent = make.code(max_uses=1)
    RegistrationCode.update(use_count=1).where(RegistrationCode.code == spent).execute()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.queue_screen.query_one(QRPanel)
        assert await wait_for(pilot, lambda: panel.no_invite == "used up")
        assert str(panel.query_one("#qr-code", Static).render()) == \
            "Invite code used up —\npress i to make one"
        assert RegistrationCode.select().count() == 1  # nothing made behind the host's back
        # A notification is posted as a message: it may show a moment after the panel.
        said = "Invite code used up: guests cannot join. Press i to make one."
        assert await wait_for(pilot, lambda: said in notices(app))

        await pilot.press("i")  # no code lets anyone in: the form is open at once
        assert isinstance(app.screen, NewInviteScreen)
        await pilot.press("enter")  # bar.toml's limits, as they are
        made = RegistrationCode.get(RegistrationCode.code != spent)
        assert (made.max_uses, made.expires_at) == (25, app.clock() + app.settings.invite_valid_for)

        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        assert await wait_for(pilot, lambda: panel.code == made.code)
        assert not panel.has_class("-no-invite")
        joined = web.post("/api/register", json={"username": "Ana"},
                          headers={"X-Registration-Code": made.code})
        assert joined.status_code == 201


async def test_the_tv_shows_no_spent_code(
    kiosk_settings: Settings, make: Factory, clock: FrozenClock
) -> None:
    expired = make.code(expires=timedelta(minutes=5))
    clock.advance(minutes=6)
    app = DisplayApp(kiosk_settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(JoinPanel)
        title = panel.query_one("#join-title", Label)
        assert await wait_for(pilot, lambda: str(title.render()) == "Ask at the bar to join")
        assert str(panel.query_one("#join-qr", Static).render()) == ""
        assert [row.code for row in RegistrationCode.select()] == [expired]


# -- g: guests --------------------------------------------------------------------------------


async def test_g_kicks_a_guest_whose_token_then_stops_working(
    app: KioskApp, web: FlaskClient, make: Factory
) -> None:
    register(web, make, "Ana")
    mallory = register(web, make, "[red]Mallory")
    assert web.get("/api/orders", headers=mallory).status_code == 200
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GuestsScreen)
        rows = table_rows(app)
        assert [(r[0], r[-1]) for r in rows] == [("Ana", "here"), ("[red]Mallory", "here")]

        await pilot.press("down", "x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        refused = web.get("/api/orders", headers=mallory)
        assert refused.status_code == 401 and refused.json["error"]["code"] == "signed_out"
        assert table_rows(app)[1][-1].startswith("kicked until ")
        again = web.post("/api/register", json={"username": "[red]Mallory"},
                         headers={"X-Registration-Code": make.code()})
        assert again.status_code == 403 and again.json["error"]["code"] == "kicked"

        await pilot.press("u")
        assert Kick.get().lifted_at is not None
        assert table_rows(app)[1][-1] == "signed out"
        register(web, make, "[red]Mallory")


# -- z and t: recall, tonight -------------------------------------------------------------------


async def test_z_recalls_a_served_order_back_to_ready(app: KioskApp, make: Factory) -> None:
    order = make.order(make.guest("Ana"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "a", "a")  # claim, make, serve: the cursor goes with the order
        assert Order.get_by_id(order.id).status == orders.SERVED
        last = events.last_event_id()

        await pilot.press("z")
        row = Order.get_by_id(order.id)
        assert (row.status, row.completed_at) == (orders.READY, None)
        assert "#1 Ana" in column_text(app, "ready")
        changed = [e for e in events.read_since(last, [f"orders/{order.guest.user_key}"])
                   if isinstance(e.data, OrderStatusChanged)]
        assert [e.payload["status"] for e in changed] == ["ready"]
        assert "Recalled #1 Negroni for Ana: served → ready" in notices(app)

        await pilot.press("z", "z", "z")  # ready → preparing → pending → nothing left
        assert Order.get_by_id(order.id).status == orders.PENDING
        assert "nothing to recall: Sam moved no order in the last 5 minutes" in notices(app)


async def test_t_shows_tonight_newest_first_and_z_recalls_a_cancel(
    app: KioskApp, make: Factory, clock: FrozenClock
) -> None:
    served, cancelled = make.order(make.guest("Ana")), make.order(make.guest("[b]Bo"))
    for step in (orders.PREPARING, orders.READY, orders.SERVED):
        orders.move(served.id, step, actor="barista", barista="Sam", now=clock())
    clock.advance(seconds=30)
    orders.move(cancelled.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="out of ice", now=clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TonightScreen)
        assert [r[:4] + r[-1:] for r in table_rows(app)] == [
            ["#2", "cancelled", "[b]Bo", "Negroni", "out of ice"],
            ["#1", "served", "Ana", "Negroni", ""],
        ]
        hint = app.screen.query_one("#list-hint", Static)
        assert str(hint.render()) == "z recalls #2 Negroni for [b]Bo: cancelled → pending"

        await pilot.press("z")
        assert Order.get_by_id(cancelled.id).status == orders.PENDING
        assert [r[0] for r in table_rows(app)] == ["#1"]
        assert await wait_for(pilot, lambda: "#2 [b]Bo" in column_text(app, "pending"))
        await pilot.press("t")
        assert isinstance(app.screen, QueueScreen)


async def test_z_refuses_what_the_rules_no_longer_allow(
    kiosk_settings: Settings, keys: Keys, make: Factory, clock: FrozenClock
) -> None:
    from tests.conftest import with_rules

    one = with_rules(kiosk_settings, max_queue=1)
    cancelled = make.order(make.guest("Ana"), settings=one)
    orders.move(cancelled.id, orders.CANCELLED, actor="barista", barista="Sam", reason="oops",
                now=clock())
    make.order(make.guest("Bo"), settings=one)
    app = KioskApp(one, clock=clock, barista="Sam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z")
        assert Order.get_by_id(cancelled.id).status == orders.CANCELLED
        assert "cannot recall #1: the queue is full (1)" in notices(app)


# -- v: the join QR code full screen ----------------------------------------------------------


async def test_v_shows_the_join_code_full_screen(app: KioskApp, make: Factory) -> None:
    code = make.code(max_uses=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert isinstance(app.screen, QRScreen)
        qr = app.screen.query_one(FullQR)
        assert await wait_for(pilot, lambda: qr.code == code)  # read on a worker thread
        picture = str(qr.query_one("#fq-code", Static).render()).splitlines()
        small = app.queue_screen.query_one(QRPanel).styles.width
        assert small is not None and len(picture[0]) >= 2 * small.value - 4  # twice the panel's
        assert "5 of 5 uses left" in str(qr.query_one("#fq-detail", Static).render())
        await pilot.press("v")
        assert isinstance(app.screen, QueueScreen)
