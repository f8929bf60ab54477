"""`make bench-transform`: the transform DAG in Airflow against one `dbt build`, on the same
warehouse.

Loads the bundled sample quarters into a fresh DuckDB file (`duurzaam ingest`, not timed),
then, in one process with an embedded Airflow (SQLite metadata, as `make demo`): one
`dbt build` to warm up (not timed), one timed `dbt build` (what `duurzaam transform` runs),
one run of the `duurzaam_transform` DAG to warm up (printed, not counted) and one timed run
of it (`dag.test()`, as `make demo` runs it: one `dbt build` task per build and a task per
model reporting from it, duurzaam.orchestration.dbt_tasks). Prints both times, the DAG's task count
and
the load average; target: a ratio of at most 1.5.
Run: `make bench-transform` (about two minutes, most of it loading).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from duurzaam.bench import load_sample
from duurzaam.demo import airflow_environment
from duurzaam.settings import load_settings

TARGET = 1.5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-transform-") as folder:
        started = time.perf_counter()
        settings, quarters = load_sample(Path(folder))
        print(f"loaded {len(quarters)} sample quarters in {time.perf_counter() - started:.0f} s")
        home = Path(folder) / "airflow"
        env = {
            **airflow_environment(home),
            "DUURZAAM_WAREHOUSE_URL": settings.warehouse_url,
            "DUURZAAM_WORK_DIR": str(settings.work_dir),
        }
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        log = home / "bench.log"
        child = subprocess.run(
            [sys.executable, "-m", "duurzaam.bench.transform", "--measure", str(log)],
            env=env,
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            tail = "\n".join(log.read_text().splitlines()[-30:]) if log.exists() else child.stderr
            raise SystemExit(f"the measurement failed:\n{tail}")
        times = json.loads(child.stdout.strip().splitlines()[-1])
    ratio = times["dag"] / times["dbt_build"]
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"one dbt build:                {times['dbt_build']:5.1f} s")
    print(
        f"the transform DAG in Airflow: {times['dag']:5.1f} s ({times['tasks']} tasks; the "
        f"process's first run, not counted: {times['dag_cold']:.1f} s)"
    )
    print(f"ratio: {ratio:.2f} (target: at most {TARGET}): {verdict}")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def measure(log_file: Path) -> None:
    """In the child process: a warm-up build, a timed build, a warm-up DAG run and a timed DAG
    run; the task logs go to log_file, the times to stdout as JSON. Each side is warmed up
    once the same way: what a process pays once (dbt's imports and partial parse; Airflow's
    in-process execution API, its plugins folder scan) is not counted against either."""
    from duurzaam.transform.run import transform

    stdout = os.fdopen(os.dup(1), "w", buffering=1)
    with log_file.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        from airflow.dag_processing.dagbag import DagBag

        settings = load_settings()
        transform(settings)  # warm-up: imports, DuckDB's file, dbt's partial parse
        started = time.perf_counter()
        transform(settings)
        dbt_seconds = time.perf_counter() - started
        dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["duurzaam_transform"]
        times = []
        for _ in ("warm-up", "timed"):
            started = time.perf_counter()
            run = dag.test(logical_date=datetime.now(UTC))
            times.append(time.perf_counter() - started)
            if run.state != "success":
                raise SystemExit(f"the transform DAG run ended {run.state}")
    stdout.write(
        json.dumps(
            {
                "dbt_build": dbt_seconds,
                "dag_cold": times[0],
                "dag": times[1],
                "tasks": len(dag.tasks),
            }
        )
    )
    stdout.write("\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(Path(sys.argv[2]))
    else:
        main()
