"""Each page's scripts load as native ES modules under the CSP, and the page starts.

A module that fails to load (a 404, a wrong MIME type, an import that is not exported,
a CSP refusal) stops the whole page and says so only in the console: the watcher of
the `phone` and `tv` fixtures fails the test on it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Live

pytestmark = pytest.mark.browser

JS_TYPES = ("text/javascript", "application/javascript")


@pytest.mark.parametrize(
    ("screen", "path", "started", "entry"),
    [
        ("phone", "/", "#join-view:visible", "/static/app.js"),
        ("tv", "/display", "#live-indicator[data-state=live]", "/static/display.js"),
        ("tv", "/barista", "#login-view:visible", "/static/barista.js"),
    ],
)
def test_page_modules_load_and_start_the_page(
    request: pytest.FixtureRequest, live: Live, screen: str, path: str, started: str, entry: str
) -> None:
    page, seen = request.getfixturevalue(screen)
    scripts: dict[str, tuple[int, str]] = {}

    def on_response(response: Any) -> None:
        if response.request.resource_type == "script":
            scripts[urlsplit(response.url).path] = (
                response.status, response.headers.get("content-type", ""))

    page.on("response", on_response)
    page.goto(f"{live.url}{path}")
    page.wait_for_selector(started)  # only the page's script shows this

    shared = {"/static/common.js", "/static/status.js", "/static/live.js"}
    assert {entry} | shared <= set(scripts)
    for script, (status, content_type) in scripts.items():
        assert status == 200, script
        assert content_type.startswith(JS_TYPES), (script, content_type)
    seen.check()
