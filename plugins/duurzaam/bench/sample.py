"""The warehouse the benchmarks measure against: every source of the bundled sample quarters,
loaded and transformed into a fresh DuckDB file (not timed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from duurzaam.ingest import ingest
from duurzaam.settings import SAMPLE_LANDING_DIR, Settings, load_settings
from duurzaam.sources import SOURCES
from duurzaam.transform import transform


def sample_warehouse(folder: Path) -> tuple[Settings, list[str]]:
    """Settings of a warehouse built in `folder` from the sample quarters, and the quarters."""
    settings = replace(
        load_settings(),
        warehouse_url=f"duckdb:///{folder}/w.duckdb",
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
    transform(settings)
    return settings, quarters
