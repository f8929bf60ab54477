"""Transform: when any raw table is updated, dbt builds and tests the project one model at a
time (astronomer-cosmos renders a task per model from the manifest built at install, so
parsing this file runs no dbt), then each mart's task updates the Asset the reports wait for."""

from __future__ import annotations

from functools import reduce
from operator import or_

import pendulum
from airflow.sdk import dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)

from duurzaam.dbt_profile import WarehouseProfile
from duurzaam.orchestration import MART_ASSETS, RAW_ASSETS, dbt_manifest_path
from duurzaam.settings import DBT_PROJECT_DIR, load_settings


@task
def prepare_warehouse() -> None:
    """dbt reads the raw tables as sources; on a fresh warehouse they exist, empty."""
    from duurzaam.connections import airflow_settings
    from duurzaam.transform import prepare_warehouse as prepare

    prepare(airflow_settings())


# dbt's profile: the warehouse's Airflow connection (or DUURZAAM_WAREHOUSE_URL without one),
# read when a dbt task runs; the password reaches dbt as a variable of that run only.
PROFILE = ProfileConfig(
    profile_name="duurzaam",
    target_name="warehouse",
    profile_mapping=WarehouseProfile(load_settings().warehouse_conn_id),
)


@task
def publish_mart() -> None:
    """Marks the mart's Asset as updated once its model and tests have passed."""


@dag(
    dag_id="duurzaam_transform",
    schedule=reduce(or_, RAW_ASSETS.values()),  # any raw table updated
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    tags=["duurzaam", "dbt"],
)
def duurzaam_transform() -> None:
    # One `dbt build` (the `dbt_producer_watcher` task: seeds, the raw tables' own tests, every
    # model and its tests, in dbt's order) and, per model, a task that reports that model's
    # run and one that reports its tests as dbt finishes them (cosmos's watcher mode).
    models = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=dbt_manifest_path(),
            project_name="duurzaam",
            install_dbt_deps=False,
        ),
        profile_config=PROFILE,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,  # a model's tests: a task beside its run
            emit_datasets=False,  # the marts' Assets are ours, below
            # a test of several models (relationships, singular tests) is reported with the
            # tests of each of them: dbt runs it once all of them are built
            should_detach_multiple_parents_tests=False,
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        operator_args={
            # The per-model tasks wait for dbt without holding a worker slot (and without a
            # triggerer): a short check, then rescheduled.
            "mode": "reschedule",
            "deferrable": False,
            "poke_interval": 2,
            "dbt_cmd_flags": ["--no-write-json"],  # the artifacts are not read; writing costs 0.5 s
        },
    )
    prepare_warehouse() >> models
    for mart, asset in MART_ASSETS.items():
        (
            models.tasks_map[f"model.duurzaam.{mart}"]
            >> publish_mart.override(task_id=f"publish_{mart}", outlets=[asset])()
        )


duurzaam_transform()
