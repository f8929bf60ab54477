"""A backfill (`duurzaam ingest all --quarters`, ingest.backfill) loads the sources of a quarter
two at a time, each lane validating in a suite process of its own: the warehouse it leaves is
the one that ingesting extract after extract leaves, on both backends."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import replace

import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.sources import SOURCES
from duurzaam.ingest.steps import backfill, ingest
from duurzaam.ingest.suite_process import suite_process
from duurzaam.quarters import parse_quarter_range
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import SAMPLE_QUARTERS

QUARTERS = [str(quarter) for quarter in parse_quarter_range(SAMPLE_QUARTERS)][:3]
LOAD_COLUMNS = ("_load_id", "_loaded_at")


def warehouse_contents(url: str) -> dict[str, list[tuple]]:
    """Every raw table's rows (without when they were loaded) and the current loads."""
    with open_warehouse(url) as warehouse:
        contents = {}
        for source, module in SOURCES.items():
            columns = [c for c, _ in module.RAW_COLUMNS if c not in LOAD_COLUMNS]
            rows = warehouse.query(f"select {', '.join(columns)} from raw.{source}")
            contents[source] = sorted(rows, key=repr)
        contents["loads"] = sorted(
            warehouse.query(
                "select load_id, source, quarter, file_sha256, row_count, revision, status, "
                "validation_summary from meta.loads"
            )
        )
    return contents


def test_a_backfill_leaves_what_one_extract_after_another_leaves(generated_landing, tmp_path):
    from tests.conftest import sample_settings

    together = sample_settings(
        f"duckdb:///{tmp_path / 'together.duckdb'}", tmp_path / "a", generated_landing
    )
    apart = sample_settings(
        f"duckdb:///{tmp_path / 'apart.duckdb'}", tmp_path / "b", generated_landing
    )
    outcomes = list(backfill(list(SOURCES), QUARTERS, together))
    for quarter in QUARTERS:
        for source in SOURCES:
            ingest(source, quarter, apart)

    assert sorted((o["source"], o["quarter"], o["status"]) for o in outcomes) == sorted(
        (source, quarter, "loaded") for quarter in QUARTERS for source in SOURCES
    )
    contents = warehouse_contents(together.warehouse_url)
    assert contents["loads"] and contents == warehouse_contents(apart.warehouse_url)
    # each source's data docs site lists every quarter's run
    for source in SOURCES:
        site = together.work_dir / "data_docs" / source / "gx" / "uncommitted" / "data_docs"
        text = (site / "local_site" / "index.html").read_text()
        assert all(f"{source} {quarter} " in text for quarter in QUARTERS), source


@pytest.mark.postgres
def test_a_backfill_into_postgres_loads_every_extract_once_and_again_changes_nothing(
    postgres_url, generated_landing, tmp_path
):
    from tests.conftest import sample_settings

    settings = sample_settings(postgres_url, tmp_path, generated_landing)
    first = list(backfill(list(SOURCES), QUARTERS, settings))
    assert {o["status"] for o in first} == {"loaded"} and len(first) == 5 * len(QUARTERS)
    loaded = warehouse_contents(postgres_url)
    again = list(backfill(list(SOURCES), QUARTERS, settings))
    assert {o["status"] for o in again} == {"unchanged"}
    assert warehouse_contents(postgres_url) == loaded
    rows = {source: len(loaded[source]) for source in SOURCES}
    assert all(rows.values()), rows


def test_a_rejected_file_stops_the_backfill_after_its_quarter(settings, generated_landing):
    landing = settings.landing_dir
    shutil.copytree(generated_landing, landing)
    broken = landing / "placements" / f"{QUARTERS[1]}.csv"
    broken.write_bytes(broken.read_bytes().replace(b";vast;", b";flex;", 1))  # no such contract

    done: list[tuple[str, str]] = []
    with pytest.raises(InputRejected, match="rejected"):
        done.extend(
            (o["source"], o["quarter"]) for o in backfill(list(SOURCES), QUARTERS, settings)
        )
    # the first quarter whole, the second but its placements, the third not at all
    expected = [(s, QUARTERS[0]) for s in SOURCES]
    expected += [(s, QUARTERS[1]) for s in SOURCES if s != "placements"]
    assert sorted(done) == sorted(expected)
    with open_warehouse(settings.warehouse_url) as warehouse:
        placements = warehouse.query("select distinct quarter from raw.placements")
    assert placements == [(QUARTERS[0],)]


def test_a_suite_process_that_died_is_replaced(settings, generated_landing):
    settings = replace(settings, landing_dir=generated_landing)
    assert ingest("register", QUARTERS[0], settings)["status"] == "loaded"
    with suite_process() as dead:  # the one that ingest used, idle again
        os.kill(dead._child.pid, signal.SIGKILL)
        dead._child.wait()
    # the next ingest starts a new one
    assert ingest("register", QUARTERS[1], settings)["status"] == "loaded"
    with suite_process() as alive:
        assert alive is not dead and alive.running
