"""`make bench-backfill`: a national backfill, every source for 2016Q1-2025Q4 (200 extracts at
national scale, as `make bench-dbt` loads them), into a fresh DuckDB file and a fresh
PostgreSQL database, as `duurzaam ingest all --quarters` loads it (ingest.backfill). Prints the
seconds on each warehouse. Target (issue 16): a third of 197 s on DuckDB and 230 s on
PostgreSQL, the figures before the ingest was made faster (docs/benchmarks.md).
Run: `make bench-backfill`, or `python -m duurzaam.bench.backfill --quarters 2016Q1:2017Q4`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from duurzaam.bench import ingest_landing
from duurzaam.bench.ingest import fresh_database
from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import load_settings
from duurzaam.synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", default="2016Q1:2025Q4")
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-backfill-") as folder:
        landing = Path(folder) / "landing"
        quarters = parse_quarter_range(arguments.quarters)
        summary = generate(landing, quarters, seed=1, scale=arguments.scale)
        print(f"generated: {summary}")
        duckdb_url = f"duckdb:///{folder}/warehouse.duckdb"
        print(
            f"DuckDB:     {load_seconds(duckdb_url, landing, Path(folder) / 'work-duckdb'):6.1f} s"
        )
        with fresh_database() as url:
            print(f"PostgreSQL: {load_seconds(url, landing, Path(folder) / 'work-pg'):6.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")


def load_seconds(url: str, landing: Path, work: Path) -> float:
    settings = replace(
        load_settings(),
        warehouse_url=url,
        landing_dir=landing,
        work_dir=work,
        pseudonym_key=b"benchmark-only-key",
    )
    started = time.perf_counter()
    ingest_landing(settings)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
