"""Running the app: gunicorn's gevent worker for real (`bar serve`), a werkzeug thread
for tests and benches.

`bar serve` runs on an event loop: gevent makes every connection a greenlet, so an open
phone page or a half-sent request costs a socket and a few KiB, never an OS thread.
gevent must patch the standard library before anything creates a lock or a socket, so
`bar serve` re-executes itself as `python -m gevent.monkey --module bar …` first
(`restart_on_event_loop`). One worker process: one event tailer, one set of sockets.

With `server.tls_cert`/`tls_key` the worker speaks HTTPS and WSS on the same port and
answers a plain-HTTP request with a redirect to the `https://` address (`webapp.secure`
says why the worker does the TLS itself instead of gunicorn's `certfile`).

Defences: a request's line and headers must arrive within HEADER_DEADLINE_S (gunicorn's
keep-alive timer) and its body within BODY_DEADLINE_S, or the connection is dropped; the
hub caps sockets per address and in total (`webapp.fanout`). On SIGTERM the worker
closes every socket with 1001 at once, so shutdown does not wait out the grace period.
"""

from __future__ import annotations

import io
import os
import resource
import ssl
import sys
import threading
from typing import Any, NoReturn

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bar import tls
from bar.config import Settings
from bar.db import db
from bar.net import base_url
from webapp.fanout import Hub, socket_capacity
from webapp.threads import on_event_loop

__all__ = ["on_event_loop", "restart_on_event_loop", "serve", "run_in_thread"]

GRACEFUL_TIMEOUT_S = 3
# A request line and headers take one packet from a phone; a few seconds cover a bad
# Wi-Fi. Also how long an idle keep-alive connection stays open.
HEADER_DEADLINE_S = 5
BODY_DEADLINE_S = 5
# Connections that are not WebSockets (plain requests) on top of the socket capacity.
HTTP_HEADROOM = 1000


def restart_on_event_loop(cli_args: list[str]) -> NoReturn:
    """Run `bar <cli_args>` again in this process, patched by gevent before any import."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable,
             [sys.executable, "-m", "gevent.monkey", "--module", "bar", *cli_args])


def raise_open_file_limit() -> int:
    """Lift the soft limit on open files to the hard one (each socket is a file)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _worker_class(certificate: tls.Certificate | None = None, https_base: str = "") -> type:
    # Imported here: gunicorn's gevent worker imports gevent, which the werkzeug path
    # (tests, benches) does without.
    import gevent
    from gunicorn.workers.ggevent import GeventWorker

    from webapp import secure

    class BarWorker(GeventWorker):  # type: ignore[misc]
        """A gevent worker that runs the hub from the start and stops it at once when told.

        Started at boot (not at the first WebSocket) so overdue orders expire even when
        no page is connected; stopped on SIGTERM/SIGQUIT so open sockets close right away.
        """

        tls_context: ssl.SSLContext | None = None

        def run(self) -> None:
            if certificate is not None:
                # Made in the worker, after gevent patched `ssl`: its sockets are the loop's.
                self.tls_context = certificate.context()
            hub = self._hub()
            if hub is not None:
                hub.start()
            super().run()

        def handle(self, listener: Any, client: Any, addr: Any) -> None:
            if self.tls_context is not None:
                client = secure.accept(client, self.tls_context, https_base=https_base,
                                       deadline_s=HEADER_DEADLINE_S)
                if client is None:
                    return
            super().handle(listener, client, addr)

        def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
            if isinstance(sock, ssl.SSLSocket):
                req.scheme = "https"  # gunicorn's own TLS is off (see webapp.secure)
            if req.body is not None:
                # Read the whole body now, against the clock: a body that trickles in
                # would otherwise hold its greenlet for as long as the sender likes.
                limit = int(self.wsgi.config.get("MAX_CONTENT_LENGTH") or 1 << 20)
                with gevent.Timeout(BODY_DEADLINE_S, False):
                    req.body = io.BytesIO(req.body.read(limit + 1))
                if not isinstance(req.body, io.BytesIO):
                    raise StopIteration("the request body did not arrive in time")
            return super().handle_request(listener_name, req, sock, addr)

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
                # Not in the signal handler itself: closing takes locks a greenlet may hold.
                gevent.spawn(hub.stop)

    return BarWorker


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
    settings: Settings, *, host: str, port: int, errorlog: str = "-", capacity: int | None = None
) -> dict[str, Any]:
    capacity = socket_capacity() if capacity is None else capacity
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gevent",  # replaced by BarWorker in serve()
        # The pool bounds greenlets, not memory: the hub's caps refuse sockets first.
        "worker_connections": capacity + HTTP_HEADROOM,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "timeout": 30,
        "keepalive": HEADER_DEADLINE_S,
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
    """Serve `app` under gunicorn's gevent worker until SIGTERM or Ctrl+C (exit status 0).

    Call it on the event loop (`restart_on_event_loop`): unpatched, every open socket
    would block the worker. Create `app` after `raise_open_file_limit`: its hub sizes
    the admission by the limit, and the worker's pool follows the hub.
    """
    settings: Settings = app.extensions["bar"].settings
    capacity = app.extensions["bar"].hub.admission.total
    options = gunicorn_options(
        settings, host=host or settings.host, port=settings.port if port is None else port,
        errorlog=errorlog, capacity=capacity,
    )
    certificate = tls.load(settings)
    if certificate is not None:
        # gunicorn would send files with sendfile(2), past the TLS layer it does not know.
        options["sendfile"] = False
    options["worker_class"] = _worker_class(certificate, base_url(settings))
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
