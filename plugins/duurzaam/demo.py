"""`make demo`: the whole quarterly pipeline over the bundled sample quarters, run by Airflow
itself (`airflow dags test`, SQLite metadata) on the embedded default warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from duurzaam.errors import DuurzaamError
from duurzaam.quarters import Quarter
from duurzaam.settings import PROJECT_ROOT, load_settings

DAGS = ("duurzaam_ingest", "duurzaam_transform", "duurzaam_report")


def airflow_environment() -> dict[str, str]:
    """An embedded Airflow under the project: SQLite metadata, these DAGs, no examples."""
    home = PROJECT_ROOT / ".airflow"
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    }


def sample_quarters(landing_dir: Path) -> list[Quarter]:
    return sorted(Quarter.parse(path.stem) for path in (landing_dir / "placements").glob("*.csv"))


def run_demo() -> None:
    settings = load_settings()
    quarters = sample_quarters(settings.landing_dir)
    if not quarters:
        raise DuurzaamError(f"no sample extracts in {settings.landing_dir / 'placements'}")
    env = airflow_environment()
    airflow = str(Path(sys.executable).with_name("airflow"))
    _step("Preparing Airflow's metadata database (SQLite)",
          [airflow, "db", "migrate"], env)
    started = time.monotonic()
    for quarter in quarters:
        # A run on the first day after the quarter processes that quarter.
        run_date = quarter.next().start.isoformat()
        conf = json.dumps({"quarter": str(quarter)})
        for dag_id in DAGS:
            _step(f"{quarter}: {dag_id}",
                  [airflow, "dags", "test", dag_id, run_date, "--conf", conf], env)
    print(f"\nDone in {time.monotonic() - started:.0f} s for {len(quarters)} quarters "
          f"({quarters[0]}..{quarters[-1]}).")
    print(f"Warehouse: {settings.warehouse_url}  (marts in schema 'marts', e.g. "
          "marts.mart_region_quarter)")
    print(f"Reports:   {settings.outbox_dir}/<quarter>/<region>.eml")
    print("Look:      uv run duurzaam query \"from marts.mart_region_quarter limit 5\"")


def _step(title: str, command: list[str], env: dict[str, str]) -> None:
    print(f"== {title}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise DuurzaamError(f"{' '.join(command[1:])} failed:\n{tail}")
    print(f"   ok ({time.monotonic() - started:.1f} s)", flush=True)
