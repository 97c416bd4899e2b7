"""`bar kiosk` is wired into the CLI (the TUI itself is tested through `run_test`)."""

from __future__ import annotations

from click.testing import CliRunner

from bar.cli import cli


def test_bar_kiosk_takes_a_barista_name() -> None:
    result = CliRunner().invoke(cli, ["kiosk", "--help"])
    assert result.exit_code == 0
    assert "--barista NAME" in result.output
