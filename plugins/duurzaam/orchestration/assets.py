"""What the DAG files share: the Assets that chain them, and how a run knows its quarter.
Light on purpose: DAG files import this at parse time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml
from airflow.sdk import Asset

from duurzaam.quarters import Quarter
from duurzaam.settings import sources_config_path
from duurzaam.transform.manifest import exposure_models, folder_models

# The sources ingested each quarter and how long to wait for each: sources.yml (read here,
# not by importing duurzaam.ingest.sources, so that parsing a DAG file does not import pandas).
with sources_config_path().open(encoding="utf-8") as _handle:
    _SOURCES = yaml.safe_load(_handle)
POKE_MINUTES = float(_SOURCES.pop("poke_minutes"))
WAIT_HOURS = {source: float(config["wait_hours"]) for source, config in _SOURCES.items()}
SOURCE_NAMES = tuple(_SOURCES)
RAW_ASSETS = {
    source: Asset(name=f"raw.{source}", uri=f"duurzaam://warehouse/raw/{source}")
    for source in SOURCE_NAMES
}
# Updated once at the end of each ingest run, after the loads of the sources that arrived: the
# transform runs on this, so a quarter's ingest run makes one transform run (not one per
# source), and a backfill of N quarters at most N.
RAW_LOADED = Asset(name="raw", uri="duurzaam://warehouse/raw")
MART_ASSETS = {
    mart: Asset(name=f"marts.{mart}", uri=f"duurzaam://warehouse/marts/{mart}")
    for mart in folder_models("marts")
}
# The published models: the marts with disclosure control applied (what reports show).
PUBLISHED_ASSETS = {
    model: Asset(name=f"published.{model}", uri=f"duurzaam://warehouse/published/{model}")
    for model in folder_models("published")
}
MODEL_ASSETS = {**MART_ASSETS, **PUBLISHED_ASSETS}
# The models the regional report reads (its dbt exposure): the report DAG runs when all of
# them were rebuilt.
REPORT_MODELS = exposure_models("regional_report")


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
