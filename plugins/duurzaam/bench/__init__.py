"""Benchmarks: scripts that print numbers (make bench-ingest, bench-dbt, bench-reports,
bench-transform, bench-dashboard)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from duurzaam.settings import SAMPLE_LANDING_DIR, Settings, load_settings


def load_sample(folder: Path) -> tuple[Settings, list[str]]:
    """A fresh DuckDB warehouse in `folder` with every source of the bundled sample quarters
    loaded (`duurzaam ingest`, not transformed); its settings and the quarters."""
    settings = replace(
        load_settings(),
        warehouse_url=f"duckdb:///{folder}/warehouse.duckdb",
        landing_dir=SAMPLE_LANDING_DIR,
        work_dir=folder / "work",
        outbox_dir=folder / "outbox",
        dashboard_dir=folder / "dashboard",
    )
    print("building the warehouse from the sample quarters ...", flush=True)
    return settings, ingest_landing(settings)


def ingest_landing(settings: Settings) -> list[str]:
    """Every source of every quarter in the landing zone, loaded as `duurzaam ingest all
    --quarters` loads them (ingest.backfill); the quarters."""
    from duurzaam.ingest.sources import SOURCES
    from duurzaam.ingest.steps import backfill

    quarters = sorted(p.stem for p in (settings.landing_dir / "placements").glob("*.csv"))
    for _ in backfill(list(SOURCES), quarters, settings):
        pass
    return quarters


def sample_warehouse(folder: Path) -> tuple[Settings, list[str]]:
    """load_sample, then transformed (`duurzaam transform`, not timed): the warehouse the
    report and dashboard benchmarks measure against."""
    from duurzaam.transform.run import transform

    settings, quarters = load_sample(folder)
    transform(settings)
    return settings, quarters
