"""Benchmarks: scripts that print numbers (make bench-ingest, bench-dbt, bench-reports,
bench-transform, bench-dashboard)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from duurzaam.settings import SAMPLE_LANDING_DIR, Settings, load_settings


def load_sample(folder: Path) -> tuple[Settings, list[str]]:
    """A fresh DuckDB warehouse in `folder` with every source of the bundled sample quarters
    loaded (`duurzaam ingest`, not transformed); its settings and the quarters."""
    from duurzaam.ingest import ingest
    from duurzaam.sources import SOURCES

    settings = replace(
        load_settings(),
        warehouse_url=f"duckdb:///{folder}/warehouse.duckdb",
        landing_dir=SAMPLE_LANDING_DIR,
        work_dir=folder / "work",
        outbox_dir=folder / "outbox",
        dashboard_dir=folder / "dashboard",
    )
    quarters = sorted(p.stem for p in (SAMPLE_LANDING_DIR / "placements").glob("*.csv"))
    print(f"building the warehouse from {len(quarters)} sample quarters ...", flush=True)
    for quarter in quarters:
        for source in SOURCES:
            ingest(source, quarter, settings)
    return settings, quarters
