"""Reports: when the marts are rebuilt, one task per region (dynamic task mapping) renders
that region's report for the quarter (the `quarter` param, or the latest in the marts) and
sends it to the region's own recipients, exactly once; one region can be retried alone."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from duurzaam.orchestration import MART_ASSETS, REPORT_MARTS


@task
def plan_reports(params: dict | None = None) -> list[dict]:
    """The regions with recipients; the ones without are named in the log, not guessed."""
    from duurzaam.quarters import Quarter
    from duurzaam.reports.build import latest_quarter, plan_reports
    from duurzaam.settings import load_settings

    settings = load_settings()
    chosen = (params or {}).get("quarter")
    quarter = Quarter.parse(chosen) if chosen else latest_quarter(settings)
    regions, without = plan_reports(quarter, settings)
    if without:
        print(
            f"WARNING no recipients configured, not sent: {', '.join(without)} "
            "(include/config/recipients.yml)"
        )
    return [{"quarter": str(quarter), "region_code": region} for region in regions]


# retried after [core] default_task_retry_delay (5 minutes unless configured)
@task(retries=2, map_index_template="{{ region }}")
def send_report(report: dict) -> str:
    from airflow.sdk import get_current_context

    from duurzaam.quarters import Quarter
    from duurzaam.reports.build import deliver_report
    from duurzaam.reports.delivery import smtp_server
    from duurzaam.settings import load_settings

    # names the mapped task (map_index_template); Context is typed without custom keys
    get_current_context()["region"] = report["region_code"]  # type: ignore[typeddict-unknown-key]
    settings = load_settings()
    delivery = deliver_report(
        Quarter.parse(report["quarter"]),
        report["region_code"],
        settings,
        smtp_server(settings.smtp_url, settings.smtp_conn_id),
    )
    print(delivery.describe())
    return delivery.status


@dag(
    dag_id="duurzaam_report",
    schedule=[MART_ASSETS[mart] for mart in REPORT_MARTS],  # the regional_report exposure
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    params={"quarter": Param(None, type=["null", "string"], description="e.g. 2024Q4")},
    tags=["duurzaam", "reports"],
)
def duurzaam_report() -> None:
    send_report.expand(report=plan_reports())


duurzaam_report()
