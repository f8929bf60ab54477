"""Transform: when any raw table is updated, dbt builds and tests staging, intermediate and
the marts; the run updates the mart Assets the report DAG waits for."""

from __future__ import annotations

from functools import reduce
from operator import or_

import pendulum
from airflow.sdk import dag, task
from duurzaam.orchestration import MART_ASSETS, RAW_ASSETS


@task(outlets=list(MART_ASSETS.values()))
def dbt_build() -> None:
    from duurzaam.settings import load_settings
    from duurzaam.transform import transform

    transform(load_settings())


@dag(
    dag_id="duurzaam_transform",
    schedule=reduce(or_, RAW_ASSETS.values()),  # any raw table updated
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,  # one writer at a time (DuckDB allows one writing process)
    tags=["duurzaam", "dbt"],
)
def duurzaam_transform():
    dbt_build()


duurzaam_transform()
