"""Stations (`bar.stations`): routing, each station's queue and switch, its channels."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bar import (
    datadir,
    events,
    history,
    orders,
    registration,
    scan,
    shop,
    stations,
    stats,
    summary,
    timers,
)
from bar.cli import cli
from bar.config import load_settings
from bar.db import db
from bar.errors import (
    ConfigError,
    InvalidInput,
    InvalidTransition,
    QueueFull,
    ScanCodeInvalid,
    ShopClosed,
    TooManyOpenOrders,
    WindowSpent,
)
from bar.models import Counter, Drink, Event, Order
from tests.bar.test_together import _in_threads
from tests.conftest import SAMPLE_CONFIG, with_rules, with_stations

TWO_STATIONS = """
[[stations]]
id = "bar"
name = "Cocktail bar"
categories = ["Cocktails", "Mocktails"]

[[stations]]
id = "coffee"
name = "Coffee corner"
categories = ["Coffee"]
drinks = ["espresso-martini"]

[stations.rules]
max_queue = 4
drinks_per_window = 3
barista_timeout = "5m"
"""


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "bar.toml"
    path.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_stations_are_read_from_bar_toml_with_their_own_rules(tmp_path):
    settings = load_settings(_config(tmp_path, TWO_STATIONS), environ={})
    bar, coffee = settings.stations
    assert (bar.id, bar.name, bar.categories) == ("bar", "Cocktail bar", ("Cocktails", "Mocktails"))
    assert (coffee.drinks, coffee.rules.max_queue, bar.rules.max_queue) == (
        ("espresso-martini",), 4, settings.rules.max_queue)
    # What a station does not set is the bar's.
    assert coffee.rules.uncollected_timeout == settings.rules.uncollected_timeout
    assert (coffee.rules.drinks_per_window, bar.rules.drinks_per_window) == (3, 10)
    assert (coffee.rules.barista_timeout, bar.rules.barista_timeout) == (
        timedelta(minutes=5), settings.rules.barista_timeout)


@pytest.mark.parametrize(("extra", "message"), [
    ('[[stations]]\nid = "Bad Id"\nname = "x"\n', r"stations\[0\]\.id: expected a short lowercase id"),
    ('[[stations]]\nid = "a"\nname = "A"\n[[stations]]\nid = "a"\nname = "B"\n', "duplicate station"),
    ('[[stations]]\nid = "a"\n', "stations.a.name: missing"),
    ('[[stations]]\nid = "a"\nname = "A"\ncategories = "Coffee"\n', "stations.a.categories"),
    ('[[stations]]\nid = "a"\nname = "A"\n[stations.rules]\nmax_open_orders_per_guest = 3\n',
     "stations.a.rules.max_open_orders_per_guest: not set per station"),
    ('[[stations]]\nid = "a"\nname = "A"\n[stations.rules]\nmax_queue = 0\n',
     "stations.a.rules.max_queue: expected a number at least 1"),
])
def test_a_wrong_station_is_one_line_naming_it(tmp_path, extra, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(_config(tmp_path, extra), environ={})


def test_each_drink_goes_to_its_station(tmp_path):
    settings = load_settings(_config(tmp_path, TWO_STATIONS), environ={})
    assert stations.route(settings, "negroni", "Cocktails").id == "bar"
    assert stations.route(settings, "flat-white", "coffee").id == "coffee"  # case aside
    assert stations.route(settings, "espresso-martini", "Cocktails").id == "coffee"  # listed
    assert stations.route(settings, "new-thing", "Snacks").id == "bar"  # unclaimed: the first
    drinks = [{"id": "negroni", "category": "Cocktails"}, {"id": "flat-white", "category": "Coffee"},
              {"id": "espresso-martini", "category": "Cocktails"}, {"id": "toast", "category": None}]
    assert [d["id"] for d in stations.makes(settings, "coffee", drinks)] == [
        "flat-white", "espresso-martini"]
    assert [d["id"] for d in stations.makes(settings, "bar", drinks)] == ["negroni", "toast"]
    with pytest.raises(InvalidInput, match="no station 'tea'"):
        stations.makes(settings, "tea", drinks)
    no_stations = load_settings(SAMPLE_CONFIG, environ={})
    assert stations.route(no_stations, "negroni", "Cocktails") is None


def test_an_order_carries_its_station_and_reaches_its_stations_channels(make, clock, settings):
    two = with_stations(settings)
    guest = make.guest("Maya")
    cocktail = orders.place_order(two, guest, drink_id="negroni", now=clock())
    coffee = orders.place_order(two, guest, drink_id="flat-white", now=clock())
    assert (cocktail.info.to_payload()["station"], coffee.info.to_payload()["station"]) == (
        "bar", "coffee")
    assert (cocktail.order.station, coffee.order.station) == ("bar", "coffee")
    assert (cocktail.info.number, coffee.info.number) == (1, 2)  # one sequence for the day
    new = {(e.channel, e.payload["number"]) for e in Event.select().where(
        Event.type == events.NEW_ORDER)}
    assert {("admin/bar", 1), ("display/bar", 1), ("admin/coffee", 2), ("display/coffee", 2),
            ("admin", 1), ("admin", 2), ("display", 1), ("display", 2)} <= new
    assert ("admin/bar", 2) not in new and ("display/coffee", 1) not in new
    orders.advance(coffee.info.order_id, barista="Sam", now=clock())
    moved = Event.select().where(Event.type == events.ORDER_STATUS_CHANGED)
    assert sorted(e.channel for e in moved if not e.channel.startswith("orders/")) == [
        "admin", "admin/coffee", "display", "display/coffee"]
    assert orders.order_dict(orders.get_order(coffee.info.order_id))["station"] == "coffee"


def test_without_stations_orders_carry_none_and_no_station_channels(make, clock):
    placed = make.order()
    assert orders.order_dict(placed)["station"] is None and placed.station is None
    channels = {e.channel for e in Event.select()}
    assert not any("/" in c for c in channels if not c.startswith("orders/"))


def test_closing_one_station_refuses_its_drinks_only(make, clock, settings):
    two = with_stations(settings)
    guest = make.guest()
    assert shop.set_open(False, now=clock(), station="coffee")
    with pytest.raises(ShopClosed) as refused:
        orders.place_order(two, guest, drink_id="espresso", now=clock())
    assert refused.value.code == "shop_closed"
    assert refused.value.message == (
        "the Coffee corner is closed right now: the Cocktail bar is open")
    assert orders.place_order(two, guest, drink_id="negroni", now=clock()).created
    assert shop.is_open() and not shop.is_open("coffee") and shop.is_open("bar")
    event = Event.select().where(Event.channel == events.CONFIG).order_by(Event.id.desc()).first()
    assert event.payload == {"is_open": False, "queue_full": False, "station": "coffee"}
    # The whole bar closed: nothing anywhere.
    shop.set_open(False, now=clock())
    with pytest.raises(ShopClosed, match="the bar is closed"):
        orders.place_order(two, make.guest("Bo"), drink_id="negroni", now=clock())
    shop.set_open(True, now=clock())
    shop.set_open(True, now=clock(), station="coffee")
    assert orders.place_order(two, make.guest("Cy"), drink_id="espresso", now=clock()).created


def test_each_station_has_its_own_queue_cap(make, clock, settings):
    two = dataclasses.replace(with_rules(with_stations(settings, coffee_queue=2),
                                         max_open_orders_per_guest=5), orders_per_minute=0)
    guest = make.guest()
    first = orders.place_order(two, guest, drink_id="espresso", now=clock())
    orders.place_order(two, guest, drink_id="cappuccino", now=clock())
    with pytest.raises(QueueFull, match="the Coffee corner's queue is full"):
        orders.place_order(two, guest, drink_id="flat-white", now=clock())
    assert orders.place_order(two, guest, drink_id="negroni", now=clock()).created
    assert (shop.queue_length("coffee"), shop.queue_length("bar"), shop.queue_length()) == (2, 1, 0)
    full = Event.select().where(Event.channel == events.CONFIG).order_by(Event.id.desc()).first()
    assert full.payload == {"is_open": True, "queue_full": True, "station": "coffee"}
    # One made: the coffee corner has room again, and says so.
    orders.advance(first.info.order_id, barista="Sam", now=clock())
    orders.advance(first.info.order_id, barista="Sam", now=clock())
    room = Event.select().where(Event.channel == events.CONFIG).order_by(Event.id.desc()).first()
    assert room.payload == {"is_open": True, "queue_full": False, "station": "coffee"}
    assert orders.place_order(two, guest, drink_id="flat-white", now=clock()).created


def test_a_guests_open_orders_are_one_limit_across_stations(make, clock, settings):
    two = with_rules(with_stations(settings), max_open_orders_per_guest=2)
    guest = make.guest()
    orders.place_order(two, guest, drink_id="negroni", now=clock())
    orders.place_order(two, guest, drink_id="espresso", now=clock())
    with pytest.raises(TooManyOpenOrders):
        orders.place_order(two, guest, drink_id="flat-white", now=clock())


def test_each_station_cap_holds_under_concurrent_orders(make, clock, settings):
    two = with_stations(settings, bar_queue=5, coffee_queue=3)
    guests = [make.guest(f"Guest {i}") for i in range(24)]
    drinks = ["negroni", "espresso"]
    results = _in_threads(24, lambda i: orders.place_order(
        two, guests[i].user_key, drink_id=drinks[i % 2], now=clock()).order.station)
    placed = [r for r in results if isinstance(r, str)]
    assert (placed.count("bar"), placed.count("coffee")) == (5, 3)
    assert [type(r) for r in results if not isinstance(r, str)] == [QueueFull] * 16
    assert sorted(o.number for o in Order.select()) == list(range(1, 9))
    assert (shop.queue_length("bar"), shop.queue_length("coffee")) == (5, 3)


def test_each_stations_count_is_recounted_when_the_bar_opens(make, clock, settings, keys):
    two = with_stations(settings)
    guest = make.guest()
    orders.place_order(two, guest, drink_id="negroni", now=clock())
    orders.place_order(two, guest, drink_id="espresso", now=clock())
    # Kept from each station's first order on (not counted row by row for every order).
    assert {c.key: c.value for c in Counter.select()} == {
        "queue": 0, "queue/bar": 1, "queue/coffee": 1}
    Counter.update(value=40).execute()  # as if a count had gone wrong
    db.close()
    datadir.open_bar(settings)
    kept = {c.key: c.value for c in Counter.select()}
    assert kept == {"queue": 0, "queue/bar": 1, "queue/coffee": 1}


def test_a_recall_checks_the_stations_queue(make, clock, settings):
    two = dataclasses.replace(with_rules(with_stations(settings, coffee_queue=1),
                                         max_open_orders_per_guest=5), orders_per_minute=0)
    guest = make.guest()
    coffee = orders.place_order(two, guest, drink_id="espresso", now=clock()).info.order_id
    orders.move(coffee, "cancelled", actor="barista", barista="Sam", now=clock())
    orders.place_order(two, make.guest("Bo"), drink_id="flat-white", now=clock())
    orders.place_order(two, guest, drink_id="negroni", now=clock())  # another station's queue
    with pytest.raises(InvalidTransition, match="the queue is full \\(1\\)"):
        history.recall(two, barista="Sam", now=clock())


def test_each_order_expires_and_is_reminded_under_its_stations_timeouts(make, clock, settings):
    two = with_rules(with_stations(settings), max_open_orders_per_guest=5)
    bar, coffee = two.stations
    quick = dataclasses.replace(coffee.rules, barista_timeout=timedelta(minutes=5),
                                uncollected_timeout=timedelta(minutes=4), remind_after=timedelta(minutes=2))
    two = dataclasses.replace(two, stations=(bar, dataclasses.replace(coffee, rules=quick)))
    guest = make.guest()
    negroni = orders.place_order(two, guest, drink_id="negroni", now=clock()).order
    espresso = orders.place_order(two, guest, drink_id="espresso", now=clock()).order
    flat_white = orders.place_order(two, guest, drink_id="flat-white", now=clock()).order
    for status in ("preparing", "ready"):
        orders.move(flat_white.id, status, actor="barista", barista="Kim", now=clock())

    clock.advance(timedelta(minutes=1))
    second = orders.place_order(two, guest, drink_id="espresso", now=clock()).order
    clock.advance(timedelta(minutes=1))
    reminded = timers.run_due(two, now=clock()).reminded
    assert [o.id for o in reminded] == [flat_white.id]  # the bar's remind_after is later
    clock.advance(timedelta(minutes=3))  # 5 minutes: the coffee corner gives up
    assert {o.id for o in timers.run_due(two, now=clock()).expired} == {espresso.id, flat_white.id}
    assert orders.get_order(negroni.id).status == "pending"  # the cocktail bar's 15 minutes
    # A recall checks the order's own station: back to pending, the second espresso
    # (ordered 5½ minutes ago) would expire again at once.
    clock.advance(timedelta(seconds=90))
    orders.move(second.id, "cancelled", actor="barista", barista="Kim", reason="no milk", now=clock())
    with pytest.raises(InvalidTransition, match=r"ordered over 5m ago"):
        history.recall(two, barista="Kim", now=clock())
    clock.advance(two.rules.barista_timeout)
    assert [o.id for o in timers.run_due(two, now=clock()).expired] == [negroni.id]


def test_station_channels_are_read_by_whoever_reads_the_bars():
    assert events.may_read(None, None, "display/coffee")
    assert not events.may_read(None, None, "admin/coffee")
    assert not events.may_read("guest", "k", "admin/coffee")
    assert events.may_read("admin", None, "admin/coffee")


def test_a_schema_4_database_gains_the_station_column(settings, keys, make):
    make.order()
    db.execute_sql('ALTER TABLE "orders" DROP COLUMN "station"')
    db.execute_sql("UPDATE schema_version SET version = 4")
    db.close()
    datadir.open_bar(settings)
    assert [o.station for o in Order.select()] == [None]
    two = with_stations(settings)
    assert orders.place_order(two, make.guest("Bo"), drink_id="espresso",
                              now=make.clock()).order.station == "coffee"


def test_stats_break_the_night_down_by_station(make, clock, settings):
    two = dataclasses.replace(with_stations(settings), orders_per_minute=0)
    guest = make.guest()
    coffee = orders.place_order(two, guest, drink_id="espresso", now=clock()).info.order_id
    orders.place_order(two, guest, drink_id="negroni", now=clock())
    clock.advance(seconds=90)
    orders.advance(coffee, barista="Sam", now=clock())
    orders.advance(coffee, barista="Sam", now=clock())
    figures = stats.compute()
    rows = {r["station"]: r for r in figures.to_dict()["stations"]}
    assert (rows["coffee"]["ordered"], rows["coffee"]["open"], rows["bar"]["open"]) == (1, 1, 1)
    assert rows["coffee"]["wait"] == {"count": 1, "p50_s": 90.0, "p90_s": 90.0}
    assert rows["bar"]["wait"]["count"] == 0
    page = summary.render("Friday", figures.days[0], station_names={"coffee": "Coffee corner"})
    assert '<tr data-station="coffee"><td>Coffee corner</td><td>1</td>' in page


def test_the_cli_closes_one_station_and_breaks_stats_down(tmp_path, engine):
    config = _config(tmp_path, TWO_STATIONS)
    data = tmp_path / "data"

    def bar(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), "--data-dir", str(data), *args],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    bar("init")
    assert bar("shop", "close", "--station", "coffee").strip() == (
        "The Coffee corner is closed; the Cocktail bar is open")
    status = bar("shop", "status")
    assert "Coffee corner: closed, 0 of 4 in the queue" in status
    assert "Cocktail bar: open, 0 of 20 in the queue" in status
    unknown = CliRunner().invoke(cli, ["--config", str(config), "--data-dir", str(data),
                                       "shop", "close", "--station", "tea"])
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: no station 'tea' (stations: bar, coffee)"
    assert '"stations"' not in bar("stats", "--json")  # no order at any station yet


def test_a_drink_moved_to_another_category_goes_to_that_station(make, clock, settings):
    """The menu in the database has the last word (bar.toml's is only read ahead)."""
    two = dataclasses.replace(with_stations(settings, coffee_queue=1), orders_per_minute=0)
    orders.place_order(two, make.guest("Bo"), drink_id="espresso", now=clock())
    Drink.update(category="Coffee").where(Drink.id == "negroni").execute()
    with pytest.raises(QueueFull, match="Coffee corner"):
        orders.place_order(two, make.guest("Cy"), drink_id="negroni", now=clock())
    shop.set_open(False, now=clock(), station="coffee")
    with pytest.raises(ShopClosed, match="Coffee corner is closed"):
        orders.place_order(two, make.guest("Di"), drink_id="negroni", now=clock())
    Drink.update(category="Cocktails").where(Drink.id == "espresso").execute()
    assert orders.place_order(two, make.guest("Ed"), drink_id="espresso",
                              now=clock()).order.station == "bar"


def test_in_popup_mode_each_station_has_its_own_scan_windows(make, clock, settings, keys):
    two = with_stations(with_rules(settings, mode="popup", drinks_per_window=5))
    coffee_rules = dataclasses.replace(two.stations[1].rules, drinks_per_window=1)
    two = dataclasses.replace(two, orders_per_minute=0, stations=(
        two.stations[0], dataclasses.replace(two.stations[1], rules=coffee_rules)))
    bar_code = registration.join_code(two, now=clock(), created_by="t", station="bar")
    coffee_code = registration.join_code(two, now=clock(), created_by="t", station="coffee")
    assert bar_code.code != coffee_code.code
    assert (bar_code.drinks_remaining, coffee_code.drinks_remaining) == (5, 1)
    # A stranger joins with either station's code (using no drink).
    guest = registration.register(two, keys, code=coffee_code.code, username="Maya",
                                  now=clock()).guest
    with pytest.raises(ScanCodeInvalid, match="another station's"):
        orders.place_order(two, guest, drink_id="espresso", scan_code=bar_code.code, now=clock())
    assert orders.place_order(two, guest, drink_id="espresso", scan_code=coffee_code.code,
                              now=clock()).order.station == "coffee"
    with pytest.raises(WindowSpent):
        orders.place_order(two, make.guest("Bo"), drink_id="flat-white",
                           scan_code=coffee_code.code, now=clock())
    assert orders.place_order(two, make.guest("Cy"), drink_id="negroni", scan_code=bar_code.code,
                              now=clock()).order.station == "bar"
    assert scan.current(two.stations[0].rules, now=clock(), station="bar").drinks_remaining == 4


def test_bar_orders_lists_one_stations_orders(tmp_path, make, settings):
    two = dataclasses.replace(with_stations(settings), orders_per_minute=0)
    guest = make.guest()
    cocktail = make.order(guest, "negroni", settings=two)
    coffee = make.order(guest, "espresso", settings=two)
    config = _config(tmp_path, TWO_STATIONS)

    def bar(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(config), "--data-dir",
                                        str(settings.data_dir), "orders", *args])

    listed = json.loads(bar("--station", "coffee", "--json").output)
    assert [o["order_id"] for o in listed] == [coffee.id]
    table = bar("--station", "bar").output
    assert table.rstrip().endswith("1 open orders at the Cocktail bar") and "negroni" in table.lower()
    assert {o["order_id"] for o in json.loads(bar("--json").output)} == {cocktail.id, coffee.id}
    unknown = bar("--station", "tea")
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: no station 'tea' (stations: bar, coffee)"
