"""Transform: once per ingest run (its Asset `raw`), dbt builds and tests the project (one
`dbt build`, with a task per model reporting its run and its tests: astronomer-cosmos's
watcher mode, rendered from the manifest built at install, so parsing this file runs no dbt); the
retention-effects model is fitted on the spells, then a second build publishes its
estimates; each mart's and each published model's task then updates its Asset (the reports
wait for the published models they read).

- **dbt.dbt_producer_watcher** is the `dbt build` (the seed, the raw tables' own tests, every
  model and its tests); `dbt.<model>.run` and `dbt.<model>.test` show each model's outcome.
  Retrying a model's task alone runs dbt for that model only.
- **A failed test** stops that model's downstream models (their Assets are not updated, so
  the reports wait) and, after the retries, alerts the data engineers with the model, the
  test and how many rows fail it.
- Every task is retried with backoff and has a timeout.

Runbook: docs/operations.md."""

from __future__ import annotations

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
from duurzaam.orchestration import (
    ESTIMATES_SELECTOR,
    MODEL_ASSETS,
    RAW_LOADED,
    dbt_manifest_path,
)
from duurzaam.settings import DBT_PROJECT_DIR, load_settings
from duurzaam.task_defaults import TIMEOUTS, task_defaults


@task
def prepare_warehouse() -> None:
    """dbt reads the raw tables as sources; on a fresh warehouse they exist, empty."""
    from duurzaam.connections import airflow_settings
    from duurzaam.transform import prepare_warehouse as prepare

    prepare(airflow_settings())


@task
def fit_retention_effects() -> None:
    """The Cox model of the retention effects, fitted on the spells dbt has just built and
    tested; it writes only its estimates, which mart_retention_effects publishes."""
    from duurzaam.connections import airflow_settings
    from duurzaam.effects.store import fit_retention_effects as fit

    fit(airflow_settings())


# dbt's profile: the warehouse's Airflow connection (or DUURZAAM_WAREHOUSE_URL without one),
# read when a dbt task runs; the password reaches dbt as a variable of that run only.
PROFILE = ProfileConfig(
    profile_name="duurzaam",
    target_name="warehouse",
    profile_mapping=WarehouseProfile(load_settings().warehouse_conn_id),
)


@task
def publish_mart() -> None:
    """Marks the model's Asset as updated once the model and its tests have passed."""


def dbt_build(group_id: str, **selection: list[str]) -> DbtTaskGroup:
    """One `dbt build` of the selection (the group's `dbt_producer_watcher` task: seeds, the
    raw tables' own tests, the models and their tests, in dbt's order) and, per model, a
    task that reports its run and one that reports its tests as dbt finishes them."""
    return DbtTaskGroup(
        group_id=group_id,
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
            emit_datasets=False,  # the models' Assets are ours, below
            # a test of several models (relationships, singular tests) is reported with the
            # tests of each of them: dbt runs it once all of them are built
            should_detach_multiple_parents_tests=False,
            **selection,
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
            "execution_timeout": TIMEOUTS["dbt"],
        },
    )


@dag(
    dag_id="duurzaam_transform",
    schedule=RAW_LOADED,  # once per ingest run, whichever sources it loaded
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    tags=["duurzaam", "dbt"],
    default_args=task_defaults(),
    doc_md=__doc__,
)
def duurzaam_transform() -> None:
    models = dbt_build("dbt", exclude=[ESTIMATES_SELECTOR])
    effects = dbt_build("dbt_effects", select=[ESTIMATES_SELECTOR])
    prepare_warehouse() >> models
    # The fit opens the warehouse while nothing else writes to it (DuckDB: one writer).
    models >> fit_retention_effects() >> effects
    tasks = {**models.tasks_map, **effects.tasks_map}
    for model, asset in MODEL_ASSETS.items():  # the marts and the published models
        (
            tasks[f"model.duurzaam.{model}"]
            >> publish_mart.override(task_id=f"publish_{model}", outlets=[asset])()
        )


duurzaam_transform()
