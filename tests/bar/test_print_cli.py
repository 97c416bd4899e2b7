"""`bar print test|order N|invite`: on the printer of `--url` (or `[printer] url`), or one
line saying why not."""

from __future__ import annotations

from pathlib import Path

from bar.clock import utcnow
from bar.config import Settings
from bar.net import join_url
from bar.registration import active_invite
from tests.conftest import Factory, run_cli
from tests.escpos_render import decode_qr, read
from tests.printers import FakePrinter


def test_a_test_page_an_order_and_the_invite(
    settings: Settings, keys: object, make: Factory, tmp_path: Path
) -> None:
    out = tmp_path / "printer.bin"
    url = f"file://{out}"
    result = run_cli(settings.data_dir, "print", "test", "--url", url)
    assert result.output.strip() == f"Printed a test page on {url}"
    assert "bar: printer test" in read(out.read_bytes()).text
    assert f"printer  {url}" in read(out.read_bytes()).text.replace("\n         ", "")

    make.clock.now = utcnow()  # `bar print order N` finds today's order N
    order = make.order(make.guest("Ana"), "espresso", note="no sugar")
    result = run_cli(settings.data_dir, "print", "order", str(order.number), "--url", url)
    assert result.output.strip() == f"Printed #{order.number} Espresso for Ana"
    text = read(out.read_bytes()).text
    assert f"#{order.number}" in text and "Espresso" in text and "Note: no sugar" in text
    assert "REPRINT" in text

    out.unlink()
    result = run_cli(settings.data_dir, "print", "invite", "--url", url)
    invite = active_invite(now=make.clock())
    assert invite is not None
    paper = read(out.read_bytes())
    assert f"Code {invite.code[:4]}-{invite.code[4:]}" in paper.lines
    [code] = paper.images
    # The CLI reads the sample bar.toml (no public URL): the join URL on this machine.
    assert decode_qr(code) == join_url(settings, invite.code) in paper.text.replace("\n", "")


def test_no_printer_an_unknown_order_and_a_printer_that_is_off(
    settings: Settings, keys: object
) -> None:
    result = run_cli(settings.data_dir, "print", "test", ok=False)
    assert "no printer: set [printer] url in bar.toml" in result.output
    result = run_cli(settings.data_dir, "print", "order", "99", "--url", "file:///dev/null", ok=False)
    assert "no order #99 today" in result.output
    printer = FakePrinter()
    printer.off()
    result = run_cli(settings.data_dir, "print", "test", "--url", printer.url, ok=False)
    assert result.output.strip() == f"Error: printer {printer.url}: connection refused"
    result = run_cli(settings.data_dir, "print", "test", "--url", "lpt1", ok=False)
    assert "--url: expected tcp://HOST[:PORT]" in result.output
