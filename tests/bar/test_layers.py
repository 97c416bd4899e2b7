"""The core's import graph: bar/ imports neither textual nor flask, and has no loop."""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
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


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_imports(path: Path, modules: set[str]) -> set[str]:
    """The bar modules `path` imports anywhere, inside functions too: a loop hidden in a
    function-level import is still a loop."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # from bar import x
    return names & modules - {_module_name(path)}


def test_the_core_has_no_import_loop():
    paths = {_module_name(path): path for path in CORE.rglob("*.py")}
    graph = {name: _core_imports(path, set(paths)) for name, path in paths.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as loop:
        raise AssertionError(f"import loop: {' → '.join(reversed(loop.args[1]))}") from None
