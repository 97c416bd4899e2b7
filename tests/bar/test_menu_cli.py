"""`bar menu add|edit|image|retire|restore|import`: the happy paths and one-line errors."""

from __future__ import annotations

import json

import pytest

from bar import photos
from bar.models import Drink, DrinkImage, Event
from tests.bar.photos import FAKE_JPEG, phone_jpeg
from tests.conftest import SAMPLE_CONFIG, install_keys, run_cli


@pytest.fixture
def run(settings, _session_keys):
    install_keys(settings, _session_keys)

    def invoke(*args: str, ok: bool = True) -> str:
        return run_cli(settings.data_dir, *args, ok=ok).output

    invoke("init")
    return invoke


def listed(run) -> dict[str, dict]:
    return {d["id"]: d for d in json.loads(run("menu", "list", "--all", "--json"))}


def test_add_edit_retire_restore_from_the_command_line(run):
    out = run("menu", "add", "Paloma", "--category", "Cocktails", "--price", "8",
              "--tags", "sour, strong", "--modifier", "salt=rim,none")
    assert out.strip() == "added Paloma (paloma, 8.00)"
    assert "changed Paloma (paloma, 7.50)" in run("menu", "edit", "paloma", "--price", "7.5")
    paloma = listed(run)["paloma"]
    assert (paloma["price"], paloma["tags"], paloma["modifiers"]) == (
        7.5, ["sour", "strong"], {"salt": ["rim", "none"]})
    assert "off the menu" in run("menu", "retire", "Paloma")
    assert "paloma" not in {d["id"] for d in json.loads(run("menu", "list", "--json"))}
    assert "back on the menu" in run("menu", "restore", "paloma")
    assert not listed(run)["paloma"]["retired"]
    assert Event.select().where(Event.type == "MENU_CHANGED").count() == 4


def test_a_photo_from_a_file_and_its_removal(run, tmp_path):
    photo = tmp_path / "negroni.jpg"
    photo.write_bytes(phone_jpeg())
    assert "/media/drinks/" in run("menu", "image", "negroni", str(photo))
    assert Drink.get_by_id("negroni").photo and DrinkImage.select().count() == 2
    assert "no photo now" in run("menu", "image", "negroni", "--remove")
    assert listed(run)["negroni"]["image"] is None


def test_bad_input_is_one_line_and_changes_nothing(run, tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(FAKE_JPEG)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * (photos.MAX_UPLOAD_BYTES + 10))
    before = listed(run)
    run("menu", "image", "negroni", str(fake), ok=False)
    run("menu", "image", "negroni", str(big), ok=False)
    run("menu", "image", "negroni", str(tmp_path / "missing.jpg"), ok=False)
    run("menu", "image", "no-such", str(fake), ok=False)
    run("menu", "add", "Negroni", ok=False)  # taken
    run("menu", "edit", "negroni", "--price", "cheap", ok=False)
    run("menu", "edit", "negroni", "--modifier", "nonsense", ok=False)
    run("menu", "retire", "no-such", ok=False)
    assert listed(run) == before


def test_import_resyncs_from_the_file_and_init_keeps_live_changes(run):
    run("menu", "edit", "negroni", "--price", "9")
    run("init")
    assert listed(run)["negroni"]["price"] == 9.0  # a restart keeps what the host set
    assert "1 changed" in run("menu", "import", str(SAMPLE_CONFIG))
    assert listed(run)["negroni"]["price"] is None


def test_a_drinks_text_in_another_language_from_the_command_line(run):
    out = run("menu", "edit", "negroni", "--lang", "pt", "--name", "Negroni da casa",
              "--description", "")
    assert out.splitlines()[1:] == [
        "  name in pt: Negroni da casa",
        "  description in pt: none (guests see 'Gin, Campari and sweet vermouth, stirred over "
        "ice with an orange peel.')",
    ]
    pt = listed(run)["negroni"]["translations"]["pt"]
    assert {k: v for k, v in pt.items() if not k.startswith("word:")} == {
        "name": "Negroni da casa", "category": "Coquetéis"}
    assert pt["word:big cube"] == "cubo grande"  # the file's words for its options stay
    assert "--lang sets only the translated" in run("menu", "edit", "negroni", "--lang", "pt",
                                                    "--price", "9", ok=False)
    refused = run("menu", "edit", "negroni", "--lang", "it", "--name", "x", ok=False)
    assert "--lang 'it': one of en, pt, fr, de, es" in refused
    # an option's word, set and taken away
    out = run("menu", "edit", "negroni", "--lang", "pt", "--word", "crushed = gelo moído",
              "--word", "no ice=")
    assert out.splitlines()[1:] == ["  'crushed' in pt: gelo moído",
                                    "  'no ice' in pt: none (guests see 'no ice')"]
    pt = listed(run)["negroni"]["translations"]["pt"]
    assert (pt["word:crushed"], "word:no ice" in pt) == ("gelo moído", False)
    assert "'ice cubes' is not one of the drink's modifiers, options or ingredients" in run(
        "menu", "edit", "negroni", "--lang", "pt", "--word", "ice cubes=gelo", ok=False)
    assert "--word needs --lang" in run("menu", "edit", "negroni", "--word", "ice=gelo", ok=False)
