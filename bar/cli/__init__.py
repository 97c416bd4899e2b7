"""The `bar` command: a thin layer over the core services, one module per area.

Errors from the core become one line (`Error: …`) and exit status 1, never a traceback.
Each area's module is imported when one of its commands runs (`COMMAND_MODULES` in
`bar.cli.base`), so a quick command starts quickly.
"""

from __future__ import annotations

import sys

from bar.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli.main(prog_name="bar")
    except KeyboardInterrupt:
        sys.exit(130)
