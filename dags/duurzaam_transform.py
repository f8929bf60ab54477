"""Transform: once per ingest run (its Asset `raw`), dbt builds and tests the project: one
`dbt build`, reported per model (duurzaam.orchestration.dbt_tasks, rendered from the manifest built
at
install, so parsing this file runs no dbt); the retention-effects model is fitted on the
spells and the move-effects model on the ends of jobs, then a second build publishes their
estimates.

- **dbt.build** is the `dbt build` (the seed, the raw tables' own tests, every model and its
  tests, in dbt's order, in one dbt run); it fails only when dbt cannot build at all.
- **dbt.<model>** is one task per dbt model, after the build and after its upstream models'
  tasks (dbt's lineage): it succeeds when its model was built and all its tests passed, and
  then updates the model's Asset when it is a mart. Retrying or clearing it runs dbt for that
  model alone.
- **fit_retention_effects**, then **dbt_effects.build** and **dbt_effects.<model>**: the same
  for the models tagged `estimates`.
- **check_disclosure**, after every published model's task: the disclosure checker attacks
  the schema `published` (duurzaam.transform.disclosure) and fails, naming each count below the
  threshold that can be recovered, when the published layer leaks. Only when it passes are
  the published models' Assets updated, so the reports (which wait for them) are never sent
  from a leaking published layer, and the loads the build read (listed by
  **prepare_warehouse** before dbt ran) recorded as published: the reports' gate holds a
  quarter back while one of its loads is not among them. A leak fails it at once (retrying
  does not change the tables); the data engineers get the alert with the findings.
- **A failed test** fails its model's task; the downstream models' tasks do not run (their
  Assets are not updated, so the reports wait); after the retries, the data engineers get an
  alert with the model, the test and how many rows fail it.
- Every task is retried with backoff and has a timeout.

Runbook: docs/operations.md."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.assets import PUBLISHED_ASSETS, RAW_LOADED
from duurzaam.orchestration.dbt_tasks import dbt_build
from duurzaam.orchestration.task_defaults import TIMEOUTS, task_defaults
from duurzaam.settings import ESTIMATES_SELECTOR


@task
def prepare_warehouse() -> list[list[str]]:
    """dbt reads the raw tables as sources; on a fresh warehouse they exist, empty. Returns
    the loads the build reads, recorded once the published layer has passed its check."""
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.transform.run import current_loads
    from duurzaam.transform.run import prepare_warehouse as prepare

    settings = airflow_settings()
    prepare(settings)
    return current_loads(settings)


@task
def fit_retention_effects() -> None:
    """The Cox model of the retention effects, fitted on the spells dbt has just built and
    tested, and the logistic model of the move effects on the ends of jobs (one fit step:
    duurzaam.effects.store); they write only their estimates, which mart_retention_effects
    and mart_move_effects publish."""
    from duurzaam.effects.store import fit_retention_effects as fit
    from duurzaam.orchestration.connections import airflow_settings

    fit(airflow_settings())


@task(
    outlets=list(PUBLISHED_ASSETS.values()),
    execution_timeout=TIMEOUTS["plan"],
    on_failure_callback=[FailureAlert("disclosure")],
)
def check_disclosure(loads: list[list[str]]) -> None:
    """Attack the published layer; fail (no retry) when a count below the threshold follows
    from it. Its outlets are the published models' Assets: the reports wait for this. When
    it passes, the loads the build read are recorded as published (the reports' gate)."""
    from airflow.sdk.exceptions import AirflowFailException

    from duurzaam.errors import DisclosureLeak
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.transform.disclosure.check import gate
    from duurzaam.transform.run import record_published_build

    settings = airflow_settings()
    try:
        gate(settings)
    except DisclosureLeak as leak:
        raise AirflowFailException(str(leak)) from None
    record_published_build(settings, loads)


@dag(
    dag_id="duurzaam_transform",
    schedule=RAW_LOADED,  # once per ingest run, whichever sources it loaded
    start_date=pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    tags=["duurzaam", "dbt"],
    default_args=task_defaults(),
    owner_links=alerts_config().owner_links(),
    doc_md=__doc__,
)
def duurzaam_transform() -> None:
    models = dbt_build("dbt", exclude=ESTIMATES_SELECTOR)
    effects = dbt_build("dbt_effects", select=ESTIMATES_SELECTOR, after=models)
    loads = prepare_warehouse()
    loads >> models.build
    # The fit opens the warehouse once the first build is over (DuckDB: one writer), on the
    # spells and the ends built and tested; the second build after it.
    fit = fit_retention_effects()
    inputs = [models.models["int_effect_spells"], models.models["int_job_ends"]]
    [models.build, *inputs] >> fit >> effects.build
    built = {**models.models, **effects.models}
    # The task takes an XComArg here and gets the list when it runs.
    [built[model] for model in PUBLISHED_ASSETS] >> check_disclosure(loads)  # type: ignore[arg-type]


duurzaam_transform()
