"""`python -m bench [BENCH ...] [--quick] [--json PATH] [--profile DIR]`.

BENCH: orders, night, fanout, capacity, burst, kiosk, assistant, engines, tls, push.
Runs the named benchmarks (all ten by default), prints a table for each with the
machine, the date and the figures against their aims. Exit status 1 when something
was lost or failed (a missing message, a lost order, a 5xx, SQLITE_BUSY); a figure
short of its aim is shown as a miss, not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bench.common import Result, machine

BENCHES = ("orders", "night", "fanout", "capacity", "burst", "kiosk", "assistant", "engines", "tls",
           "push")


def _runner(name: str) -> Callable[[bool], Result]:
    if name == "orders":
        from bench.orders import run
    elif name == "night":
        from bench.night import run
    elif name == "fanout":
        from bench.fanout import run
    elif name == "capacity":
        from bench.capacity import run
    elif name == "burst":
        from bench.burst import run
    elif name == "assistant":
        from bench.assistant import run
    elif name == "engines":
        from bench.engines import run
    elif name == "tls":
        from bench.tls import run
    elif name == "push":
        from bench.push import run
    else:
        from bench.kiosk import run
    return run


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def show(console: Console, result: Result) -> None:
    table = Table(title=result.title, title_justify="left", header_style="bold")
    for column in result.columns:
        table.add_column(column, justify="left" if column == result.columns[0] else "right")
    for row in result.rows:
        table.add_row(*row)
    console.print(table)
    if result.aims:
        aims = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        for column in ("figure", "measured", "aim", ""):
            aims.add_column(column)
        for aim in result.aims:
            mark = ("[green]✓ met[/]" if aim.met else "[red]✗ missed[/]") if aim.met is not None \
                else "[yellow]? n/a[/]"
            aims.add_row(aim.label, aim.value, aim.aim, mark)
        console.print(aims)
    for note in result.notes:
        console.print(f"  [dim]· {note}[/]", highlight=False)
    for failure in result.failures:
        console.print(f"  [bold red]FAIL[/] {failure}", highlight=False)
    console.print(f"  [dim]({result.seconds:.0f} s)[/]\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("benches", nargs="*", metavar="BENCH",
                        help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy the server (and kiosk) during measured phases; raw stacks "
                             "into DIR (pip install py-spy; summarise with python -m bench.hot)")
    args = parser.parse_args(argv)
    if args.profile:
        os.environ["BENCH_PROFILE"] = os.path.abspath(args.profile)
    names = args.benches or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}: choose from {', '.join(BENCHES)}")

    console = Console(highlight=False, width=max(140, Console().width))
    info = machine()
    console.print(
        f"[bold]bar benchmarks[/]{' (quick)' if args.quick else ''} — {info['date']}\n"
        f"machine: {info['cores']} cores ({info['cpu']}), {info['python']}, {info['os']}; "
        f"load average {_load()} at the start\n"
        f"command: python -m bench {' '.join(argv if argv is not None else sys.argv[1:])}\n"
    )
    started = time.monotonic()
    results: list[Result] = []
    for name in names:
        console.print(f"[dim]running {name}…[/]")
        try:
            result = _runner(name)(args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            result = Result(name, name, ["error"], failures=[f"{type(exc).__name__}: {exc}"])
            console.print(traceback.format_exc(), markup=False)
        results.append(result)
        show(console, result)
    total = time.monotonic() - started
    failed = [r.name for r in results if not r.ok]
    missed = [f"{r.name}: {a.label}" for r in results for a in r.aims if a.met is False]
    console.print(f"load average {_load()} at the end (other work on the machine skews figures)")
    console.print(f"total {total:.0f} s; "
                  + (f"[bold red]FAILED: {', '.join(failed)}[/]" if failed else "[green]nothing lost[/]")
                  + (f"; aims missed: {'; '.join(missed)}" if missed else "; all aims met"))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"machine": info, "quick": args.quick, "seconds": total,
                       "results": [r.__dict__ | {"aims": [a.__dict__ for a in r.aims]}
                                   for r in results]}, out, indent=2, default=str)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
