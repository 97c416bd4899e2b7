"""The pages' ES modules import each other in layers: no loop (a loop works only until
someone calls a function while the modules are still loading)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "webapp" / "static"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?from\s+['"](\.{1,2}/[^'"]+)['"]""", re.M)


def module_graph() -> dict[Path, set[Path]]:
    graph = {}
    for module in STATIC.rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        graph[module] = {(module.parent / target).resolve() for target in IMPORT.findall(text)}
    return graph


def test_every_import_names_a_module_that_exists():
    for module, targets in module_graph().items():
        for target in targets:
            assert target.is_file(), f"{module.relative_to(STATIC)} imports missing {target}"


def test_the_modules_import_each_other_without_a_loop():
    graph = module_graph()
    assert len(graph) > 10 and any(graph.values())  # the parser finds the imports
    done: set[Path] = set()

    def visit(module: Path, path: list[Path]) -> None:
        if module in path:
            loop = path[path.index(module):] + [module]
            raise AssertionError("import loop: " + " -> ".join(p.name for p in loop))
        if module in done:
            return
        for target in graph.get(module, ()):
            visit(target, path + [module])
        done.add(module)

    for module in graph:
        visit(module, [])
