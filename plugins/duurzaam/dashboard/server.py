"""Serves the built dashboard (the `current` build under the dashboard folder) over HTTP:
static files only, read per request, so a new build is served as soon as it is published."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from duurzaam.dashboard.site import CURRENT

log = logging.getLogger(__name__)


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class's own mapping, replaced
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
    }

    def send_head(self) -> Any:
        if not Path(self.directory).is_dir():  # before the first build
            self.send_error(503, "Het dashboard is nog niet gebouwd (duurzaam dashboard build)")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        # pages change with every build; the browser asks again rather than guess
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(
    dashboard_dir: Path, host: str = "127.0.0.1", port: int = 8050
) -> ThreadingHTTPServer:
    """A server of the dashboard's current build (port 0: any free port); until there is
    one, it answers 503."""
    site = dashboard_dir / CURRENT
    handler = functools.partial(_Handler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)


@contextmanager
def serving(dashboard_dir: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The dashboard served from a thread of this process; yields its base URL."""
    server = make_server(dashboard_dir, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve(dashboard_dir: Path, host: str, port: int) -> None:
    """Serves until interrupted (the dashboard service, `duurzaam dashboard serve`)."""
    server = make_server(dashboard_dir, host, port)
    print(
        f"Dashboard: http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}/",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
