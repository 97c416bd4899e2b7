"""`bar codes create --png/--svg/--pdf`: the invite card, read back as a phone and a
printer would: its QR codes decoded (zxing-cpp), the PDF rendered and its text read
(pdfium), the SVG parsed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from bar import card, joincodes
from bar.config import Settings
from tests.conftest import SAMPLE_CONFIG, install_keys, run_cli

WIFI = "WIFI:T:WPA;S:PartyNet;P:s3cret pass;;"  # what a phone reads from the Wi-Fi code


@pytest.fixture
def run(settings: Settings, _session_keys: Path) -> Any:
    install_keys(settings, _session_keys)

    def invoke(*args: str, ok: bool = True) -> Any:
        return run_cli(settings.data_dir, *args, ok=ok)

    invoke("init")
    return invoke


def decoded(image: Image.Image) -> set[str]:
    return {found.text for found in zxingcpp.read_barcodes(image)}


def make_card(run: Any, tmp_path: Path, *extra: str) -> tuple[dict[str, Any], dict[str, Path]]:
    paths = {kind: tmp_path / f"invite.{kind}" for kind in card.KINDS}
    created = run("codes", "create", "--max-uses", "25", "--expires", "1d", "--json", *extra,
                  *(arg for kind, path in paths.items() for arg in (f"--{kind}", str(path))))
    return json.loads(created.output), paths


def test_the_card_in_each_format_reads_back(run: Any, tmp_path: Path) -> None:
    invite, paths = make_card(run, tmp_path, "--wifi", "PartyNet", "--wifi-password", "s3cret pass")
    url, code = invite["join_url"], joincodes.grouped(invite["code"])  # as people read it

    # PNG: 105 mm wide at 300 dpi, and both codes scan.
    png = Image.open(paths["png"])
    assert png.format == "PNG" and png.size[0] == round(105 / 25.4 * 300)
    assert png.size[1] == round(card.layout(_card(url, code)).height / 25.4 * 300)
    assert decoded(png) == {url, WIFI}

    # PDF: one page of the card's size, its text real text, and both codes scan once
    # printed (rendered at 200 dpi).
    pdf = pypdfium2.PdfDocument(str(paths["pdf"]))
    assert len(pdf) == 1
    page = pdf[0]
    width_mm = page.get_width() / 72 * 25.4
    assert round(width_mm) == 105
    text = " ".join(page.get_textpage().get_text_range().split())  # pdfium's spacing aside
    for words in ("Friday Night Bar", url, f"Code {code}", "For 25 guests", "PartyNet",
                  "Password s3cret pass"):
        assert words in text
    assert decoded(page.render(scale=200 / 72).to_pil()) == {url, WIFI}

    # SVG: well formed, sized in millimetres, the same lines as text.
    root = ET.parse(paths["svg"]).getroot()
    assert root.get("width") == "105.0mm"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Friday Night Bar" in texts and url in texts and f"Code  {code}" in texts
    assert "Password  s3cret pass" in texts


def test_without_wifi_the_card_is_shorter_and_has_one_code(run: Any, tmp_path: Path) -> None:
    invite, paths = make_card(run, tmp_path)
    png = Image.open(paths["png"])
    assert png.size[1] < png.size[0] * 1.25  # 105 × 120 mm
    assert decoded(png) == {invite["join_url"]}
    assert "Wi-Fi" not in paths["svg"].read_text()


def test_text_is_text_in_every_format(tmp_path: Path) -> None:
    """A bar called `<b>&"x"` is printed as that, never as markup, and outside Latin-1
    the PDF's core fonts print "?"."""
    name = '<b>Tom & "Jerry"</b> ☕'
    invite = card.Card(name, "http://bar.test/join?code=abc", "abc",
                       datetime.now(UTC) + timedelta(hours=5), 1)
    svg = ET.fromstring(card.render(invite, "svg"))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert name in texts and "For 1 guest, until" in " ".join(t or "" for t in texts)
    path = tmp_path / "card.pdf"
    card.write(invite, path, "pdf")
    text = pypdfium2.PdfDocument(str(path))[0].get_textpage().get_text_range()
    assert '<b>Tom & "Jerry"</b> ?' in " ".join(text.split())


def test_a_long_name_shrinks_to_fit(tmp_path: Path) -> None:
    invite = _card("http://192.168.100.200:8000/join?code=" + "x" * 36, "x" * 36,
                   name="The Extraordinarily Long-Named Cocktail Lounge & Bar")
    path = tmp_path / "card.pdf"
    card.write(invite, path, "pdf")
    page = pypdfium2.PdfDocument(str(path))[0]
    textpage = page.get_textpage()
    for index in range(textpage.count_rects()):
        left, _, right, _ = textpage.get_rect(index)
        assert 0 <= left and right <= page.get_width()


def test_a_file_that_cannot_be_written_is_one_line(run: Any, tmp_path: Path) -> None:
    result = run("codes", "create", "--pdf", str(tmp_path / "no-such-dir" / "card.pdf"), ok=False)
    assert re.search(r"cannot write .*card\.pdf", result.output)


def test_help_names_the_card() -> None:
    from click.testing import CliRunner

    from bar.cli import cli

    out = CliRunner().invoke(cli, ["--config", str(SAMPLE_CONFIG), "codes", "create", "--help"])
    assert all(f"--{kind}" in out.output for kind in card.KINDS) and "card" in out.output


def _card(url: str, code: str, name: str = "Friday Night Bar") -> card.Card:
    return card.Card(name, url, code, datetime.now(UTC) + timedelta(days=1), 25,
                     card.Wifi("PartyNet", "s3cret pass"))
