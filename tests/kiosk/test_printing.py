"""The kiosk prints every new order's ticket (`kiosk.printing`, `bar.spool`), shows the
printer's state in its header, reprints with `p`, and never lets a printer hold up an
order or the board."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from bar.clock import FrozenClock
from bar.config import Settings
from bar.tokens import Keys
from kiosk.app import KioskApp
from kiosk.printing import PrinterBanner
from kiosk.screens.keys import KeysScreen, key_list
from tests.conftest import Factory
from tests.escpos_render import read
from tests.kiosk.conftest import SIZE, column_text, label_text, wait_for
from tests.kiosk.test_live import elsewhere
from tests.printers import FakePrinter


def kiosk(settings: Settings, clock: FrozenClock, url: str) -> KioskApp:
    return KioskApp(dataclasses.replace(settings, printer_url=url), clock=clock, barista="Sam")


def printed(path: Path) -> str:
    return read(path.read_bytes()).text if path.exists() else ""


async def test_every_new_order_prints_and_p_prints_it_again(
    kiosk_settings: Settings, keys: Keys, make: Factory, clock: FrozenClock, tmp_path: Path
) -> None:
    out = tmp_path / "printer.bin"
    app = kiosk(kiosk_settings, clock, f"file://{out}")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer ok")
        elsewhere(lambda: make.order(make.guest("Ana Lopez"), "flat-white", modifiers={"milk": "oat"}))
        assert await wait_for(pilot, lambda: "#1 Ana" in column_text(app, "pending"))
        assert await wait_for(pilot, lambda: "Flat White" in printed(out), timeout=30)
        text = printed(out)
        assert "#1" in text and "Ana" in text and "  milk: oat" in text and "NEW" in text
        # `p` prints the selected order's ticket again, marked as such.
        await pilot.press("p")
        assert await wait_for(pilot, lambda: "REPRINT" in printed(out), timeout=30)
        assert printed(out).count("Flat White") == 2
        # `?` lists it with the other keys.
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysScreen)
        assert ("p", "Print") in app.screen.keys


async def test_without_a_printer_there_is_no_p_and_nothing_in_the_header(app: KioskApp) -> None:
    async with app.run_test(size=SIZE):
        assert ("p", "Print") not in key_list(app.queue_screen)
        assert not app.queue_screen.query_one("#printer").display


async def test_an_unplugged_printer_shows_and_its_tickets_print_when_it_is_back(
    kiosk_settings: Settings, keys: Keys, make: Factory, clock: FrozenClock
) -> None:
    printer = FakePrinter()
    try:
        printer.off()
        app = kiosk(kiosk_settings, clock, printer.url)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer ok")
            assert app.printer.spool is not None
            app.printer.spool.retry = (0.2,)  # not 1, 2, 5, 10 s: the test would wait
            elsewhere(lambda: make.order(make.guest("Bo")))
            elsewhere(lambda: make.order(make.guest("Cy")))
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer OFF", timeout=30)
            banner = app.queue_screen.query_one(PrinterBanner)
            assert await wait_for(pilot, lambda: "2 tickets wait" in str(banner.content))
            assert f": {printer.url}: connection refused. 2 tickets wait" in str(banner.content)
            assert "#2 Cy" in column_text(app, "pending")  # the board goes on
            printer.on()
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer ok", timeout=30)
            assert not banner.display
            assert printer.wait_for(lambda paper: "Cy" in paper.text)
            lines = printer.paper.lines
            assert [line for line in lines if line.startswith("#")] == ["#1", "#2"]
    finally:
        printer.off()


async def test_an_order_never_waits_for_a_printer_that_takes_nothing(
    kiosk_settings: Settings, keys: Keys, make: Factory, clock: FrozenClock, tmp_path: Path
) -> None:
    # A device file nobody reads (a FIFO without a reader): opening it to write blocks,
    # as a printer's port that never takes the bytes.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    app = kiosk(kiosk_settings, clock, f"file://{fifo}")
    received = bytearray()
    reading = threading.Event()

    def read_the_device() -> None:
        while reading.is_set():
            with open(fifo, "rb") as device:  # a writer opened it: read its ticket
                received.extend(device.read())

    reader = threading.Thread(target=read_the_device, daemon=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer ok")
            elsewhere(lambda: make.order(make.guest("Ana")))
            # The printer thread is stuck handing over #1's ticket...
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printing 1")
            # ...and an order is placed, acknowledged and on the board all the same.
            placed = make.order(make.guest("Bo"), "espresso")
            assert placed.number == 2
            assert await wait_for(pilot, lambda: "#2 Bo" in column_text(app, "pending"))
            assert not received
            reading.set()
            reader.start()  # the printer takes the bytes at last: both tickets, in order
            assert await wait_for(pilot, lambda: b"Espresso" in bytes(received), timeout=30)
            assert [line for line in read(bytes(received)).lines if line.startswith("#")] == ["#1", "#2"]
    finally:
        reading.clear()
        if reader.is_alive():  # waiting for a writer that will not come: open and close one
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            reader.join(5)


async def test_an_order_never_waits_for_a_network_printer_that_never_reads(
    kiosk_settings: Settings, keys: Keys, make: Factory, clock: FrozenClock
) -> None:
    printer = FakePrinter(reading=False)  # accepts the connection, never reads or answers
    try:
        app = kiosk(kiosk_settings, clock, printer.url)
        async with app.run_test(size=SIZE) as pilot:
            assert await wait_for(pilot, lambda: label_text(app, "#printer") == "printer ok")
            elsewhere(lambda: make.order(make.guest("Ana")))
            assert await wait_for(pilot, lambda: printer.connections >= 1, timeout=30)
            # The printer holds the connection and has read nothing; orders go on.
            placed = [make.order(make.guest(name)) for name in ("Bo", "Cy")]
            assert [order.number for order in placed] == [2, 3]
            assert await wait_for(pilot, lambda: "#3 Cy" in column_text(app, "pending"))
            assert printer.received == b""
            printer.start_reading()
            assert printer.wait_for(lambda paper: "Cy" in paper.text)
            assert [line for line in printer.paper.lines if line.startswith("#")] == ["#1", "#2", "#3"]
    finally:
        printer.off()
