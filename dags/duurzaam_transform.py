"""Transform: once per ingest run (its Asset `raw`), dbt builds and tests the project one model
at a time (astronomer-cosmos renders a task per model from the manifest built at install, so
parsing this file runs no dbt), then each mart's task updates the Asset the reports wait for."""

from __future__ import annotations

import pendulum
from airflow.sdk import Context, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)
from cosmos.operators.local import DbtTestLocalOperator

from duurzaam.orchestration import MART_ASSETS, RAW_LOADED, dbt_manifest_path
from duurzaam.settings import DBT_PROJECT_DIR, load_settings

BACKEND = load_settings().backend  # the dbt target: 'duckdb' or 'postgres'


@task
def prepare_warehouse() -> None:
    """dbt reads the raw tables as sources; on a fresh warehouse they exist, empty."""
    from duurzaam.transform import prepare_warehouse as prepare

    prepare(load_settings())


def export_dbt_environment(context: Context) -> None:
    """profiles.yml reads its connection from variables derived from DUURZAAM_WAREHOUSE_URL;
    set them in the task's process right before dbt runs (never in the DAG definition, which
    the UI shows)."""
    import os

    from duurzaam.transform import dbt_environment

    os.environ.update(dbt_environment(load_settings()))


# How every dbt task runs: in the task's process (dbtRunner),
# with the connection variables exported just before.
DBT_TASK_ARGS = {
    "on_execute_callback": export_dbt_environment,
    "dbt_cmd_flags": ["--no-write-json"],  # the artifacts are not read; writing costs 0.5 s
}
PROFILE = ProfileConfig(
    profile_name="duurzaam",
    target_name=BACKEND,
    profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
)


@task
def publish_mart() -> None:
    """Marks the mart's Asset as updated once its model and tests have passed."""


@dag(
    dag_id="duurzaam_transform",
    schedule=RAW_LOADED,  # once per ingest run, whichever sources it loaded
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    # DuckDB allows one writing process: its models run one at a time.
    max_active_tasks=1 if BACKEND == "duckdb" else 4,
    tags=["duurzaam", "dbt"],
)
def duurzaam_transform() -> None:
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
            test_behavior=TestBehavior.BUILD,  # one `dbt build` per model: run + its tests
            emit_datasets=False,  # the marts' Assets are ours, below
            # a test of several models (relationships, singular tests) runs as a task of its
            # own once all of them are built, not with the first one
            should_detach_multiple_parents_tests=True,
        ),
        execution_config=ExecutionConfig(
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        operator_args=DBT_TASK_ARGS,
    )
    # The raw tables' own tests (keys, not null), before any model. (Sources are not rendered
    # as tasks: cosmos would make each a freshness check that stops the models when one
    # source is late, while the marts can be built with what has arrived.)
    test_sources = DbtTestLocalOperator(
        task_id="test_sources",
        project_dir=str(DBT_PROJECT_DIR),
        profile_config=PROFILE,
        select=["source:*"],
        **DBT_TASK_ARGS,
    )
    prepare_warehouse() >> test_sources >> models
    for mart, asset in MART_ASSETS.items():
        (
            models.tasks_map[f"model.duurzaam.{mart}"]
            >> publish_mart.override(task_id=f"publish_{mart}", outlets=[asset])()
        )


duurzaam_transform()
