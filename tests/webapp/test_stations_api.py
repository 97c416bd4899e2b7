"""Stations over HTTP and WebSocket: the menu says where each drink is made, each
station's orders, board and switch, and its channels for the readers of the bar's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bar.config import Settings
from tests.conftest import make_settings, with_stations


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return with_stations(make_settings(tmp_path / "data"))


def test_the_menu_says_where_each_drink_is_made(client):
    body = client.get("/api/menu").json
    assert [(s["id"], s["name"], s["is_open"]) for s in body["bar"]["stations"]] == [
        ("bar", "Cocktail bar", True), ("coffee", "Coffee corner", True)]
    where = {d["id"]: d["station"] for d in body["drinks"]}
    assert (where["negroni"], where["virgin-mojito"], where["espresso"]) == ("bar", "bar", "coffee")


def test_a_stations_tablet_lists_the_drinks_it_makes(client, api):
    admin = api.admin()
    coffee = client.get("/api/admin/drinks?station=coffee", headers=admin).json["drinks"]
    assert {d["station"] for d in coffee} == {"coffee"}
    assert {"espresso", "flat-white"} <= {d["id"] for d in coffee}
    everything = client.get("/api/admin/drinks", headers=admin).json["drinks"]
    assert len(everything) > len(coffee)
    unknown = client.get("/api/admin/drinks?station=tea", headers=admin)
    assert unknown.status_code == 400 and unknown.json["error"]["code"] == "invalid_input"


def test_a_cocktail_and_a_coffee_go_to_two_stations(client, api):
    maya = api.register("Maya")
    cocktail = api.order(maya, "negroni")
    coffee = api.order(maya, "flat-white")
    assert (cocktail["station"], coffee["station"]) == ("bar", "coffee")
    admin = api.admin()
    listed = client.get("/api/admin/orders?station=coffee", headers=admin).json["orders"]
    assert [o["order_id"] for o in listed] == [coffee["order_id"]]
    everything = client.get("/api/admin/orders", headers=admin).json["orders"]
    assert {o["station"] for o in everything} == {"bar", "coffee"}
    paged = client.get("/api/admin/orders?station=bar&limit=1", headers=admin).json
    assert [o["order_id"] for o in paged["orders"]] == [cocktail["order_id"]]
    assert paged["next"] is None
    unknown = client.get("/api/admin/orders?station=tea", headers=admin)
    assert unknown.status_code == 400 and unknown.json["error"]["code"] == "invalid_input"
    assert "no station 'tea'" in unknown.json["error"]["message"]

    board = client.get("/api/display?station=coffee").json
    assert board["station"] == "coffee"
    assert [(t["number"], t["first_name"], t["station"]) for t in board["waiting"]] == [
        (2, "Maya", "coffee")]
    whole = client.get("/api/display").json
    assert [(t["number"], t["station"]) for t in whole["waiting"]] == [(1, "bar"), (2, "coffee")]


def test_closing_a_station_refuses_its_drinks_only(client, api):
    admin = api.admin()
    closed = client.post("/api/admin/shop", json={"station": "coffee", "is_open": False},
                         headers=admin)
    assert closed.json == {"is_open": False, "station": "coffee"}
    guest = api.register("Maya")
    refused = client.post("/api/orders", json={"drink_id": "espresso"}, headers=guest.auth)
    assert refused.status_code == 409
    assert refused.json["error"] == {
        "code": "shop_closed",
        "message": "the Coffee corner is closed right now: the Cocktail bar is open"}
    assert api.order(guest, "negroni")["station"] == "bar"
    stations = client.get("/api/menu").json["bar"]["stations"]
    assert [(s["id"], s["is_open"]) for s in stations] == [("bar", True), ("coffee", False)]
    board = client.get("/api/display?station=coffee").json
    assert board["bar"]["is_open"] is False
    assert client.get("/api/display").json["bar"]["is_open"] is True


def test_station_channels_follow_the_bars_rules(ws_client, api, client):
    admin_token = api.admin()["Authorization"].split()[1]
    guest = api.register("Maya")
    anonymous = ws_client()
    got = anonymous.subscribe("display/coffee", "admin/coffee")
    assert {"type": "error", "code": "forbidden", "channel": "admin/coffee"}.items() <= got[0].items()
    assert got[-1]["channels"] == ["display/coffee"]
    as_guest = ws_client()
    as_guest.auth(guest.access_token)
    assert as_guest.subscribe("admin/coffee")[0]["code"] == "forbidden"
    barista = ws_client()
    barista.auth(admin_token)
    assert barista.subscribe("admin/coffee")[-1]["channels"] == ["admin/coffee"]

    api.order(guest, "negroni")
    coffee = api.order(guest, "espresso")
    seen = barista.recv_until(lambda m: m["type"] == "event")
    assert seen[-1]["channel"] == "admin/coffee"
    assert seen[-1]["event"]["order_id"] == coffee["order_id"]  # not the cocktail's
    board = anonymous.recv_until(lambda m: m["type"] == "event")[-1]
    assert (board["channel"], board["event"]["number"]) == ("display/coffee", 2)
    assert "user_key" not in board["event"]
    assert barista.nothing_within(0.3) and anonymous.nothing_within(0.1)


def test_a_coffees_estimate_counts_only_the_coffees_ahead(client, api):
    ana, ben, eve = api.register("Ana"), api.register("Ben"), api.register("Eve")
    api.order(ana, "negroni")
    second_cocktail = api.order(ben, "margarita")
    coffee = api.order(eve, "espresso")
    assert second_cocktail["estimate"] == {"position": 2, "seconds": 360, "label": "about 6 min"}
    assert coffee["estimate"] == {"position": 1, "seconds": 180, "label": "about 3 min"}
    asked = client.get(f"/api/orders/{coffee['order_id']}", headers=eve.auth).json["order"]
    assert asked["estimate"] == coffee["estimate"]
