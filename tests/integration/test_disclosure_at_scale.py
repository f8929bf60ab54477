"""The attack on whole warehouses, each built as the pipeline builds it (every source of every
quarter loaded, `duurzaam transform`, whose gate would already refuse a leak): the demo's
bundled sample quarters on DuckDB, national-scale history (scale 1.0: the country's flows,
as `make bench-dbt` generates ten years of them; here one year) on DuckDB and PostgreSQL
(the run's shared sample warehouses are attacked in test_disclosure.py). The checker finds
nothing, while the published layer withholds counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from duurzaam.settings import PROJECT_ROOT, Settings
from duurzaam.transform.disclosure.check import CheckResult, published_tables
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import sample_settings, throwaway_database

pytestmark = pytest.mark.slow

NATIONAL_QUARTERS = "2024Q1:2024Q4"  # a year of the country's flows


def build(url: str, landing: Path, folder: Path) -> tuple[Settings, CheckResult]:
    """Every source of every quarter of `landing` loaded into `url`, then transformed: the
    settings, and what the transform's gate (the checker) found attacking the published
    layer."""
    from duurzaam.ingest.sources import SOURCES
    from duurzaam.ingest.steps import backfill
    from duurzaam.transform.run import transform

    settings = sample_settings(url, folder, landing)
    quarters = sorted(p.stem for p in (landing / "placements").glob("*.csv"))
    for _ in backfill(list(SOURCES), quarters, settings):
        pass
    return settings, transform(settings)


@pytest.fixture(scope="module")
def national_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from duurzaam.quarters import parse_quarter_range
    from duurzaam.synthetic import generate

    folder = tmp_path_factory.mktemp("national") / "landing"
    generate(folder, parse_quarter_range(NATIONAL_QUARTERS), seed=1, scale=1.0)
    return folder


@pytest.fixture
def landing(request: pytest.FixtureRequest) -> Path:
    if request.param == "demo":
        return PROJECT_ROOT / "include" / "sample_data"
    return request.getfixturevalue("national_landing")


# The demo on its warehouse (`make demo` builds DuckDB); national history on both.
@pytest.mark.parametrize(
    ("landing", "backend"),
    [
        ("demo", "duckdb"),
        ("national", "duckdb"),
        pytest.param("national", "postgres", marks=pytest.mark.postgres),
    ],
    indirect=["landing"],
)
def test_nothing_recoverable_from_a_whole_published_layer(backend, landing, tmp_path):
    if backend == "duckdb":
        check(*build(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", landing, tmp_path))
    else:
        with throwaway_database() as url:
            check(*build(url, landing, tmp_path))


def check(settings: Settings, result: CheckResult) -> None:
    # the transform's gate raised on any finding: what it attacked was the whole layer
    assert result.cells > 10_000
    # not a warehouse without small counts: the published layer withholds some
    with open_warehouse(settings.warehouse_url) as warehouse:
        frames = published_tables(warehouse)
    withheld = sum(
        int(frame[column].notna().sum())
        for frame in frames.values()
        for column in frame.columns
        if column.endswith("_suppressed")
    )
    assert withheld > 0
