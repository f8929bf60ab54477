"""The signals a data engineer gets without looking, in real Airflow runs: reports not sent by
their due day alert by mail (a real SMTP server) and through the second channel, Apprise,
to a real local webhook, even when nothing ran and nothing failed; once the reports are out
the check passes without a word. Every DAG has an owner and a link to reach it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.quarters import parse_quarter_range
from duurzaam.reports.build import write_reports
from tests.conftest import SAMPLE_QUARTERS, free_port, recipients_for
from tests.e2e.test_dags import DAGS_FOLDER, airflow_env, run_dags  # noqa: F401 - a fixture
from tests.integration.test_reports import Inbox, receiving

QUARTER = parse_quarter_range(SAMPLE_QUARTERS)[-1]


@contextmanager
def webhook(port: int) -> Iterator[list[dict]]:
    """A local HTTP endpoint keeping the JSON bodies POSTed to it (Apprise's json:// service)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def test_every_dag_has_an_owner_and_a_contact():
    from airflow.dag_processing.dagbag import DagBag

    config = alerts_config()
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        assert dag.owner == config.owner == "data-engineering", dag.dag_id
        assert dag.owner_links == {config.owner: config.contact}, dag.dag_id
        assert config.contact.startswith("mailto:")
    due = bag.dags["duurzaam_reports_due"]
    assert due.timetable.expression == f"0 9 {config.reports_due_day} 1,4,7,10 *"


@pytest.mark.slow
def test_reports_not_sent_by_their_due_day_alert_by_mail_and_through_apprise(
    airflow_env,  # noqa: F811 - the fixture imported above
    built_warehouses,
    tmp_path,
    monkeypatch,
):
    built = Path(built_warehouses["duckdb"].warehouse_url.removeprefix("duckdb:///"))
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(built.read_bytes())  # loaded and transformed; no report sent yet
    regions = ["AM05", "AM12"]
    (tmp_path / "alerts.yml").write_text(
        "data_engineers: [oncall@data.example]\n"
        "apprise_conn_id: alerts_channel\n"
        "reports_due_day: 15\n"
    )
    smtp_port, hook_port = free_port(), free_port()
    channel = {"path": f"json://127.0.0.1:{hook_port}/alerts", "tag": "alerts"}
    env = {
        **airflow_env,
        "DUURZAAM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, regions)),
        "DUURZAAM_ALERTS_FILE": str(tmp_path / "alerts.yml"),
        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{smtp_port}?disable_tls=true&disable_ssl=true",
        "AIRFLOW_CONN_ALERTS_CHANNEL": json.dumps(
            {"conn_type": "apprise", "extra": {"config": channel}}
        ),
    }
    due_day = f"{QUARTER.next().start.replace(day=15).isoformat()}T09:00:00+00:00"
    check = [{"dag_id": "duurzaam_reports_due", "logical_date": due_day}]

    with receiving(Inbox(), smtp_port) as inbox, webhook(hook_port) as posted:
        states, log = run_dags(check, env, tmp_path / "late.log")
        assert states == ["duurzaam_reports_due failed"], log[-3000:]
        subject = (
            f"reports late: {QUARTER}, 2 of 2 regions not sent by 15-{QUARTER.next().start:%m}"
        )
        assert [message["Subject"] for message in inbox.messages] == [f"[duurzaam] {subject}"]
        body = inbox.messages[0].get_content()
        assert "AM05, AM12" in body and "What to do:" in body and "Loaded:" in body
        # the same alert through the second channel, once
        assert [(post["title"], post["type"]) for post in posted] == [
            (f"[duurzaam] {subject}", "failure")
        ]
        assert "AM05, AM12" in posted[0]["message"]

        # once the reports are out (here to the outbox folder), the check passes quietly
        settings = replace(
            built_warehouses["duckdb"],
            warehouse_url=env["DUURZAAM_WAREHOUSE_URL"],
            outbox_dir=tmp_path / "outbox",
        )
        monkeypatch.setenv("DUURZAAM_RECIPIENTS_FILE", env["DUURZAAM_RECIPIENTS_FILE"])
        assert not write_reports(QUARTER, settings, regions=regions).failed
        states, log = run_dags(check, env, tmp_path / "sent.log")
        assert states == ["duurzaam_reports_due success"], log[-3000:]
        assert len(inbox.messages) == 1 and len(posted) == 1
