"""Runs DAG runs one after the other in one process, each as `airflow dags test` runs it
(SQLite metadata, tasks in-process, retries after their delay), going on after a run that
failed: `python -m tests.e2e.dag_runs LOG RUNS`, RUNS a JSON list of
{"dag_id", "logical_date", "conf" (optional), "env" (optional: variables set for that run and
the ones after it)}. Prints `<dag_id> <state>` per run; the task logs go to LOG. One Python
and Airflow start-up for the runs of a scenario, as duurzaam.demo does."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path


def run(log_file: Path, runs: list[dict]) -> None:
    progress = os.fdopen(os.dup(1), "w", buffering=1)
    with log_file.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        for planned in runs:
            os.environ.update(planned.get("env", {}))
            dag_run = bag.dags[planned["dag_id"]].test(
                logical_date=datetime.fromisoformat(planned["logical_date"]),
                run_conf=planned.get("conf"),
            )
            progress.write(f"{planned['dag_id']} {dag_run.state}\n")


if __name__ == "__main__":
    run(Path(sys.argv[1]), json.loads(sys.argv[2]))
