"""Every CLI command: its happy path and its one-line error."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from bar import datadir, orders, registration
from bar.cli import cli
from bar.clock import utcnow
from bar.models import Admin, Drink, Order, RegistrationCode
from tests.conftest import SAMPLE_CONFIG, install_keys, run_cli


@pytest.fixture
def run(settings, _session_keys):
    install_keys(settings, _session_keys)

    def invoke(*args: str, input: str | None = None, ok: bool = True):
        return run_cli(settings.data_dir, *args, ok=ok, input=input)

    invoke("init")
    return invoke


def _place_order(settings, name="Ana"):
    now = utcnow()
    code = registration.create_code(max_uses=5, expires_at=now + timedelta(days=1), now=now)
    reg = registration.register(settings, datadir.open_bar(settings), code=code.code,
                                username=name, now=now)
    return orders.place_order(settings, reg.guest, drink_id="negroni", now=now).order


def test_init_is_idempotent(run, settings):
    assert "Checked" in run("init").output
    assert Drink.select().count() == 10


def test_commands_before_init_say_so(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["--config", str(SAMPLE_CONFIG), "--data-dir", str(tmp_path / "none"), "orders"],
    )
    assert result.exit_code == 1 and "run `bar init` first" in result.output


def test_codes_create_json_list_revoke(run, tmp_path):
    data = json.loads(run("codes", "create", "--max-uses", "25", "--expires", "1d", "--json").output)
    assert set(data) == {"code", "expires_at", "max_uses", "join_url"}
    assert data["max_uses"] == 25 and data["join_url"].endswith(f"/j/{data['code']}")
    listed = json.loads(run("codes", "list", "--json").output)
    assert listed[0]["code"] == data["code"] and listed[0]["status"] == "active"
    assert "Revoked" in run("codes", "revoke", data["code"]).output
    assert RegistrationCode.get_by_id(data["code"]).revoked
    run("codes", "revoke", "no-such-code", ok=False)


def test_orders_recall_undoes_the_last_move(run, settings):
    order = _place_order(settings)
    run("orders", "move", str(order.number), "preparing", "--barista", "Kim")
    run("orders", "move", str(order.number), "ready", "--barista", "Kim")
    assert run("orders", "recall", "--barista", "Kim").output == \
        f"Recalled #{order.number} Negroni for Ana: ready → preparing\n"
    assert Order.get_by_id(order.id).status == "preparing"
    assert "nothing to recall: cli moved no order" in run("orders", "recall", ok=False).output


def test_codes_create_takes_its_defaults_from_the_config(run, tmp_path, settings):
    config = tmp_path / "bar.toml"
    config.write_text('[invites]\nmax_uses = 12\nvalid_for = "3h"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data-dir", str(settings.data_dir),
                                      "codes", "create", "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["max_uses"] == 12
    expires = datetime.fromisoformat(data["expires_at"]) - utcnow()
    assert timedelta(hours=2, minutes=59) < expires <= timedelta(hours=3)
    assert json.loads(run("codes", "create", "--json").output)["max_uses"] == 25  # bar.toml's


def test_codes_create_prints_qr_and_writes_files(run, tmp_path):
    png, svg = tmp_path / "invite.png", tmp_path / "invite.svg"
    out = run("codes", "create", "--notes", "Sam's friends", "--png", str(png), "--svg", str(svg),
              "--wifi", "PartyNet", "--wifi-password", "hunter22").output
    assert "Join URL" in out and "▀" in out and "Wi-Fi" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()


def test_usage_errors_exit_2_with_a_message(run):
    result = CliRunner().invoke(cli, ["codes", "create", "--max-uses", "0"])
    assert result.exit_code == 2 and "Error: Invalid value for '--max-uses'" in result.output


def test_codes_create_bad_expiry_is_one_line(run):
    run("codes", "create", "--expires", "someday", ok=False)


def test_menu_list_enable_disable(run):
    drinks = json.loads(run("menu", "list", "--json").output)
    assert len(drinks) == 10 and drinks[0]["id"] == "negroni"
    assert "out of stock" in run("menu", "disable", "Negroni").output
    assert not Drink.get_by_id("negroni").is_active
    assert "in stock" in run("menu", "enable", "negroni").output
    assert Drink.get_by_id("negroni").is_active
    run("menu", "disable", "whisky", ok=False)
    assert "Negroni" in run("menu", "list").output


def test_shop_open_close_status(run):
    assert "closed" in run("shop", "close").output
    assert json.loads(run("shop", "status", "--json").output)["is_open"] is False
    assert "open" in run("shop", "open").output
    assert "The bar is open" in run("shop").output


def test_orders_list_and_move(run, settings):
    order = _place_order(settings)
    assert json.loads(run("orders", "--json").output)[0]["number"] == order.number
    out = run("orders", "move", str(order.number), "preparing", "--barista", "Joe").output
    assert "is preparing" in out
    assert Order.get_by_id(order.id).barista == "Joe"
    run("orders", "move", str(order.number), "served", ok=False)
    run("orders", "move", "999", "ready", ok=False)
    assert "Negroni" in run("orders").output


def test_admin_create_with_password_stdin(run):
    assert "Created admin joe" in run("admin", "create", "joe", "--password-stdin",
                                      input="correct horse\n").output
    assert Admin.get(Admin.username == "joe").password_hash != "correct horse"
    run("admin", "create", "joe", "--password-stdin", input="correct horse\n", ok=False)
    run("admin", "create", "kim", "--password-stdin", input="short\n", ok=False)


def test_stats(run, settings):
    order = _place_order(settings)
    for _ in range(3):
        orders.advance(order.id, barista="Joe", now=utcnow())
    data = json.loads(run("stats", "--json").output)
    assert data["totals"]["ordered"] == 1 and data["rows"][0]["served"] == 1
    assert "day,drink_id,drink,ordered" in run("stats", "--csv").output
    assert "1 orders: 1 served" in run("stats").output


def test_events_and_announce(run, settings):
    assert "Announced" in run("announce", "Last call!").output
    lines = [json.loads(line) for line in run("events", "--json").output.splitlines()]
    assert lines[-1]["event"] == {"type": "ANNOUNCEMENT", "message": "Last call!",
                                  "at": lines[-1]["event"]["at"]}
    run("announce", "   ", ok=False)


def test_config_error_is_one_line(tmp_path):
    bad = tmp_path / "bar.toml"
    bad.write_text("[rules]\nmax_queue = 'many'\n")
    result = CliRunner().invoke(cli,
                                ["--config", str(bad), "shop"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: rules.max_queue: expected a whole number, got 'many'"


def test_real_entry_point_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bar", "--config", str(SAMPLE_CONFIG), "--data-dir",
         str(tmp_path / "nothing"), "codes", "list"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Error: no bar in")
