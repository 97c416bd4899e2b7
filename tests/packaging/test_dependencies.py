"""`make run` installs only `bar`'s own dependencies (no test tools): everything the
program imports, at start or later (gunicorn's gevent worker, the printer drivers, Web
Push), must come with them. A package that a test tool happens to bring along (pytest
brings `packaging`) would pass every other test and still stop `bar up` on a fresh
machine, as gunicorn 27's gevent worker did before `gunicorn[gevent]`."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ("bar", "webapp", "kiosk")  # what `bar` runs (bench/ and tests/ are dev tools)


def imported_by_the_program() -> set[str]:
    """Every module our code names in an import, at the top or inside a function."""
    names: set[str] = set()
    for package in PROGRAM:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
    return {n for n in names if n.split(".")[0] not in PROGRAM}


def distributions_loaded_by(modules: set[str]) -> set[str]:
    """Import `modules` in a fresh interpreter: the distributions of every module that
    ends up loaded (what they import in turn too)."""
    script = (
        "import importlib, json, sys\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        pass  # an optional import our code guards (reported below if it is ours)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(sorted(modules))],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    owners = metadata.packages_distributions()
    return {canonicalize_name(dist) for top in json.loads(done.stdout.splitlines()[-1])
            for dist in owners.get(top, ())}


def installed_with(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """`name` and everything `pip install name[extras]` brings, by installed metadata."""
    found: set[str] = set()
    todo = [(canonicalize_name(name), extras)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        dist, wanted = todo.pop()
        if (dist, wanted) in seen:
            continue
        seen.add((dist, wanted))
        found.add(dist)
        for line in metadata.requires(dist) or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in {"", *wanted}):
                todo.append((canonicalize_name(requirement.name),
                             frozenset(requirement.extras)))
    return found


def test_the_program_imports_only_what_its_own_install_brings():
    loaded = distributions_loaded_by(imported_by_the_program())
    assert "gunicorn" in loaded and "gevent" in loaded  # the check sees the lazy imports
    missing = loaded - installed_with("bar") - {canonicalize_name("bar")}
    assert not missing, (
        f"imported at run time but not installed by `pip install -e .`: {sorted(missing)} "
        "(add them to pyproject.toml's dependencies)")


def test_the_check_tells_a_test_tool_from_a_dependency():
    assert "pytest" not in installed_with("bar")
    assert "pytest" in installed_with("bar", frozenset({"dev"}))
