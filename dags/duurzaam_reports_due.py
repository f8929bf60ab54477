"""Reports due: on the due day of each quarter (`reports_due_day` in
include/config/alerts.yml, the 21st of the month after the quarter unless set) this DAG checks
that every region with recipients got its report for the quarter that ended, and alerts the
data engineers when one did not.

It is the alert for reports that are simply late: nothing failed, nothing ran (a source that
never came holds back the transform, so the report DAG never started; a DAG was paused).
Airflow's own deadline alerts measure a DAG run that exists (its queue or logical time to its
end), so they cannot see a report run that was never started; this DAG runs on its date
whatever ran before it.

Rerun for a quarter by triggering with `{"quarter": "2024Q4"}`. Runbook: docs/operations.md."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.orchestration.task_defaults import TIMEOUTS, quarterly_dag

log = logging.getLogger(__name__)
CONFIG = alerts_config()


@task(execution_timeout=TIMEOUTS["plan"])
def check_reports_sent(
    params: dict[str, Any] | None = None, logical_date: datetime | None = None
) -> None:
    """Fails (no retry: waiting is what made them late) after alerting, when a region's report
    is not sent."""
    from duurzaam.orchestration.alerts import AlertedFailure, send_alert
    from duurzaam.orchestration.assets import quarter_of_run
    from duurzaam.orchestration.connections import airflow_settings, smtp_server
    from duurzaam.orchestration.summary import late_reports

    settings = airflow_settings()
    quarter = quarter_of_run(params or {}, logical_date)
    alert = late_reports(quarter, settings, alerts_config().reports_due_day)
    if alert is None:
        log.info("every region with recipients got its report for %s", quarter)
        return
    send_alert(alert, settings, smtp_server(settings.smtp_url, settings.smtp_conn_id))
    raise AlertedFailure(alert.subject)


@dag(
    dag_id="duurzaam_reports_due",
    # reports_due_day of alerts.yml, 09:00, in the month after each quarter
    **quarterly_dag(f"0 9 {CONFIG.reports_due_day} 1,4,7,10 *", "alerts"),
    doc_md=__doc__,
)
def duurzaam_reports_due() -> None:
    check_reports_sent()


duurzaam_reports_due()
