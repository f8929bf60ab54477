"""What the DAG files share: the Assets that chain them, and how a run knows its quarter.
Light on purpose: DAG files import this at parse time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from airflow.sdk import Asset

from duurzaam.quarters import Quarter
from duurzaam.settings import DBT_PROJECT_DIR, sources_config_path

# The sources ingested each quarter and how long to wait for each: sources.yml (read here,
# not by importing duurzaam.sources, so that parsing a DAG file does not import pandas).
with sources_config_path().open(encoding="utf-8") as _handle:
    _SOURCES = yaml.safe_load(_handle)
POKE_MINUTES = float(_SOURCES.pop("poke_minutes"))
WAIT_HOURS = {source: float(config["wait_hours"]) for source, config in _SOURCES.items()}
SOURCE_NAMES = tuple(_SOURCES)
RAW_ASSETS = {
    source: Asset(name=f"raw.{source}", uri=f"duurzaam://warehouse/raw/{source}")
    for source in SOURCE_NAMES
}
MART_ASSETS = {
    mart: Asset(name=f"marts.{mart}", uri=f"duurzaam://warehouse/marts/{mart}")
    for mart in (
        "mart_region_quarter",
        "mart_cohort_survival",
        "mart_retention_factors",
        "mart_employer_survey",
        "mart_followup",
    )
}


def dbt_manifest_path() -> Path:
    """The dbt manifest the transform DAG is rendered from, built by `make install` (and the
    image build) with `dbt parse`, so that parsing the DAG never runs dbt."""
    path = DBT_PROJECT_DIR / "target" / "airflow" / "manifest.json"  # dbt's own runs: target/
    if not path.exists():
        raise FileNotFoundError(
            f"the dbt manifest {path} is missing: run `make manifest` (or `make install`) "
            "after changing the dbt project"
        )
    return path


def quarter_of_run(params: dict[str, Any], logical_date: datetime | None) -> str:
    """The quarter a run processes: the `quarter` param when given, else the quarter that
    ended before the run's logical date (a run on 1 April processes Q1)."""
    if params.get("quarter"):
        return str(Quarter.parse(params["quarter"]))
    if logical_date is None:
        raise ValueError(
            "this run has no logical date and no 'quarter' param: trigger it with "
            '{"quarter": "2024Q4"}'
        )
    return str(Quarter.of(logical_date.date()) - 1)
