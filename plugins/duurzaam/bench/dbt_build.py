"""`make bench-dbt`: `dbt build` on national history, on DuckDB and on PostgreSQL.

Generates every source for 2016Q1-2025Q4 at national scale, loads it into a fresh DuckDB file
and a fresh PostgreSQL database (`duurzaam ingest`), then times `dbt build` (models, seeds,
data tests; the unit tests run in `make test`) on each and prints the seconds and the rows
of every mart. Targets on the 2-core development machine: at most 60 s on DuckDB, 180 s on
PostgreSQL. Then what the move models ("van werk naar werk") add to it: their dbt models
built and tested again on the built warehouse, and their fit, each timed on its own.
Run: `make bench-dbt`, or for a smaller run
`python -m duurzaam.bench.dbt_build --quarters 2023Q1:2024Q4 --scale 0.2`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from duurzaam.bench import ingest_landing
from duurzaam.bench.ingest import fresh_database
from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import Settings, load_settings
from duurzaam.synthetic import generate
from duurzaam.transform.run import BUILD, run_dbt, transform
from duurzaam.warehouse.database import open_warehouse

MARTS = (
    "mart_region_quarter",
    "mart_cohort_survival",
    "mart_retention_factors",
    "mart_retention_effects",
    "mart_employer_survey",
    "mart_followup",
    "mart_move_factors",
    "mart_move_effects",
)
# What the move question adds to the transform: its dbt models (with their tests) and its fit.
MOVE_MODELS = (
    "int_job_ends",
    "mart_move_factors",
    "pub_move_factors",
    "stg_estimates__move_effects",
    "mart_move_effects",
    "pub_move_effects",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", default="2016Q1:2025Q4")
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args()
    quarters = parse_quarter_range(arguments.quarters)
    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-dbt-") as folder:
        landing = Path(folder) / "landing"
        started = time.perf_counter()
        summary = generate(landing, quarters, seed=1, scale=arguments.scale)
        print(f"generated in {time.perf_counter() - started:.0f} s: {summary}")
        results = {"duckdb": measure(f"duckdb:///{folder}/warehouse.duckdb", landing, folder)}
        with fresh_database() as url:
            results["postgres"] = measure(url, landing, folder)
    for backend, (load_seconds, build_seconds, moves, rows) in results.items():
        marts = ", ".join(f"{mart} {count:,}" for mart, count in rows.items())
        print(
            f"{backend:8s}: load {load_seconds:5.0f} s, transform {build_seconds:5.1f} s, of "
            f"which the moves: dbt {moves[0]:4.1f} s, fit {moves[1]:4.1f} s; rows: {marts}"
        )
    print("targets: dbt build <= 60 s on DuckDB, <= 180 s on PostgreSQL")


def measure(
    url: str, landing: Path, folder: str
) -> tuple[float, float, tuple[float, float], dict[str, int]]:
    settings = replace(
        load_settings(),
        warehouse_url=url,
        landing_dir=landing,
        work_dir=Path(folder) / "work",
        pseudonym_key=b"benchmark-only-key",
    )
    started = time.perf_counter()
    ingest_landing(settings)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    transform(settings)
    built = time.perf_counter() - started
    with open_warehouse(url) as warehouse:
        rows = {mart: warehouse.query(f"select count(*) from marts.{mart}")[0][0] for mart in MARTS}
    return loaded, built, measure_moves(settings), rows


def measure_moves(settings: Settings) -> tuple[float, float]:
    """Seconds of the move models' dbt build (with their tests) and of their fit, each
    repeated alone on the built warehouse."""
    from duurzaam.effects.move_store import fit_move_effects  # heavy: statsmodels

    started = time.perf_counter()
    run_dbt([*BUILD, "--select", *MOVE_MODELS], settings)
    models = time.perf_counter() - started
    started = time.perf_counter()
    fit_move_effects(settings)
    return models, time.perf_counter() - started


if __name__ == "__main__":
    main()
