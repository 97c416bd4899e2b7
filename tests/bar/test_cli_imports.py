"""Quick CLI commands import only what they use: no web server, no TUI, no password hash.

Each command runs in a fresh interpreter (this test process has imported everything
already), and prints which of the heavy packages ended up in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bar.cli.base import COMMAND_MODULES, cli
from tests.conftest import SAMPLE_CONFIG

# What a command imports: the same on either engine.
ENGINES = ["sqlite"]

HEAVY = ("textual", "flask", "gunicorn", "gevent", "werkzeug", "kiosk", "webapp")

# Runs the CLI in-process, then reports the heavy top-level packages it imported.
PROBE = """
import json, sys
from bar.cli import cli

try:
    cli.main(args=sys.argv[1:], prog_name="bar")
except SystemExit as stop:
    code = stop.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _imports(data_dir: Path, *args: str) -> dict[str, object]:
    probe = f"HEAVY = {HEAVY!r}\n{PROBE}"
    out = subprocess.run(
        [sys.executable, "-c", probe, "--config", str(SAMPLE_CONFIG), "--data-dir", str(data_dir),
         *args],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [
    ("shop", "status"),
    ("orders",),
    ("codes", "create", "--max-uses", "5", "--expires", "1d", "--json"),
    ("print", "test", "--url", "file:///dev/null"),
])
def test_quick_commands_import_neither_web_nor_tui(keys, settings, args):
    found = _imports(settings.data_dir, *args)
    assert found == {"code": 0, "heavy": []}


def test_every_command_has_its_module(keys):
    """`COMMAND_MODULES` lists exactly the commands the modules register."""
    from click import Context

    listed = cli.list_commands(Context(cli))  # imports every module
    assert sorted(listed) == sorted(COMMAND_MODULES)
