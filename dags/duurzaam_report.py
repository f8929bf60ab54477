"""Reports: when the marts are rebuilt, write one Dutch report per region for the quarter
(the `quarter` param, or the latest quarter in the mart) to its recipients."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task
from duurzaam.orchestration import MART_ASSETS


@task
def write_reports(params: dict | None = None) -> dict:
    from duurzaam.reports.build import latest_quarter
    from duurzaam.reports.build import write_reports as write
    from duurzaam.settings import load_settings

    settings = load_settings()
    quarter = (params or {}).get("quarter") or latest_quarter(settings)
    run = write(quarter, settings)
    print(run.describe())
    return {"quarter": run.quarter, "written": len(run.written),
            "without_recipients": run.without_recipients}


@dag(
    dag_id="duurzaam_report",
    schedule=list(MART_ASSETS.values()),
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    params={"quarter": Param(None, type=["null", "string"], description="e.g. 2024Q4")},
    tags=["duurzaam", "reports"],
)
def duurzaam_report():
    write_reports()


duurzaam_report()
