"""Airflow runs that a test watches while they go: `airflow dags test` in a process of its own
(SQLite metadata, tasks run one after the other, retries waited for), so that the test can
fault a server under a running task and read the tries of each task afterwards."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from duurzaam.demo import airflow_environment

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# The retry delay of the runs: Airflow's [core] default_task_retry_delay, which every task
# of the DAGs waits before its first retry (twice that before the second; task_defaults).
RETRY_DELAY_SECONDS = 1


def migrated_metadata(folder: Path) -> Path:
    """An Airflow metadata database (SQLite) migrated once, for runs to start from a copy."""
    subprocess.run(
        [AIRFLOW, "db", "migrate"], env=airflow_environment(folder), check=True, capture_output=True
    )
    return folder / "airflow.db"


def airflow_home(folder: Path, metadata: Path, retry_delay: float = RETRY_DELAY_SECONDS) -> dict:
    """The environment of an embedded Airflow in `folder` (a copy of the migrated metadata
    database), its tasks retried after `retry_delay` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(metadata, folder / "airflow.db")
    return {
        **airflow_environment(folder),
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": str(retry_delay),
    }


class DagTest:
    """`airflow dags test <dag_id> <logical_date>` running in the background."""

    def __init__(self, env: dict[str, str], dag_id: str, logical_date: str, *options: str):
        self.env, self.dag_id, self.logical_date = env, dag_id, logical_date
        self.output = Path(env["AIRFLOW_HOME"]) / f"{dag_id}-{logical_date}.log"
        with self.output.open("w") as log:
            self.process = subprocess.Popen(
                [AIRFLOW, "dags", "test", dag_id, logical_date, *options],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float = 600) -> tuple[int, str]:
        """Its exit status and everything it printed, once it has finished."""
        try:
            returncode = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"{self.dag_id} did not finish: {self.output.read_text()[-3000:]}")
        return returncode, self.output.read_text()

    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 300) -> None:
        """Polls condition() while the run goes on; fails when the run ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if condition():
                return
            time.sleep(0.05)
        self.process.kill()
        self.process.wait()
        pytest.fail(f"never saw {what}; the run's output ends: {self.output.read_text()[-3000:]}")

    def tries(self, task_id: str, map_index: int = -1) -> list[tuple[int, str]]:
        """(try number, state) of each try of the task in this run, in order."""
        this_task = f"{THIS_RUN} and task_id = :task and map_index = :index"
        return self.metadata(
            f"select try_number, state from task_instance_history where {this_task} union all "
            f"select try_number, state from task_instance where {this_task} order by 1",
            {"task": task_id, "index": map_index},
        )

    def state(self, task_id: str, map_index: int = -1) -> str | None:
        """The state of the task in this run now (None before it is scheduled)."""
        rows = self.metadata(
            f"select state from task_instance where {THIS_RUN} "
            "and task_id = :task and map_index = :index",
            {"task": task_id, "index": map_index},
        )
        return rows[0][0] if rows else None

    def metadata(self, sql: str, parameters: dict | None = None) -> list[tuple]:
        """A query of the metadata database; :dag and :date are this run's DAG and logical
        date (THIS_RUN selects its rows)."""
        database = self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
        this_run = {"dag": self.dag_id, "date": f"{self.logical_date}%"}
        with closing(sqlite3.connect(database, timeout=30)) as connection:
            return connection.execute(sql, {**this_run, **(parameters or {})}).fetchall()


# The rows of one run: those of its DAG and logical date (SQLite keeps it as text).
THIS_RUN = (
    "dag_id = :dag and run_id in "
    "(select run_id from dag_run where dag_id = :dag and logical_date like :date)"
)
