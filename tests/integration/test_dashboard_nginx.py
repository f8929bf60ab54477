"""The dashboard service's web server: include/nginx/dashboard.conf in a real nginx (Debian's
`nginx` binary; .ci/run installs it), changed only to listen on a free port of 127.0.0.1, to
serve a build in a temporary folder and (for the last test) to wait one second rather than
ten, wrapped in a minimal nginx.conf like the official image's (an http block including
mime.types). It serves the pages of the current build and nothing else: a folder answers 403
(no listing), a symbolic link out of the build is not followed, every answer (200, 403, 404)
carries the same security headers as `duurzaam dashboard serve`, the CSV downloads go out as
text/csv, and a half-sent request is closed when its timeout runs out."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from duurzaam.dashboard.server import SECURITY_HEADERS
from duurzaam.settings import PROJECT_ROOT
from tests.conftest import free_port
from tests.integration import test_dashboard_server as served

CONF = PROJECT_ROOT / "include" / "nginx" / "dashboard.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TIMEOUTS = ("client_header_timeout", "client_body_timeout", "send_timeout")
CSV = "\ufeffKwartaal;Plaatsingen\r\n2024-K2;<10\r\n"

dashboard_dir = served.dashboard_dir  # builds/<digest>, `current`, links to a secret outside
get = served.get


def server_block(site: Path, port: int) -> str:
    """The dashboard's server block as the image runs it, but for the address and the root."""
    text = CONF.read_text()
    text, listens = re.subn(r"^(\s*)listen 8050;", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)
    text, roots = re.subn(
        r"^(\s*)root /srv/dashboard/current;", rf"\1root {site}/current;", text, flags=re.M
    )
    assert (listens, roots) == (1, 1), "dashboard.conf has one listen and one root"
    # a one-second variant of the timeouts, so the test need not wait ten
    text, timeouts = re.subn(rf"^(\s*)({'|'.join(TIMEOUTS)}) 10s;", r"\1\2 1s;", text, flags=re.M)
    assert timeouts == len(TIMEOUTS)
    return text


def nginx_conf(folder: Path) -> str:
    """The main configuration around it: in the foreground, every path it writes in folder,
    the workers as the user running the test when that is root (else nginx's default user
    could not read the test's files)."""
    temp = "\n".join(
        f"  {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {folder / "access.log"};
{temp}
  include {folder / "dashboard.conf"};
}}
"""


@pytest.fixture(scope="module")
def url(dashboard_dir, tmp_path_factory) -> Iterator[str]:
    if not shutil.which(NGINX):
        pytest.fail("nginx not found: apt-get install nginx-light (.ci/run installs it)")
    build = (dashboard_dir / "current").resolve()
    (build / "csv" / "AM05").mkdir(parents=True, exist_ok=True)
    (build / "csv" / "AM05" / "plaatsingen.csv").write_bytes(CSV.encode())
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (folder / "dashboard.conf").write_text(server_block(dashboard_dir, port))
    (folder / "nginx.conf").write_text(nginx_conf(folder))
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()  # SIGTERM: nginx stops at once
        process.wait(timeout=10)


def test_the_pages_and_downloads_are_served(url):
    status, headers, body = get(url, "/")
    assert (status, body) == (200, "<!DOCTYPE html><title>Nederland</title>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert get(url, "/regio/AM05.html")[::2] == (200, "<!DOCTYPE html><title>AM05</title>")
    status, headers, body = get(url, "/csv/AM05/plaatsingen.csv")
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body == CSV
    assert get(url, "/healthz")[::2] == (200, "ok\n")


@pytest.mark.parametrize("path", ["/regio/", "/assets/", "/csv/AM05/"])
def test_a_folder_answers_403_never_a_listing(url, path):
    status, _, body = get(url, path)
    assert status == 403 and "AM05.html" not in body and "dashboard.js" not in body
    assert ".csv" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/secret.txt",  # a link to a file outside the build
        "/private/secret.txt",  # a link to a folder outside it
        "/private/",
        "/../../private/secret.txt",
        "/%2e%2e/%2e%2e/private/secret.txt",
        "/regio/..%2f..%2f..%2fprivate%2fsecret.txt",
        "/builds/",
    ],
)
def test_nothing_outside_the_build_is_served(url, path):
    status, _, body = get(url, path)
    assert status in (400, 403, 404) and served.SECRET not in body


def test_only_get_and_head(url):
    assert get(url, "/", method="HEAD")[0] == 200
    assert get(url, "/", method="POST")[0] == 403


def test_every_answer_has_the_security_headers_of_the_python_server(url):
    answers = [get(url, path) for path in ("/", "/csv/AM05/plaatsingen.csv", "/nowhere.html")]
    answers += [get(url, "/regio/"), get(url, "/secret.txt")]
    assert [status for status, _, _ in answers] == [200, 200, 404, 403, 403]
    for _, headers, _ in answers:
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == value, name
        assert headers["Cache-Control"] == "no-cache"
        assert headers["Server"] == "nginx"  # no version


def test_a_half_sent_request_is_closed_in_time_and_others_are_served(url):
    host, port = url.removeprefix("http://").strip("/").split(":")
    with socket.create_connection((host, int(port))) as stalled:
        stalled.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n")  # no end
        assert get(url, "/")[0] == 200  # meanwhile, another reader is served
        assert served.closed_within(stalled, 4.0) < 2.5
