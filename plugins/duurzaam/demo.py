"""`make demo`: the whole quarterly pipeline over the bundled sample quarters, run by Airflow
itself (`airflow dags test`, SQLite metadata) on the embedded default warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from duurzaam.errors import DuurzaamError
from duurzaam.quarters import Quarter
from duurzaam.settings import PROJECT_ROOT, load_settings

DAGS = ("duurzaam_ingest", "duurzaam_transform", "duurzaam_report")


def airflow_environment(home: Path = PROJECT_ROOT / ".airflow") -> dict[str, str]:
    """An embedded Airflow in `home`: SQLite metadata, these DAGs, no examples; the tasks'
    OpenLineage events appended to home/lineage.jsonl."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        **openlineage_environment(home / "lineage.jsonl"),
    }


def openlineage_environment(events_file: Path) -> dict[str, str]:
    """Airflow's OpenLineage provider with the pipeline's extractor
    (duurzaam.orchestration.lineage),
    writing every event as a line of JSON to events_file."""
    transport = {"type": "file", "log_file_path": str(events_file), "append": True}
    return {
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "duurzaam",
        "AIRFLOW__OPENLINEAGE__EXTRACTORS": "duurzaam.orchestration.lineage.PipelineExtractor",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
        # emitted from a thread of the task, not a forked copy of it (which, within
        # `dags test`, waited out the provider's 10 s timeout)
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }


def sample_quarters(landing_dir: Path) -> list[Quarter]:
    return sorted(Quarter.parse(path.stem) for path in (landing_dir / "placements").glob("*.csv"))


def run_demo() -> None:
    settings = load_settings()
    quarters = sample_quarters(settings.landing_dir)
    if not quarters:
        raise DuurzaamError(f"no sample extracts in {settings.landing_dir / 'placements'}")
    env = airflow_environment()
    log_file = Path(env["AIRFLOW_HOME"]) / "demo.log"
    airflow = str(Path(sys.executable).with_name("airflow"))
    print("== Preparing Airflow's metadata database (SQLite)", flush=True)
    _check(subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True))
    started = time.monotonic()
    # One Python process for all runs: what `airflow dags test` does, minus its start-up
    # cost per call. The task logs go to demo.log, the progress to the terminal.
    _check(
        subprocess.run(
            [sys.executable, "-m", "duurzaam.demo", str(log_file), *map(str, quarters)], env=env
        ),
        log_file,
    )
    print(
        f"\nDone in {time.monotonic() - started:.0f} s for {len(quarters)} quarters "
        f"({quarters[0]}..{quarters[-1]}). Airflow's task logs: {log_file}"
    )
    print(
        f"Warehouse: {settings.warehouse_url}  (marts in schema 'marts', e.g. "
        "marts.mart_region_quarter; with small counts withheld in schema 'published', e.g. "
        "published.pub_region_quarter)"
    )
    print(f"Reports:   {settings.outbox_dir}/<quarter>/<region>.eml")
    print(
        f"           {settings.outbox_dir}/<quarter>/werkgever-<id>-<name>.eml (the "
        "participating employers', include/config/employers.yml)"
    )
    print(f"Lineage:   {Path(env['AIRFLOW_HOME']) / 'lineage.jsonl'} (OpenLineage events)")
    print(f"Alerts:    {settings.outbox_dir}/alerts/ (the data engineers' mails, e.g. the summary)")
    site = settings.dashboard_dir / "current" / "index.html"
    print(f"Dashboard: {site.as_uri()}")
    print(f"           or `make dashboard`, then {settings.dashboard_url}")
    print('Look:      uv run duurzaam query "from marts.mart_region_quarter limit 5"')


def demo_runs(quarters: list[Quarter]) -> list[tuple[str, Quarter]]:
    """The DAG runs of the demo, as a backfill goes (docs/operations.md): every quarter's
    extracts in order, one dbt build over all of them, then the latest quarter's reports."""
    ingest, transform, report = DAGS
    return [(ingest, quarter) for quarter in quarters] + [
        (transform, quarters[-1]),
        (report, quarters[-1]),
    ]


def test_dags(quarters: list[str], log_file: Path) -> None:
    """Runs the demo's DAG runs as `airflow dags test` would (SQLite metadata, tasks in this
    process); stops at the first failed run."""
    progress = os.fdopen(os.dup(1), "w", buffering=1)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        for dag_id, quarter in demo_runs([Quarter.parse(q) for q in quarters]):
            # A run on the first day after the quarter processes that quarter.
            run_date = datetime.combine(quarter.next().start, datetime.min.time(), UTC)
            progress.write(f"== {quarter}: {dag_id} ")
            started = time.monotonic()
            run = bag.dags[dag_id].test(logical_date=run_date, run_conf={"quarter": str(quarter)})
            progress.write(f"{run.state} ({time.monotonic() - started:.1f} s)\n")
            if run.state != "success":
                raise SystemExit(1)


def _check(result: subprocess.CompletedProcess, log_file: Path | None = None) -> None:
    if result.returncode == 0:
        return
    if log_file is not None:
        tail = "\n".join(log_file.read_text().splitlines()[-40:])
    else:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    raise DuurzaamError(f"{' '.join(map(str, result.args[1:3]))} failed:\n{tail}")


if __name__ == "__main__":
    test_dags(sys.argv[2:], Path(sys.argv[1]))
