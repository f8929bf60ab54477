"""The register over HTTP: a real local OData server pages, fails and stalls; the reader pages,
retries and reports; ingest pulls from the URL in the sources configuration. Bad answers are
rejected with their own message."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import yaml

from duurzaam.errors import InputRejected
from duurzaam.ingest.sources.odata import ODataError, fetch_odata
from duurzaam.ingest.steps import ingest
from duurzaam.quarters import Quarter
from duurzaam.synthetic import generate
from duurzaam.warehouse.database import open_warehouse

QUARTER = "2024Q1"
PAGE_SIZE = 500


@pytest.fixture(scope="module")
def register_rows(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("register")
    summary = generate(folder, [Quarter.parse(QUARTER)], seed=2, scale=0.05)
    return json.loads(summary.other_files["register"][0].read_text())["value"]


class ODataServer:
    """A CBS-style TypedDataSet endpoint: $filter on Perioden, pages of PAGE_SIZE rows with
    an absolute odata.nextLink; `failures` answers 503 and `stalls` sleeps before answering;
    `loops` makes the last page link back to the second, as broken paging does."""

    def __init__(self, rows: list[dict]):
        self.rows, self.failures, self.stalls, self.status = rows, 0, 0, 200
        self.loops = False
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if server.stalls:
                    server.stalls -= 1
                    time.sleep(1.0)
                if server.failures:
                    server.failures -= 1
                    return self._answer(503, {"error": "busy"})
                if server.status != 200:
                    return self._answer(server.status, {"error": "no such table"})
                query = parse_qs(urlparse(self.path).query)
                period = query["$filter"][0].split("'")[1]
                rows = [r for r in server.rows if r["Perioden"] == period]
                skip = int(query.get("$skip", ["0"])[0])
                page = {"value": rows[skip : skip + PAGE_SIZE]}
                following = skip + PAGE_SIZE if skip + PAGE_SIZE < len(rows) else None
                if following is None and server.loops:
                    following = PAGE_SIZE
                if following is not None:
                    page["odata.nextLink"] = (
                        f"{server.base}/TypedDataSet?$filter=Perioden%20eq%20'{period}'"
                        f"&$skip={following}"
                    )
                return self._answer(200, page)

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}/odata"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, period: str) -> str:
        return f"{self.base}/TypedDataSet?$filter=Perioden eq '{period}'"


@pytest.fixture
def server(register_rows):
    odata = ODataServer(register_rows)
    yield odata
    odata.httpd.shutdown()


def test_all_pages_are_read(server, register_rows, tmp_path):
    path = fetch_odata(server.url("2024KW01"), tmp_path / "answer.json")
    fetched = json.loads(path.read_text())
    assert fetched["value"] == register_rows and len(register_rows) > 3 * PAGE_SIZE
    assert fetched["pages"] == len(server.requests) == -(-len(register_rows) // PAGE_SIZE)


def test_server_errors_and_timeouts_are_retried(server, register_rows, tmp_path):
    server.failures, server.stalls = 2, 1
    path = fetch_odata(server.url("2024KW01"), tmp_path / "answer.json", timeout=0.3, backoff=0.01)
    assert len(json.loads(path.read_text())["value"]) == len(register_rows)
    assert len(server.requests) >= 3 + 4  # the failed attempts, then every page


def test_a_client_error_stops_at_once_and_writes_nothing(server, tmp_path):
    server.status = 404
    with pytest.raises(ODataError, match=r"HTTP 404.*check the table id"):
        fetch_odata(server.url("2024KW01"), tmp_path / "answer.json", backoff=0.01)
    assert len(server.requests) == 1 and not list(tmp_path.iterdir())


def test_an_endpoint_that_keeps_failing_says_so(server, tmp_path):
    server.failures = 10
    with pytest.raises(ODataError, match=r"HTTP 503"):
        fetch_odata(server.url("2024KW01"), tmp_path / "answer.json", retries=2, backoff=0.01)
    assert len(server.requests) == 3


def test_a_next_link_back_to_a_page_already_read_stops_the_reader(server, tmp_path):
    server.loops = True
    pages = -(-len(server.rows) // PAGE_SIZE)
    with pytest.raises(ODataError, match=rf"page {pages} links back to page 2 .*paging is broken"):
        fetch_odata(server.url("2024KW01"), tmp_path / "answer.json")
    assert len(server.requests) == pages and not list(tmp_path.iterdir())


def test_ingest_pulls_the_quarter_from_the_configured_url(
    settings, server, register_rows, tmp_path
):
    config = tmp_path / "sources.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "register": {
                    "location": f"{server.base}/TypedDataSet?$filter=Perioden eq '{{cbs_period}}'",
                    "wait_hours": 1,
                },
                "poke_minutes": 1,
            }
        )
    )
    settings = replace(settings, sources_config=config)
    outcome = ingest("register", QUARTER, settings)
    assert outcome["rows"] == len(register_rows)
    assert "2024KW01" in server.requests[0]
    with open_warehouse(settings.warehouse_url) as warehouse:
        raw = warehouse.query_frame("select * from raw.register")
    assert raw["gemeente_code"].str.fullmatch(r"GM\d{4}").all()  # the padding is gone
    assert (raw["personen_met_baan"] <= raw["personen_in_register"]).all()
    assert ingest("register", QUARTER, settings)["status"] == "unchanged"


def answer_file(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / f"{QUARTER}.json"
    path.write_text(json.dumps({"value": rows}))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r[3].update(PersonenMetBaan_2=r[3]["PersonenInRegister_1"] + 1),
            r"PersonenInRegister_1: no more persons working.*row 4",
        ),
        (lambda r: r[0].update(Perioden="2023KW04"), r"periode_klopt: .*row 1"),
        (lambda r: r[1].update(RegioS="GM9999    "), r"column RegioS: .*row 2"),
        (lambda r: r[2].update(PersonenInRegister_1=-5), r"PersonenInRegister_1: .*0 or more"),
        (lambda r: r[2].update(PersonenInRegister_1="veel"), r"PersonenInRegister_1: .*row 3"),
        (lambda r: r.append(dict(r[0])), r"one row per municipality and legal basis"),
        (lambda r: r[4].pop("Status"), r"column Status: Status is filled.*row 5"),
    ],
    ids=[
        "working-above-register",
        "wrong-period",
        "unknown-code",
        "negative",
        "not-a-number",
        "duplicate",
        "missing-field",
    ],
)
def test_bad_answers_are_rejected(settings, tmp_path, register_rows, change, expected):
    rows = [dict(row) for row in register_rows[:40]]
    change(rows)
    with pytest.raises(InputRejected) as rejection:
        ingest("register", QUARTER, settings, file=answer_file(tmp_path, rows))
    message = str(rejection.value)
    assert pd.Series([message]).str.contains(expected, regex=True).iat[0], message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b'{"value": [{"RegioS": "GM0', "not valid JSON"),
        (b"\x00\x01binary", "binary"),
        (b'{"rows": []}', "no 'value' list"),
    ],
    ids=["empty", "truncated", "binary", "not-odata"],
)
def test_unreadable_answers_get_their_own_message(settings, tmp_path, content, expected):
    path = tmp_path / f"{QUARTER}.json"
    path.write_bytes(content)
    with pytest.raises(InputRejected, match=expected):
        ingest("register", QUARTER, settings, file=path)
