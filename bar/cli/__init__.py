"""The `bar` command: a thin layer over the core services, one module per area.

Errors from the core become one line (`Error: …`) and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

# Importing the areas registers their commands on `cli`.
from bar.cli import announce, codes, people, queue, reports, run  # noqa: F401
from bar.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli.main(prog_name="bar")
    except KeyboardInterrupt:
        sys.exit(130)
