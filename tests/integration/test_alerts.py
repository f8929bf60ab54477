"""Alerts, the reports' freshness gate and the quarter summary, with real servers: the
failure callback is called as Airflow calls it (with the context of the failed task) and its
mail is read from a real SMTP server (aiosmtpd) reached through the Airflow connection
smtp_default; the gate reads the load manifest of real DuckDB and PostgreSQL warehouses.
The callbacks inside real Airflow runs, received by a real SMTP server: tests/e2e/test_dags.py
(a late source; a rejected file, a failed dbt test, reports held back by the gate, a report
not sent, a failed dashboard build)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException
from pypdf import PdfReader

from duurzaam.errors import DuurzaamError, InputRejected
from duurzaam.ingest.steps import pull, validate_and_load
from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.dbt_tasks import DbtModelFailed, check_model
from duurzaam.orchestration.summary import summarise_quarter
from duurzaam.quarters import Quarter
from duurzaam.reports.build import deliver_report
from duurzaam.reports.delivery import DeliveryError, SmtpServer, send
from duurzaam.reports.freshness import SourcesMissing, gate, report_sources
from duurzaam.settings import load_settings
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import SAMPLE_QUARTERS, TEST_KEY, recipients_for
from tests.extracts import placement_row, write_extract
from tests.integration.test_reports import Inbox, receiving

ENGINEERS = "oncall@data.example"
REPORT_QUARTER = SAMPLE_QUARTERS.split(":")[1]


@pytest.fixture
def alert_inbox(tmp_path, monkeypatch, smtp_port) -> Iterator[Inbox]:
    """The data engineers' SMTP server, reached through the Airflow connection smtp_default."""
    (tmp_path / "alerts.yml").write_text(f"data_engineers:\n  - {ENGINEERS}\n")
    monkeypatch.setenv("DUURZAAM_ALERTS_FILE", str(tmp_path / "alerts.yml"))
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        f"smtp://127.0.0.1:{smtp_port}?disable_tls=true&disable_ssl=true",
    )
    monkeypatch.setenv("DUURZAAM_OUTBOX_DIR", str(tmp_path / "outbox"))
    with receiving(Inbox(), smtp_port) as inbox:
        yield inbox


def failed(task_id: str, error: BaseException, tries: int = 1, **context: Any) -> dict:
    """The context Airflow gives a task's on_failure_callback (the keys the alert reads)."""
    ti = SimpleNamespace(
        dag_id=context.pop("dag_id", "duurzaam_ingest"),
        task_id=task_id,
        run_id="scheduled__2024-04-01T04:00:00+00:00",
        try_number=tries,
        map_index=context.pop("map_index", -1),
        log_url="http://airflow.example/log",
        task=context.get("task"),
    )
    return {"ti": ti, "exception": error, "params": {}, **context}


def the_alert(inbox: Inbox) -> EmailMessage:
    assert len(inbox.messages) == 1  # one alert per failure
    message = inbox.messages[0]
    assert inbox.envelopes[0] == [ENGINEERS]
    assert "Traceback" not in message.get_content()
    return message


def test_a_rejected_file_alerts_with_file_rows_rule_and_what_to_do(alert_inbox, tmp_path):
    settings = replace(
        load_settings(),
        warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}",
        landing_dir=tmp_path / "landing",
        work_dir=tmp_path / "work",
        pseudonym_key=TEST_KEY,
    )
    rows = [placement_row(n) for n in range(1, 11)]
    rows[6] = placement_row(7, gemeente_code="GM9999")
    file = write_extract(tmp_path / "landing" / "placements" / "2024Q1.csv", rows)
    with pytest.raises(InputRejected) as rejection:
        validate_and_load(pull("placements", "2024Q1", settings), settings)

    # as the ingest task raises it, on the run of 1 April for the first quarter
    error = AirflowFailException(str(rejection.value))
    FailureAlert("rejected_file", "placements")(
        failed("ingest_placements", error, params={"quarter": "2024Q1"})
    )

    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] rejected file: placements 2024Q1"
    body = alert.get_content()
    assert str(file) in body and "row 8" in body and "column gemeente_code" in body
    assert "expect_column_values_to_be_in_set" in body and "What to do:" in body
    assert "task ingest_placements" in body

    # the gate holds the quarter's reports back and says why, per source
    with pytest.raises(SourcesMissing) as held:
        gate("2024Q1", settings)
    assert f"placements: its delivery {file} was rejected by validation" in str(held.value)
    assert "register: not loaded" in str(held.value)


