"""Growing up from a party: `bar db copy` moves a SQLite bar into PostgreSQL, and the bar
carries on from it: old tokens, the day's order numbers, event replay by id."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bar import datadir, events, orders, shop
from bar.config import Settings
from bar.db import db, disconnect
from bar.errors import QueueFull, TooManyOpenOrders
from bar.models import SCHEMA_VERSION, TABLES, Order
from tests.conftest import run_cli, with_rules
from tests.pg import Cluster
from tests.webapp.conftest import WsClient
from webapp import create_app
from webapp.server import run_in_thread

# The party runs on SQLite (the source); the target is a database of the test cluster.
ENGINES = ["sqlite"]


@pytest.fixture
def target(pg_cluster: Cluster) -> Iterator[str]:
    """An empty PostgreSQL database (no tables, as `createdb` leaves it); its URL."""
    name = pg_cluster.empty_database()
    yield pg_cluster.url(name)
    disconnect()
    pg_cluster.drop_database(name)


def everything() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the bar reads it (times, JSON, booleans decoded)."""
    return {
        model._meta.table_name: list(model.select().order_by(*model._meta.get_primary_keys())
                                     .tuples())
        for model in TABLES
    }


def a_party(make: Any, clock: Any, settings: Settings) -> dict[str, Any]:
    """An evening on SQLite: guests, orders in every state, a refusal, a kick."""
    ana, ben, cleo = (make.registration(name) for name in ("Ana", "Ben", "Cleo"))
    make.guest("Mallory")
    make.kick("Mallory")
    served = make.order(ana.guest, note="no ice, «merci»", modifiers={})
    ready = make.order(ben.guest)
    cancelled = make.order(cleo.guest)
    make.order(ana.guest, drink_id="espresso-martini")  # left pending
    for order_id, steps in ((served.id, ("preparing", "ready", "served")),
                            (ready.id, ("preparing", "ready"))):
        for step in steps:
            orders.move(order_id, step, actor="barista", barista="sam", now=clock())
    orders.move(cancelled.id, "cancelled", actor="barista", reason="out of limes", now=clock())
    with pytest.raises(TooManyOpenOrders):
        make.order(ana.guest, settings=with_rules(settings, max_open_orders_per_guest=1))
    with pytest.raises(QueueFull):
        make.order(cleo.guest, settings=with_rules(settings, max_queue=1))
    shop.set_open(True, now=clock())
    return {"ana": ana, "ben": ben}


def test_a_party_carries_on_in_postgresql(make, clock, settings, target, request, monkeypatch):
    party = a_party(make, clock, settings)
    before = everything()
    last_id = events.last_event_id()
    last_number = max(number for number, in Order.select(Order.number).tuples())
    db.close()

    copied = run_cli(settings.data_dir, "db", "copy", "--to", target).output.splitlines()
    counts = {table: len(rows) for table, rows in before.items()}
    width = max(map(len, counts))
    assert sorted(copied[2:2 + len(counts)]) == sorted(
        f"  {table:<{width}}  {count:>8,}" for table, count in counts.items())
    assert copied[2 + len(counts)] == f"  {'total':<{width}}  {sum(counts.values()):>8,} rows"
    assert f'[database] url = "{target}"' in copied[-1]  # the next step, ready to paste

    pg = dataclasses.replace(settings, database_url=target)
    datadir.open_bar(pg)
    assert everything() == before  # every row, every column: ids, times, JSON, booleans
    app = create_app(pg, clock=clock)
    server, base = run_in_thread(app)
    ws = WsClient(base)

    def stop() -> None:
        ws.close()
        app.extensions["bar"].hub.stop()
        server.shutdown()
        server.server_close()

    request.addfinalizer(stop)
    client = app.test_client()
    ana, ben = party["ana"], party["ben"]

    # Old tokens work: the access token, and the refresh token's family.
    mine = client.get("/api/orders", headers={"Authorization": f"Bearer {ana.access_token}"})
    assert mine.status_code == 200, mine.json
    assert sorted(o["drink_id"] for o in mine.json["orders"]) == ["espresso-martini", "negroni"]
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": ben.refresh_token})
    assert refreshed.status_code == 200, refreshed.json

    # Replay by id: Ben's page resumes from the copied ids, then goes live.
    channel = events.guest_channel(ben.guest.user_key)
    assert ws.auth(ben.access_token)["type"] == "auth_ok"
    ws.recv_until(lambda m: m["type"] == "notification")  # his drink is ready
    ws.subscribe(channel, since=0)
    copied_ids = [row[0] for row in before["event"] if row[1] == channel]
    assert copied_ids and [ws.recv()["id"] for _ in copied_ids] == copied_ids

    # The next order continues the day's numbers; its events come after the copied ones.
    placed = client.post("/api/orders", json={"drink_id": "negroni"},
                         headers={"Authorization": f"Bearer {ben.access_token}"})
    assert placed.status_code == 201, placed.json
    assert placed.json["order"]["number"] == last_number + 1
    new = events.read_since(last_id)
    assert new and all(e.id > last_id for e in new)
    assert ws.recv()["id"] > last_id  # live, on the same socket

    monkeypatch.setenv("BAR_DATABASE_URL", target)
    checked = run_cli(settings.data_dir, "db", "check").output
    assert checked.startswith(f"engine   PostgreSQL {target}\n")
    assert f"\nschema   {SCHEMA_VERSION}\nwrites   ok\n" in checked
    assert re.search(rf"^  orders +{len(before['orders']) + 1}$", checked, re.MULTILINE)
