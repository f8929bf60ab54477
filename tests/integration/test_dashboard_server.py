"""The dashboard server (`duurzaam dashboard serve`) against real sockets on a free port: it
serves the files of the current build and nothing else (no folder listing, no file that a
symbolic link or a path leads to outside the build), sends the security headers on every
answer, closes a connection whose request is half-sent or trickles in within its timeout
while it goes on serving others, and listens on 127.0.0.1 (the compose stack publishes the
port on the host's 127.0.0.1 only). In a real Chromium, the built pages draw under its
Content-Security-Policy, which the browser enforces: an inline script does not run."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from http.client import HTTPMessage
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from duurzaam.dashboard.server import SECURITY_HEADERS, serving
from duurzaam.settings import PROJECT_ROOT
from tests.conftest import free_port

SECRET = "geheim: niet publiceren"


@pytest.fixture(scope="module")
def dashboard_dir(tmp_path_factory) -> Path:
    """A dashboard folder as a build leaves it (builds/<digest>, `current` linking to it),
    with a secret file beside it and links out of the build: one to the secret file, one to
    the folder holding it."""
    tmp_path = tmp_path_factory.mktemp("site")
    build = tmp_path / "dashboard" / "builds" / "0123456789abcdef"
    (build / "regio").mkdir(parents=True)
    (build / "assets").mkdir()
    (build / "index.html").write_text("<!DOCTYPE html><title>Nederland</title>")
    (build / "regio" / "AM05.html").write_text("<!DOCTYPE html><title>AM05</title>")
    (build / "assets" / "dashboard.js").write_text("// the dashboard's script")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (build / "secret.txt").symlink_to(outside / "secret.txt")
    (build / "private").symlink_to(outside, target_is_directory=True)
    (tmp_path / "dashboard" / "current").symlink_to("builds/0123456789abcdef")
    return tmp_path / "dashboard"


@pytest.fixture(scope="module")
def url(dashboard_dir) -> Iterator[str]:
    """The real server of that folder on a free port, with a timeout of one second."""
    with serving(dashboard_dir, request_timeout=1.0) as base_url:
        yield base_url


def get(base_url: str, path: str, method: str = "GET") -> tuple[int, HTTPMessage, str]:
    """One request with the path sent as written (no client-side clean-up of `..`): the
    status, the headers, the body."""
    address = urlparse(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.headers, body
    finally:
        connection.close()


def test_the_pages_are_served(url):
    assert get(url, "/")[::2] == (200, "<!DOCTYPE html><title>Nederland</title>")
    assert get(url, "/regio/AM05.html")[::2] == (200, "<!DOCTYPE html><title>AM05</title>")
    status, headers, _ = get(url, "/assets/dashboard.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript"


@pytest.mark.parametrize("path", ["/regio/", "/regio", "/assets/", "/builds/"])
def test_a_folder_is_never_listed(url, path):
    status, _, body = get(url, path)
    assert status == 404 and "AM05.html" not in body and "dashboard.js" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/secret.txt",  # a link to a file outside the build
        "/private/secret.txt",  # a link to a folder outside it
        "/private/",
        "/../../private/secret.txt",  # up and out
        "/%2e%2e/%2e%2e/private/secret.txt",
        "/regio/..%2f..%2f..%2fprivate%2fsecret.txt",
        "/%00",
    ],
)
def test_nothing_outside_the_build_is_served(url, path):
    status, _, body = get(url, path)
    assert status == 404 and SECRET not in body


def test_every_answer_has_the_security_headers(url, tmp_path):
    answers = [get(url, "/"), get(url, "/assets/dashboard.js"), get(url, "/nowhere.html")]
    answers.append(get(url, "/", method="HEAD"))
    with serving(tmp_path / "never-built") as unbuilt:
        answers.append(get(unbuilt, "/"))  # 503: not built yet
    assert [status for status, _, _ in answers] == [200, 200, 404, 200, 503]
    for _, headers, _ in answers:
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Python" not in headers["Server"]


def closed_within(connection: socket.socket, seconds: float) -> float:
    """How long until the server closed the connection (it answered nothing); fails when it
    is still open after `seconds`."""
    started = time.monotonic()
    connection.settimeout(seconds)
    try:
        assert connection.recv(1024) == b"", "the server answered a request it never got"
    except TimeoutError:
        pytest.fail(f"the connection is still open after {seconds} s")
    return time.monotonic() - started


def test_a_half_sent_request_is_closed_in_time_and_others_are_served(url):
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port)) as stalled:
        stalled.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n")  # no end
        started = time.monotonic()
        assert get(url, "/")[0] == 200  # meanwhile, another reader is served
        assert time.monotonic() - started < 0.5
        assert closed_within(stalled, 4.0) < 2.0


def test_a_request_that_trickles_in_is_closed_in_time(url):
    """A byte every 0.3 s keeps each read within the timeout; the whole request still has
    to arrive within it."""
    request = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"x" * 100
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port)) as slow:
        started = time.monotonic()
        for byte in request:
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            slow.settimeout(0.3)
            try:
                if slow.recv(1024) == b"":
                    break  # closed by the server
            except TimeoutError:
                continue
        else:
            pytest.fail("the server read the whole trickled request")
        assert time.monotonic() - started < 3.0
    assert get(url, "/")[0] == 200


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses a socket of this machine listens on at `port` (/proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_duurzaam_dashboard_serve_listens_on_localhost_only(dashboard_dir):
    port = free_port()
    env = {**os.environ, "DUURZAAM_DASHBOARD_DIR": str(dashboard_dir)}
    command = [str(Path(sys.executable).with_name("duurzaam")), "dashboard", "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None and server.stdout.readline().startswith("Dashboard:")
        assert listening_addresses(port) == {"127.0.0.1"}
        status, headers, _ = get(f"http://127.0.0.1:{port}/", "/regio/")
        assert status == 404 and "Content-Security-Policy" in headers
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_stack_publishes_its_ports_on_localhost_only():
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    published = {
        name: [str(port) for port in service.get("ports", [])] for name, service in services.items()
    }
    assert published["dashboard"], "the dashboard service publishes its port"
    for name, ports in published.items():
        for port in ports:
            assert port.startswith("127.0.0.1:"), (name, port)


# --- the built pages in a real browser ------------------------------------------------------

INLINE_PROBE = (
    "<!DOCTYPE html><html><head><title>probe</title></head><body>"
    "<script>window.inlineScriptRan = true;</script></body></html>"
)


@pytest.fixture(scope="module")
def built_dashboard(built_warehouses, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    from duurzaam.dashboard.site import build_site

    settings = replace(built_warehouses["duckdb"], dashboard_dir=tmp_path_factory.mktemp("served"))
    folder = build_site(settings).folder
    with serving(settings.dashboard_dir) as url:
        yield url, folder


@pytest.mark.slow
def test_the_built_pages_draw_under_the_policy_that_the_browser_enforces(built_dashboard):
    from duurzaam.bench.browser import chromium, console_messages, wait_until_drawn

    url, folder = built_dashboard
    (folder / "probe.html").write_text(INLINE_PROBE)  # as if a page had an inline script
    with chromium() as browser:
        for page in ("index.html", "regio/AM18.html", "vergelijk.html"):
            browser.get(url + page)
            wait_until_drawn(browser)
            assert browser.execute_script("return document.body.dataset.drawn") == "true"
            assert console_messages(browser) == [], page  # no violation of the policy
        browser.get(url + "probe.html")
        assert browser.execute_script("return window.inlineScriptRan === undefined")
        refusals = [m["message"] for m in console_messages(browser)]
        assert any("Content Security Policy" in message for message in refusals), refusals
    assert set(SECURITY_HEADERS) <= set(get(url, "/vergelijk.html")[1])
