"""Tickets on a receipt printer: what the bytes say, and the spool that prints every
order once, in order, whether the printer is there or not (`bar.tickets`, `bar.spool`).

The printers are real ends of python-escpos's drivers: a `file://` printer (a file the
bytes are appended to) and a fake network printer on loopback (`tests.printers`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bar import history, orders, spool, tickets
from bar.clock import FrozenClock
from bar.config import Settings, load_settings
from bar.errors import ConfigError, PrinterFailed
from bar.payloads import OrderInfo
from tests.bar.test_stations import TWO_STATIONS
from tests.conftest import SAMPLE_CONFIG, Factory
from tests.escpos_render import decode_qr, read
from tests.printers import FakePrinter


def with_printer(settings: Settings, url: str, **more: object) -> Settings:
    return dataclasses.replace(settings, printer_url=url, public_url="http://bar.test:8000", **more)


@pytest.fixture
def printer() -> FakePrinter:
    fake = FakePrinter()
    yield fake
    fake.off()


def numbers(paper_text: str) -> list[str]:
    """The big order numbers, in the order they were printed."""
    return [line for line in paper_text.splitlines() if line.startswith("#")]


# -- what a ticket says ----------------------------------------------------------------------


@pytest.mark.parametrize("width", [58, 80])
def test_a_ticket_says_number_name_drink_options_note_and_links_the_guest_page(
    settings: Settings, keys: object, make: Factory, width: int
) -> None:
    settings = with_printer(settings, "file:///dev/null", printer_width=width)
    order = make.order(make.guest("Ana Lopez"), "gin-tonic", modifiers={"garnish": "cucumber"},
                       note="Extra ice please")
    # The core refuses control characters in a note; a ticket drops them all the same
    # (an ESC is a printer command: a cut, the cash drawer), whatever a row holds.
    info = dataclasses.replace(OrderInfo.of(order), note="Extra ice\x1bp\x00 please")
    paper = read(tickets.order_ticket(settings, info))
    lines = paper.lines
    assert f"#{order.number}" in lines and "Ana" in lines and "Gin & Tonic" in lines
    assert "  garnish: cucumber" in lines
    assert "Note: Extra icep please" in lines
    assert b"\x1bp" not in tickets.order_ticket(settings, info)
    assert any(line.rstrip().endswith("NEW") for line in lines)
    assert max(len(line) for line in lines) <= tickets.COLUMNS[width]
    # 80 mm printers cut; the usual 58 mm one has a tear bar (python-escpos's profile).
    assert paper.cuts == (1 if width == 80 else 0)
    [code] = paper.images
    assert decode_qr(code) == f"http://bar.test:8000/?order={order.id}"


def test_a_batch_ticket_puts_identical_drinks_together(
    settings: Settings, keys: object, make: Factory, clock: FrozenClock
) -> None:
    settings = with_printer(settings, "file:///dev/null", printer_ticket="batch")
    placed = [make.order(make.guest(name), "negroni", modifiers={"ice": "crushed"})
              for name in ("Ana", "Bo")]
    placed.append(make.order(make.guest("Cy"), "espresso", note="in a cup"))
    paper = read(tickets.batch_ticket(settings, [OrderInfo.of(o) for o in placed], now=clock()))
    text = paper.text
    assert "NEW 3 orders" in text
    assert "2x Negroni (crushed)" in text and "#1 Ana · #2 Bo" in text
    assert "1x Espresso (single)" in text and "#3 note: in a cup" in text
    assert paper.cuts == 1 and not paper.images


# -- the spool: every order once, in order -------------------------------------------------


def test_a_file_printer_gets_each_new_order_once_in_order(
    settings: Settings, keys: object, make: Factory, tmp_path: Path
) -> None:
    out = tmp_path / "printer.bin"
    settings = with_printer(settings, f"file://{out}")
    before = make.order(make.guest("Early"))  # placed before the printer was set up: not printed
    printing = spool.Spool(settings, clock=make.clock)
    assert printing.step() == 0
    placed = [make.order(make.guest(name), drink) for name, drink in
              (("Ana", "negroni"), ("Bo", "flat-white"), ("Cy", "espresso"))]
    assert printing.step() == 3
    assert printing.step() == 0  # nothing twice
    text = read(out.read_bytes()).text
    assert numbers(text) == [f"#{o.number}" for o in placed]
    assert "Bo" in text and "Flat White" in text and "Early" not in text
    assert f"#{before.number}" not in numbers(text)
    # A new process (the kiosk restarted) starts from what is on paper.
    assert spool.Spool(settings, clock=make.clock).step() == 0
    assert numbers(read(out.read_bytes()).text) == [f"#{o.number}" for o in placed]


def test_a_printer_that_refuses_gets_the_tickets_when_it_is_back_none_twice(
    settings: Settings, keys: object, make: Factory, printer: FakePrinter
) -> None:
    settings = with_printer(settings, printer.url)
    printing = spool.Spool(settings, clock=make.clock)
    printing.step()
    first = make.order(make.guest("Ana"))
    assert printing.step() == 1
    printer.off()  # unplugged
    waiting = [make.order(make.guest(name)) for name in ("Bo", "Cy")]
    with pytest.raises(PrinterFailed, match="connection refused"):
        printing.step()
    with pytest.raises(PrinterFailed):
        printing.step()
    # The kiosk dies while the printer is still off, and starts again: once its old
    # lease has run out, the tickets are there.
    printing = spool.Spool(settings, clock=make.clock)
    assert printing.step() == 0 and printing.state.status == spool.ELSEWHERE
    make.clock.advance(spool.LEASE)
    printing.renew_every = 0  # it asks again every few seconds
    with pytest.raises(PrinterFailed):
        printing.step()
    late = make.order(make.guest("Di"))
    printer.on()  # plugged in again, on the same address
    assert printing.step() == 3
    assert printing.step() == 0
    expected = [f"#{o.number}" for o in (first, *waiting, late)]
    assert printer.wait_for(lambda paper: numbers(paper.text) == expected and paper.cuts == 4)


def test_a_drink_cancelled_while_the_printer_was_off_is_not_printed(
    settings: Settings, keys: object, make: Factory, printer: FakePrinter
) -> None:
    settings = with_printer(settings, printer.url)
    printing = spool.Spool(settings, clock=make.clock)
    printing.step()
    printer.off()
    gone, kept = make.order(make.guest("Ana")), make.order(make.guest("Bo"))
    with pytest.raises(PrinterFailed):
        printing.step()
    orders.move(gone.id, orders.CANCELLED, actor="barista", reason="no gin", now=make.clock())
    printer.on()
    assert printing.step() == 1
    assert printer.wait_for(lambda paper: numbers(paper.text) == [f"#{kept.number}"])


def test_print_on_ready_and_only_the_stations_listed(
    settings: Settings, keys: object, make: Factory, printer: FakePrinter
) -> None:
    settings = with_printer(settings, printer.url, printer_print_on="ready")
    printing = spool.Spool(settings, clock=make.clock)
    printing.step()
    order = make.order(make.guest("Ana"))
    assert printing.step() == 0  # placed: not yet
    orders.move(order.id, orders.PREPARING, actor="barista", now=make.clock())
    orders.move(order.id, orders.READY, actor="barista", now=make.clock())
    assert printing.step() == 1
    assert printer.wait_for(lambda paper: "READY" in paper.text and f"#{order.number}" in paper.text)
    # Served by mistake and recalled: the same drink, ready again, is not printed again.
    orders.move(order.id, orders.SERVED, actor="barista", barista="Sam", now=make.clock())
    assert history.recall(settings, barista="Sam", now=make.clock()).order.status == orders.READY
    assert printing.step() == 0
    # A printer for other stations: orders without one (a bar without stations) are not its.
    kitchen = spool.Spool(dataclasses.replace(settings, printer_stations=("kitchen",),
                                              printer_url=f"{printer.url}/"), clock=make.clock)
    kitchen.step()
    other = make.order(make.guest("Bo"))
    orders.move(other.id, orders.PREPARING, actor="barista", now=make.clock())
    orders.move(other.id, orders.READY, actor="barista", now=make.clock())
    assert kitchen.step() == 0


def test_batch_mode_prints_a_round_on_one_slip(
    settings: Settings, keys: object, make: Factory, printer: FakePrinter
) -> None:
    settings = with_printer(settings, printer.url, printer_ticket="batch")
    printing = spool.Spool(settings, clock=make.clock)
    printing.step()
    make.order(make.guest("Ana"))
    assert printing.step() == 0  # the slip waits a few seconds for the others of its round
    make.order(make.guest("Bo"))
    printing.gather = 0
    assert printing.step() == 2
    assert printing.step() == 0
    assert printer.wait_for(lambda paper: paper.cuts == 1)
    paper = printer.paper
    assert printer.connections == 1
    assert "2x Negroni (big cube)" in paper.text and "#1 Ana · #2 Bo" in paper.text


def test_two_kiosks_with_one_printer_print_each_ticket_once(
    settings: Settings, keys: object, make: Factory, printer: FakePrinter
) -> None:
    settings = with_printer(settings, printer.url)
    first, second = spool.Spool(settings, clock=make.clock), spool.Spool(settings, clock=make.clock)
    first.step()
    second.step()
    assert second.state.status == spool.ELSEWHERE
    placed = [make.order(make.guest(name)) for name in ("Ana", "Bo")]
    assert second.step() + first.step() == 2
    assert second.step() + first.step() == 0
    first.release()  # the first kiosk quits: the second takes over at once
    later = make.order(make.guest("Cy"))
    second.renew_every = 0  # it asks again every few seconds
    assert second.step() == 1
    expected = [f"#{o.number}" for o in (*placed, later)]
    assert printer.wait_for(lambda paper: numbers(paper.text) == expected)


# -- configuration -------------------------------------------------------------------------


def test_the_printer_settings_and_their_errors(tmp_path: Path) -> None:
    env = {"BAR_PRINTER_URL": "tcp://192.0.2.7", "BAR_PRINTER_STATIONS": "bar, coffee",
           "BAR_PRINTER_WIDTH": "58", "BAR_PRINTER_PRINT_ON": "ready", "BAR_PRINTER_TICKET": "batch"}
    two_stations = tmp_path / "bar.toml"
    two_stations.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8") + TWO_STATIONS, encoding="utf-8")
    settings = load_settings(two_stations, environ=env)
    assert settings.printer_url == "tcp://192.0.2.7"
    assert (settings.printer_width, settings.printer_stations) == (58, ("bar", "coffee"))
    assert (settings.printer_print_on, settings.printer_ticket) == ("ready", "batch")
    assert load_settings(SAMPLE_CONFIG, environ={}).printer_url == ""  # the sample prints nothing
    for key, value, says in (("URL", "http://printer", "BAR_PRINTER_URL: expected tcp://"),
                             ("WIDTH", "72", "BAR_PRINTER_WIDTH: expected one of 58, 80"),
                             ("URL", "usb://zz:01", "expected tcp://")):
        with pytest.raises(ConfigError, match=says):
            load_settings(SAMPLE_CONFIG, environ={f"BAR_PRINTER_{key}": value})


def test_a_printer_for_a_station_that_does_not_exist_is_one_clear_error(tmp_path: Path) -> None:
    sample = SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "\nstations = []" in sample  # the [printer] key, which these tests set

    def config(printed: str, stations: str) -> Path:
        path = tmp_path / "bar.toml"
        path.write_text(sample.replace("\nstations = []", f"\nstations = {printed}", 1) + stations,
                        encoding="utf-8")
        return path

    with pytest.raises(ConfigError) as wrong:
        load_settings(config('["bar", "x"]', TWO_STATIONS), environ={})
    assert str(wrong.value) == (
        "printer.stations: no station 'x' (bar.toml's [[stations]] are: bar, coffee)")
    with pytest.raises(ConfigError) as none:
        load_settings(config('["bar"]', ""), environ={})
    assert str(none.value) == ("printer.stations: no station 'bar' (bar.toml has no "
                               "[[stations]]: leave it empty to print every order)")
    with pytest.raises(ConfigError, match=r"^BAR_PRINTER_STATIONS: no station 'tea' "):
        load_settings(config("[]", TWO_STATIONS), environ={"BAR_PRINTER_STATIONS": "coffee,tea"})
    assert load_settings(config('["coffee"]', TWO_STATIONS), environ={}).printer_stations == (
        "coffee",)
