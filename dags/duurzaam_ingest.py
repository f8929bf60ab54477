"""Quarterly ingest: for each source, wait for the quarter's extract, pull it, validate it with
its Great Expectations suite and load it into raw; each load updates that source's raw Asset.

- **Schedule**: the first of the month after a quarter ends; the run processes that quarter.
  Rerun one quarter by triggering with `{"quarter": "2024Q4"}`.
- **Late source**: its `wait_for_<source>` task fails after the `wait_hours` set in
  `include/config/sources.yml` and the data engineers get an alert naming the source, the
  quarter and where the extract was expected; the other sources go on.
- **Validate and load**: `ingest_<source>` runs the source's suite and, beside it in the same
  transaction, the partition swap, which commits only when the suite has passed.
- **Rejected file**: `ingest_<source>` fails without retrying (the file, rows, columns and
  rule are in the alert); nothing is loaded, the rows are in `meta.quarantine`.
- **Once every load has finished**, `publish_raw` updates the Asset `raw` the transform runs
  on (when anything loaded): one transform run per ingest run.
- **Transient failures** (pull, a load that failed) are retried with backoff; every task
  has a timeout.

Runbook: docs/operations.md."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import PokeReturnValue, TriggerRule, dag, task

from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.assets import (
    POKE_MINUTES,
    RAW_ASSETS,
    RAW_LOADED,
    SOURCE_NAMES,
    WAIT_HOURS,
    quarter_of_run,
)
from duurzaam.orchestration.task_defaults import TIMEOUTS, quarterly_dag

log = logging.getLogger(__name__)


@task.sensor(
    mode="reschedule",
    poke_interval=POKE_MINUTES * 60,  # seconds
    execution_timeout=TIMEOUTS["wait"],
)
def wait_for(
    source: str, params: dict[str, Any] | None = None, logical_date: datetime | None = None
) -> PokeReturnValue:
    from duurzaam.ingest.steps import extract_available, source_location
    from duurzaam.orchestration.connections import airflow_settings

    settings = airflow_settings()
    quarter = quarter_of_run(params or {}, logical_date)
    delivered = extract_available(source, quarter, settings)
    if not delivered:
        log.warning(
            "%s %s is late: nothing yet at %s; waiting up to %g hours from the start of this task",
            source,
            quarter,
            source_location(source, quarter, settings),
            WAIT_HOURS[source],
        )
    return PokeReturnValue(is_done=delivered)


@task(execution_timeout=TIMEOUTS["pull"])
def pull(
    source: str, params: dict[str, Any] | None = None, logical_date: datetime | None = None
) -> dict[str, Any]:
    from dataclasses import asdict

    from duurzaam.ingest.steps import pull as pull_extract
    from duurzaam.orchestration.connections import airflow_settings

    quarter = quarter_of_run(params or {}, logical_date)
    return asdict(pull_extract(source, quarter, airflow_settings()))


@task(execution_timeout=TIMEOUTS["ingest"])
def ingest(extract: dict[str, Any]) -> dict[str, Any]:
    from duurzaam.ingest.suite_process import start_suite_process

    start_suite_process()  # Great Expectations imports in it while this process goes on
    from airflow.sdk.exceptions import AirflowFailException

    from duurzaam.errors import InputRejected
    from duurzaam.ingest.steps import Extract, describe, validate_and_load
    from duurzaam.orchestration.connections import airflow_settings

    try:
        outcome = validate_and_load(Extract.from_dict(extract), airflow_settings())
    except InputRejected as rejection:  # bad data: retrying will not help
        raise AirflowFailException(str(rejection)) from None
    log.info(describe(outcome))
    return outcome


# after every load, when at least one succeeded: a late or rejected source does not hold back
# the marts of the others (as before), and the transform starts once per run
@task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, outlets=[RAW_LOADED])
def publish_raw() -> None:
    """Marks the raw tables as updated for this run."""


@dag(
    dag_id="duurzaam_ingest",
    # the day each quarter it runs (the first of the month after a quarter ends)
    **quarterly_dag("0 6 1 1,4,7,10 *", "ingest"),
    doc_md=__doc__,
)
def duurzaam_ingest() -> None:
    published = publish_raw()
    for source in SOURCE_NAMES:
        waited = wait_for.override(
            task_id=f"wait_for_{source}",
            timeout=timedelta(hours=WAIT_HOURS[source]),
            on_failure_callback=[FailureAlert("late_source", source)],
        )(source)
        extract = pull.override(task_id=f"pull_{source}")(source)
        waited >> extract
        # The task takes an XComArg here and gets the dict when it runs: Airflow's Task type
        # can only say the latter.
        loaded = ingest.override(
            task_id=f"ingest_{source}",
            outlets=[RAW_ASSETS[source]],
            on_failure_callback=[FailureAlert("rejected_file", source)],
        )(
            extract  # type: ignore[arg-type]
        )
        loaded >> published


duurzaam_ingest()