def test_a_failed_dbt_test_names_the_model_the_test_and_the_rows(alert_inbox, tmp_path):
    # what the model's task raises when its tests failed in the build (two tests, one model)
    model = {
        "unique_id": "model.duurzaam.mart_region_quarter",
        "name": "mart_region_quarter",
        "tests": ["test.duurzaam.not_null_region", "test.duurzaam.unique_key"],
    }

    def failing(name: str, rows: int) -> dict:
        message = f"Got {rows} result{'s' * (rows != 1)}, configured to fail if != 0"
        return {"name": name, "resource_type": "test", "message": message, "failures": rows}

    results = {
        "nodes": {
            "model.duurzaam.mart_region_quarter": "success",
            "test.duurzaam.not_null_region": "fail",
            "test.duurzaam.unique_key": "fail",
        },
        "failed": {
            "test.duurzaam.not_null_region": failing("not_null_mart_region_quarter_region_code", 3),
            "test.duurzaam.unique_key": failing("unique_mart_region_quarter_key", 1),
        },
        "skipped": {},
    }
    with pytest.raises(DbtModelFailed) as failure:
        check_model(model, results)
    FailureAlert("dbt_model")(
        failed("dbt.mart_region_quarter", failure.value, 3, dag_id="duurzaam_transform")
    )
    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] dbt test failed: mart_region_quarter"
    body = alert.get_content()
    assert "test not_null_mart_region_quarter_region_code: 3 rows fail it" in body
    assert "test unique_mart_region_quarter_key: 1 row fails it" in body
    assert "--store-failures" in body and "try 3" in body


def test_a_dbt_build_that_cannot_run_says_so(alert_inbox, tmp_path):
    """dbt that cannot run at all (here: the warehouse is a folder) fails the build task, with
    dbt's own reason, not a model's."""
    from duurzaam.transform.run import run_dbt

    (tmp_path / "folder.duckdb").mkdir()
    settings = replace(load_settings(), warehouse_url=f"duckdb:///{tmp_path / 'folder.duckdb'}")
    with pytest.raises(DuurzaamError) as failure:
        run_dbt(["build", "--select", "stg_register__counts"], settings, check=False)
    assert "could not run on duckdb" in str(failure.value)
    FailureAlert("dbt_model")(failed("dbt.build", failure.value, 3, dag_id="duurzaam_transform"))
    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] dbt build failed: dbt"
    assert "could not run on duckdb" in alert.get_content()


def test_a_report_that_failed_after_its_retries_names_its_region(alert_inbox, smtp_port):
    closed = smtp_port + 1 if smtp_port < 65535 else smtp_port - 1
    with pytest.raises(DeliveryError) as refused:  # the region's SMTP server is down
        send(EmailMessage(), SmtpServer("127.0.0.1", closed, timeout=2), to=["x@y.example"])
    task = SimpleNamespace(op_kwargs={"report": {"quarter": "2024Q2", "region_code": "AM05"}})
    FailureAlert("report_not_sent")(
        failed("send_report", refused.value, 3, dag_id="duurzaam_report", map_index=4, task=task)
    )
    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] report not sent: AM05 2024Q2"
    body = alert.get_content()
    assert "after 3 attempts" in body and f"127.0.0.1:{closed}" in body
    assert "duurzaam report --quarter 2024Q2 --region AM05" in body and "map index 4" in body


