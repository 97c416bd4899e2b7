"""The red line under the header while `bar up`'s own web server is down.

It stays until the server answers again (a toast would vanish while the phones still
cannot order), says why when it knows (the exit status and the last line of the log)
and which key starts the server again. A kiosk without a server of its own shows no
banner: its header says whether the server it was pointed at answers.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bar import health
from bar.health import Health


def banner_text(server: Health | None) -> str:
    """What the banner says ("" hides it)."""
    if server is None or not server.own:
        return ""
    if server.state == health.STARTING:
        return "Starting the web server…"
    if not server.restartable:
        return ""
    when = f" at {server.since.astimezone():%H:%M}" if server.since is not None else ""
    if server.state == health.STOPPED:
        what = f"The web server stopped{when} ({server.reason})"
    else:
        what = f"The web server has not answered since{when}" if when else (
            "The web server is not answering")
    return f"⚠ {what}. Phones cannot order. Press R to restart it."


class ServerBanner(Static):
    """Shows what `show()` was last told; hidden while there is nothing to say."""

    DEFAULT_CSS = """
    ServerBanner {
        display: none;
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        &.-starting { background: $warning 40%; }
    }
    """

    def show(self, server: Health | None) -> None:
        text = banner_text(server)
        # Text, not markup: the reason quotes the server's log.
        self.update(Text(text))
        self.display = bool(text)
        self.set_class(server is not None and server.state == health.STARTING, "-starting")
