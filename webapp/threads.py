"""CPU-heavy work off the event loop.

Under `bar serve` every connection is a greenlet on one gevent loop: a call that holds
the CPU without yielding (scrypt, for an admin's password: 0.1-0.5 s) stops every
phone's page for its duration. gevent's thread pool runs it in a real OS thread
instead, and the loop goes on while it waits (hashlib's scrypt releases the GIL).
Outside gevent (the werkzeug server of tests and benches, the CLI) the work runs here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def on_event_loop() -> bool:
    """Has gevent patched this process's threads (`bar serve`)?"""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def off_the_event_loop(work: Callable[[], T]) -> T:
    """`work()`, in gevent's thread pool when on the event loop."""
    if not on_event_loop():
        return work()
    import gevent

    result: T = gevent.get_hub().threadpool.apply(work)
    return result
