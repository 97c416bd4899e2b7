"""The core stays free of UI code: bar/ imports neither textual nor flask."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bar

CORE = Path(bar.__file__).parent
UI_PACKAGES = {"textual", "flask", "flask_sock", "kiosk", "webapp"}


def _top_level_imports(path: Path) -> set[str]:
    """Imports at module level (the CLI may import the UIs inside the commands that run them)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_core_module_imports_ui_packages_at_module_level():
    for path in CORE.rglob("*.py"):
        assert not _top_level_imports(path) & UI_PACKAGES, path.name


def test_importing_the_whole_core_loads_no_ui_package():
    code = (
        "import sys, pkgutil, importlib, bar\n"
        "for m in pkgutil.iter_modules(bar.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('bar.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in "
        f"{sorted(UI_PACKAGES)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
