"""Serves the built dashboard (the `current` build under the dashboard folder) over HTTP:
static files only, read per request, so a new build is served as soon as it is published.

The pages are public, so the server gives away nothing else: no folder listings, no file
outside the build (a symbolic link out of it is not followed), security headers on every
answer (scripts and styles only from the site itself, no framing, no sniffing, no referrer),
and a client gets `request_timeout` seconds to send its request and for each read and write,
so slow or half-sent requests cannot hold the server's threads. It listens on 127.0.0.1
unless told otherwise; the compose stack publishes its port on the host's 127.0.0.1 only."""

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

REQUEST_TIMEOUT = 10.0  # seconds

# The pages load their scripts, styles and data from the site itself: no inline script or
# style. plotly.js (the copy of the plotly package in the lock file) adds two style elements
# of its own, allowed by their hashes and nothing else: an empty one that it fills through
# the CSSOM, and the styles of its map traces when it loads. (A newer plotly.js may add
# others: the browser tests fail on any refusal, and the browser names the refused hash.)
# The dashboard service's nginx (include/nginx/dashboard.conf) sends the same headers:
# tests/unit/test_stack.py holds the two in step.
PLOTLY_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; "
    f"style-src 'self' {' '.join(PLOTLY_STYLES)}; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class DashboardServer(ThreadingHTTPServer):
    """One thread per connection, each bounded by the request timeout."""

    def __init__(self, address: tuple[str, int], site: Path, request_timeout: float):
        self.request_timeout = request_timeout
        super().__init__(address, functools.partial(_Handler, directory=str(site)))


class _Handler(SimpleHTTPRequestHandler):
    server: DashboardServer
    server_version = "duurzaam-dashboard"
    sys_version = ""  # no Python version in the Server header
    extensions_map = {  # noqa: RUF012 - the base class's own mapping, replaced
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
    }

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.request_timeout)  # each read and write

    def handle_one_request(self) -> None:
        # The request line and headers must all arrive within the timeout, however slowly
        # the bytes trickle in: past it, the next read times out at once and the connection
        # is closed.
        self._head_read = False
        self._head_lock = threading.Lock()
        deadline = threading.Timer(self.server.request_timeout, self._too_slow)
        deadline.start()
        try:
            super().handle_one_request()
        finally:
            deadline.cancel()

    def _too_slow(self) -> None:
        with self._head_lock:
            if not self._head_read:
                self.connection.settimeout(0.001)

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # the headers are in: the answer may take its time
        with self._head_lock:
            self._head_read = True
            self.connection.settimeout(self.server.request_timeout)
        return parsed

    def translate_path(self, path: str) -> str:
        """The file a request names, links resolved; a folder's index.html, never the
        folder itself (no listings)."""
        file = Path(super().translate_path(path))
        if file.is_dir():
            file = file / "index.html"
        return str(file.resolve())

    def send_head(self) -> Any:
        site = Path(self.directory)
        if not site.is_dir():  # before the first build
            self.send_error(503, "Het dashboard is nog niet gebouwd (duurzaam dashboard build)")
            return None
        try:
            file = Path(self.translate_path(self.path))
            served = file.is_relative_to(site.resolve()) and file.is_file()
        except ValueError:  # a name no file can have (a NUL byte)
            served = False
        if not served:
            self.send_error(404, "Niet gevonden")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        # pages change with every build; the browser asks again rather than guess
        self.send_header("Cache-Control", "no-cache")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(
    dashboard_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8050,
    request_timeout: float = REQUEST_TIMEOUT,
) -> DashboardServer:
    """A server of the dashboard's current build (port 0: any free port); until there is
    one, it answers 503."""
    return DashboardServer((host, port), dashboard_dir / CURRENT, request_timeout)


@contextmanager
def serving(
    dashboard_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    request_timeout: float = REQUEST_TIMEOUT,
) -> Iterator[str]:
    """The dashboard served from a thread of this process; yields its base URL."""
    server = make_server(dashboard_dir, host, port, request_timeout)
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
