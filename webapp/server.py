"""Running the app: gunicorn for real (`bar serve`), a werkzeug thread for tests and benches.

Gunicorn runs one `gthread` worker: one process keeps one event tailer, and every
open WebSocket holds one of its threads (`settings.threads`). On SIGTERM the worker
closes its sockets at once, so shutdown does not wait out the graceful timeout.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bar.config import Settings
from bar.db import db
from webapp.fanout import Hub

GRACEFUL_TIMEOUT_S = 3


class BarWorker(ThreadWorker):
    """A gthread worker that runs the hub from the start and stops it at once when told.

    Started at boot (not at the first WebSocket) so overdue orders expire even when no
    page is connected; stopped on SIGTERM/SIGQUIT so open sockets close right away.
    """

    def run(self) -> None:
        hub = self._hub()
        if hub is not None:
            hub.start()
        super().run()

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        self._stop_hub()

    def handle_quit(self, sig: int, frame: Any) -> None:
        self._stop_hub()
        super().handle_quit(sig, frame)

    def _hub(self) -> Hub | None:
        context = getattr(getattr(self, "wsgi", None), "extensions", {}).get("bar")
        return context.hub if context is not None else None

    def _stop_hub(self) -> None:
        hub = self._hub()
        if hub is not None:
            # Not in the signal handler itself: closing takes locks a thread may hold.
            threading.Thread(target=hub.stop, name="bar-stop", daemon=True).start()


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def gunicorn_options(
    settings: Settings, *, host: str, port: int, errorlog: str = "-"
) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "webapp.server.BarWorker",
        "threads": settings.threads,
        # Each WebSocket counts as a connection: allow one per thread and then some.
        "worker_connections": max(1000, settings.threads * 2),
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": errorlog,
        "loglevel": "warning",
        "proc_name": f"bar: {settings.name}",
        # Gunicorn's control socket lives at one path per user: two bars would clash.
        "control_socket_disable": True,
    }


def serve(
    app: Flask, *, host: str | None = None, port: int | None = None, errorlog: str = "-"
) -> None:
    """Serve `app` under gunicorn until SIGTERM or Ctrl+C (then exit status 0)."""
    settings: Settings = app.extensions["bar"].settings
    options = gunicorn_options(
        settings, host=host or settings.host, port=settings.port if port is None else port,
        errorlog=errorlog,
    )
    # The worker is a fork of this process: it must not inherit an open SQLite
    # connection, so this thread's (used by create_app) is closed first.
    db.close()
    _Gunicorn(app, options).run()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        # Else werkzeug reads the next request from the socket: after a WebSocket, that
        # is the client's close frame, answered with an HTML 400 on the socket.
        self.close_connection = True


def _silent_after_upgrade(app: Flask) -> Any:
    """Werkzeug would write flask-sock's empty 200 for a finished WebSocket onto the
    socket, after the close frame, where a client reads it as a broken frame. Ending the
    request as a dropped connection writes nothing (flask-sock does as much for gunicorn)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            if environ.get("HTTP_UPGRADE", "").lower() == "websocket" and status.startswith("200"):
                raise ConnectionAbortedError("the WebSocket is over")
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wsgi


def run_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> tuple[BaseWSGIServer, str]:
    """Serve `app` with werkzeug in a daemon thread; returns the server and its base URL.

    Stop it with `server.shutdown()` (and `app.extensions["bar"].hub.stop()`).
    """
    server = make_server(host, port, _silent_after_upgrade(app), threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="bar-http", daemon=True
    )
    thread.start()
    return server, f"http://{host}:{server.server_port}"
