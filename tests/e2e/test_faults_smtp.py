"""The SMTP server of the reports down, in real runs of the report DAG (`airflow dags test`,
the reports and the alerts through the Airflow connection smtp_default, a real aiosmtpd
server): first it goes down for good part-way through a run: the regions it had accepted keep
their report, the others fail after their retries and the data engineers' alerts name them;
then it is down when the next run starts and back a few seconds later: that run's mapped
tasks retry and send exactly the regions not sent before, each once at the server."""

from __future__ import annotations

import email
import json
import shutil
from email import policy
from pathlib import Path

import pytest

from duurzaam.warehouse.database import duckdb_path, open_warehouse
from tests.airflow_runs import THIS_RUN, DagTest, airflow_home, migrated_metadata
from tests.conftest import recipients_for
from tests.integration.test_reports import Inbox, receiving, start_smtp

pytestmark = pytest.mark.slow

QUARTER = "2024Q2"
REGIONS = ["AM01", "AM05", "AM12", "AM25"]
SENT_BEFORE_THE_SERVER_WENT_DOWN = 2
# The retry delay of the second run: every region's first try has failed before the first
# retry comes (a region renders in about a second), and the server is back by then.
RETRY_DELAY_SECONDS = 4


@pytest.fixture
def report_env(tmp_path, built_warehouses, smtp_port) -> dict[str, str]:
    """The report DAG on a copy of the run's built DuckDB warehouse, four regions with
    recipients, the reports and the alerts through smtp_default to a port of the test's."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), warehouse)
    (tmp_path / "alerts.yml").write_text("data_engineers: [oncall@data.example]\n")
    return {
        **airflow_home(tmp_path / "airflow", migrated_metadata(tmp_path / "metadata")),
        "DUURZAAM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, REGIONS)),
        "DUURZAAM_OUTBOX_DIR": str(tmp_path / "outbox"),
        "DUURZAAM_ALERTS_FILE": str(tmp_path / "alerts.yml"),
        "AIRFLOW_CONN_SMTP_DEFAULT": (
            f"smtp://127.0.0.1:{smtp_port}?disable_tls=true&disable_ssl=true"
        ),
    }


def report_run(env: dict[str, str], logical_date: str) -> DagTest:
    """A run of duurzaam_report for the quarter (the dashboard's rebuild left out)."""
    conf = json.dumps({"quarter": QUARTER})
    return DagTest(
        env,
        "duurzaam_report",
        logical_date,
        "-c",
        conf,
        "--mark-success-pattern",
        "build_dashboard",
    )


def region_tries(run: DagTest) -> dict[str, list[tuple[int, str]]]:
    """Per region: the tries of its mapped send_report task."""
    indexes = run.metadata(
        f"select rendered_map_index, map_index from task_instance where {THIS_RUN} "
        "and task_id = 'send_report'"
    )
    return {region: run.tries("send_report", index) for region, index in indexes}


def reports_in(inbox: Inbox) -> list[str]:
    return [m["X-Duurzaam-Region"] for m in inbox.messages if m["X-Duurzaam-Region"]]


def alerts_in(folder: Path) -> dict[str, str]:
    """The alerts written to the outbox folder: subject -> body."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return {message["Subject"]: message.get_content() for message in messages}


def test_smtp_down_for_good_then_down_at_the_start_of_the_next_run(report_env, smtp_port, tmp_path):
    first = Inbox(stop_after=SENT_BEFORE_THE_SERVER_WENT_DOWN)  # then it is gone for good
    start_smtp(first, smtp_port)
    run = report_run(report_env, "2024-07-01")
    returncode, output = run.wait()
    # the run fails: its summary, sent, fails on the regions not sent
    assert returncode != 0 and run.state("send_summary") == "failed", output[-3000:]

    sent = reports_in(first)
    assert len(sent) == len(set(sent)) == SENT_BEFORE_THE_SERVER_WENT_DOWN
    not_sent = sorted(set(REGIONS) - set(sent))
    tries = region_tries(run)
    for region in not_sent:  # failed after its retries, one region's task each
        assert tries[region] == [(1, "failed"), (2, "failed"), (3, "failed")]
    # The alerts could not be mailed (the server is down): they wait in the outbox folder,
    # one per region not sent, and the summary naming them all.
    alerts = alerts_in(tmp_path / "outbox" / "alerts")
    for region in not_sent:
        body = alerts[f"[duurzaam] report not sent: {region} {QUARTER}"]
        assert "after 3 attempts" in body and f"127.0.0.1:{smtp_port}" in body
    summary = alerts[f"[duurzaam] summary {QUARTER}: 2 of 4 regional reports sent, 2 NOT sent"]
    assert f"  - sent: {', '.join(sorted(sent))}\n" in summary
    for region in not_sent:
        assert f"  - NOT sent, {region} (failed): sending to the SMTP server" in summary
    assert len(alerts) == len(not_sent) + 1

    # The next run: the server is down when it starts, and back once every region still to
    # send has failed its first try.
    delay = {"AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": str(RETRY_DELAY_SECONDS)}
    run = report_run({**report_env, **delay}, "2024-07-02")
    to_send = [REGIONS.index(region) for region in not_sent]  # their map indexes
    run.wait_until(
        lambda: all(run.state("send_report", index) == "up_for_retry" for index in to_send),
        "the regions still to send failing their first try",
    )
    with receiving(Inbox(), smtp_port) as second:
        returncode, output = run.wait()

    assert returncode == 0, output[-3000:]
    assert sorted(reports_in(second)) == not_sent  # exactly those, each once
    tries = region_tries(run)
    for region in not_sent:
        assert tries[region][0] == (1, "failed") and tries[region][-1][1] == "success"
    for region in sent:  # already sent: done at once, without the server
        assert tries[region] == [(1, "success")]
    summaries = [m["Subject"] for m in second.messages if m["X-Duurzaam-Alert"]]
    assert summaries == [f"[duurzaam] summary {QUARTER}: 4 of 4 regional reports sent"]
    with open_warehouse(report_env["DUURZAAM_WAREHOUSE_URL"]) as warehouse:
        outbox = warehouse.query(
            "select region_code, status from meta.outbox where quarter = %s order by 1", (QUARTER,)
        )
    assert outbox == [(region, "sent") for region in REGIONS]
