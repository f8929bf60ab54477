"""How every task of the three DAGs runs unless it says otherwise: a failure is retried with
backoff (a server restarting, the network, a lock: what waiting cures), every attempt is
bounded by an execution timeout (nothing hangs a quarter forever), and a task that fails for
good alerts the data engineers once (duurzaam.orchestration.alerts). Failures that waiting does not
cure
skip the retries: a rejected file (AirflowFailException) and a late source (its sensor's own
timeout, AirflowSensorTimeout). Light on purpose: DAG files import this at parse time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from duurzaam.orchestration.alert_config import alerts_config
from duurzaam.orchestration.alerts import FailureAlert

RETRIES = 2
# The first wait is Airflow's [core] default_task_retry_delay (5 minutes unless configured,
# e.g. AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY=120), each next one twice the one before.
RETRY_BACKOFF = 2.0
MAX_RETRY_DELAY = timedelta(minutes=30)

# The longest one attempt of a step may take, far above what the national history needs
# (docs/benchmarks.md), so only a hung attempt is stopped.
TIMEOUTS = {
    "wait": timedelta(minutes=10),  # one check for the extract; the wait is wait_hours
    "pull": timedelta(minutes=30),
    "ingest": timedelta(hours=1),  # validate and load
    "dbt": timedelta(hours=1),  # a build group's `dbt build`, or one model alone on a retry
    "plan": timedelta(minutes=10),  # the sources gate, planning, the summary
    "send": timedelta(minutes=15),  # render and send one region's report
}


def retry_delay() -> timedelta:
    """Airflow's [core] default_task_retry_delay, read when the DAG is parsed. Given to every
    task explicitly: left out, a mapped task (a region's send_report) waits Airflow's built-in
    5 minutes whatever the setting says, as the scheduler reads its retry delay from the
    task's serialised form."""
    from airflow.configuration import conf

    return timedelta(seconds=conf.getint("core", "default_task_retry_delay", fallback=300))


def task_defaults() -> dict[str, Any]:
    """A DAG's default_args; its owner from include/config/alerts.yml."""
    return {
        "owner": alerts_config().owner,
        "retries": RETRIES,
        "retry_delay": retry_delay(),
        "retry_exponential_backoff": RETRY_BACKOFF,
        "max_retry_delay": MAX_RETRY_DELAY,
        "execution_timeout": TIMEOUTS["ingest"],
        "on_failure_callback": [FailureAlert()],
    }


def quarterly_dag(schedule: str, *tags: str) -> dict[str, Any]:
    """The arguments of a DAG that runs on a date of every quarter (a cron `schedule`) for the
    quarter that ended, with the `quarter` param to run it for another; one run at a time."""
    import pendulum
    from airflow.sdk import Param

    return {
        "schedule": schedule,
        "start_date": pendulum.datetime(2019, 4, 1, tz="Europe/Amsterdam"),
        "catchup": False,
        "max_active_runs": 1,
        "params": {"quarter": Param(None, type=["null", "string"], description="e.g. 2024Q4")},
        "tags": ["duurzaam", *tags],
        "default_args": task_defaults(),
        "owner_links": alerts_config().owner_links(),
    }