def test_without_a_server_the_alert_is_written_to_the_outbox_folder(tmp_path, monkeypatch):
    (tmp_path / "alerts.yml").write_text(f"data_engineers: [{ENGINEERS}]\n")
    monkeypatch.setenv("DUURZAAM_ALERTS_FILE", str(tmp_path / "alerts.yml"))
    monkeypatch.setenv("DUURZAAM_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("DUURZAAM_SMTP_URL", raising=False)
    FailureAlert()(failed("load_register", OSError("disk full"), 3))
    (written,) = (tmp_path / "outbox" / "alerts").glob("*.eml")
    text = written.read_text()
    assert "Subject: [duurzaam] duurzaam_ingest.load_register failed" in text
    assert "load_register of duurzaam_ingest failed after 3 attempts" in text
    assert "OSError: disk full" in text


def test_the_report_reads_the_sources_upstream_of_its_exposure():
    assert report_sources() == ["employer_survey", "jobs_agreement", "placements", "register"]


@pytest.mark.slow  # the run's warehouses are built (dbt) for it when no other test did
def test_the_gate_passes_a_quarter_with_every_source_loaded(built_warehouse):
    assert gate(REPORT_QUARTER, built_warehouse) == []


@pytest.fixture
def register_not_loaded(built_warehouses, tmp_path) -> Any:
    """A copy of the run's DuckDB warehouse in which the register of the last sample quarter
    did not arrive: its rows and its row in meta.loads taken out (the marts as built)."""
    built = Path(built_warehouses["duckdb"].warehouse_url.removeprefix("duckdb:///"))
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(built, copy)
    settings = replace(built_warehouses["duckdb"], warehouse_url=f"duckdb:///{copy}")
    with open_warehouse(settings.warehouse_url) as warehouse:
        for table in ("raw.register", "meta.loads"):
            column = "source = 'register' and quarter" if table == "meta.loads" else "quarter"
            warehouse.execute(f"delete from {table} where {column} = %s", (REPORT_QUARTER,))
    return settings


@pytest.mark.slow
def test_sent_without_a_missing_source_the_report_says_so_and_the_summary_tells(
    register_not_loaded, alert_inbox, smtp_port, tmp_path, monkeypatch
):
    settings = register_not_loaded
    with pytest.raises(SourcesMissing) as held:
        gate(REPORT_QUARTER, settings)
    assert f"1 source the report reads is missing for {REPORT_QUARTER}" in str(held.value)
    assert '"send_with_missing_sources": true' in str(held.value)
    error = AirflowFailException(str(held.value))  # as check_sources raises it
    FailureAlert("sources_missing")(failed("check_sources", error, dag_id="duurzaam_report"))
    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] reports held back: a source is missing"
    assert "  - register: not loaded: no extract was delivered" in alert.get_content()

    # a deployment that does not ingest the register (sources.yml) does not wait for it
    (tmp_path / "sources.yml").write_text("placements: {location: p.csv, wait_hours: 1}\n")
    assert gate(REPORT_QUARTER, replace(settings, sources_config=tmp_path / "sources.yml")) == []

    missing = gate(REPORT_QUARTER, settings, send_anyway=True)  # the operator's choice
    assert missing == ["register"]
    monkeypatch.setenv("DUURZAAM_RECIPIENTS_FILE", str(recipients_for(tmp_path, ["AM01", "AM05"])))
    server = SmtpServer("127.0.0.1", smtp_port)
    deliver_report(Quarter.parse(REPORT_QUARTER), "AM05", settings, server, missing)
    alert, report = alert_inbox.messages
    named = (
        f"zonder de gegevens van Doelgroepregister over {Quarter.parse(REPORT_QUARTER).label_nl}"
    )
    assert named in report.get_body(("plain",)).get_content()
    pdf = next(part for part in report.walk() if part.get_content_type() == "application/pdf")
    first_page = PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages[0].extract_text()
    assert "Let op: dit rapport is verstuurd" in " ".join(first_page.split())

    summary = summarise_quarter(REPORT_QUARTER, settings, missing).alert
    assert summary.subject == f"summary {REPORT_QUARTER}: 1 of 2 regional reports sent, 1 NOT sent"
    assert "  - sent: AM05\n" in summary.body
    assert "  - NOT sent, AM01 (not attempted)" in summary.body
    assert "sent without register (the operator's choice)" in summary.body
    assert "  - register: nothing loaded" in summary.body
    assert "  - placements: revision 1, " in summary.body


@pytest.mark.slow
def test_a_leaking_published_layer_holds_the_figures_back_and_names_the_cell(
    built_warehouses, alert_inbox, tmp_path
):
    """A published count made to show 3 in a copy of the built warehouse: the gate refuses
    it, and the alert of check_disclosure names the cell and what follows for the reports."""
    from duurzaam.errors import DisclosureLeak
    from duurzaam.transform.disclosure.check import gate as disclosure_gate

    copy = tmp_path / "w.duckdb"
    shutil.copyfile(Path(built_warehouses["duckdb"].warehouse_url.removeprefix("duckdb:///")), copy)
    settings = replace(built_warehouses["duckdb"], warehouse_url=f"duckdb:///{copy}")
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.execute(
            "update published.pub_region_quarter set placements_started = 3, "
            "placements_started_suppressed = null where region_code = 'AM01' and quarter = %s",
            (SAMPLE_QUARTERS.split(":")[0],),
        )
    with pytest.raises(DisclosureLeak) as leak:
        disclosure_gate(settings)
    error = AirflowFailException(str(leak.value))  # as check_disclosure raises it
    FailureAlert("disclosure")(failed("check_disclosure", error, dag_id="duurzaam_transform"))
    alert = the_alert(alert_inbox)
    assert alert["Subject"] == "[duurzaam] published figures held back: disclosure check failed"
    body = alert.get_content()
    quarter = SAMPLE_QUARTERS.split(":")[0]
    assert f"pub_region_quarter AM01 {quarter} placements_started: 3 (shown" in body
    assert "No report is sent" in body


def test_an_alert_of_an_unknown_kind_is_refused_where_the_task_is_defined():
    with pytest.raises(ValueError, match="unknown alert kind 'late'"):
        FailureAlert("late")
