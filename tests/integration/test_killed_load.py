"""A loading process killed with SIGKILL part-way leaves the previous good partition intact, on
both backends, and the next run loads the revision cleanly. Real processes, real kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from duurzaam.quarters import Quarter
from duurzaam.settings import Settings, load_settings
from duurzaam.synthetic import generate
from duurzaam.warehouse import connection_parameters, open_warehouse

QUARTER = "2024Q1"


@pytest.fixture(scope="module")
def revisions(tmp_path_factory) -> tuple[Path, Path]:
    """A quarter's extract of about 100,000 rows and a revised version with fewer rows."""
    folder = tmp_path_factory.mktemp("kill")
    first = generate(folder, [Quarter.parse(QUARTER)], seed=3, scale=1.4).files[0]
    lines = first.read_bytes().splitlines(keepends=True)
    revised = folder / "revised.csv"
    revised.write_bytes(b"".join(lines[:-5000]))
    return first, revised


def ingest_command(settings, file: Path) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "DUURZAAM_WAREHOUSE_URL": settings.warehouse_url,
        "DUURZAAM_WORK_DIR": str(settings.work_dir),
    }
    duurzaam = str(Path(sys.executable).with_name("duurzaam"))
    return [duurzaam, "ingest", "placements", "--quarter", QUARTER, "--file", str(file)], env


def partition_state(settings) -> tuple[int, set[str], list[tuple]]:
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query("select count(*) from raw.placements")[0][0]
        load_ids = {r[0] for r in warehouse.query("select distinct _load_id from raw.placements")}
        current = warehouse.query(
            "select load_id, row_count from meta.loads where status = 'current'"
        )
    return rows, load_ids, current


def assert_one_whole_version(settings, first_rows: int, revised_rows: int) -> str:
    rows, load_ids, current = partition_state(settings)
    assert len(current) == 1 and load_ids == {current[0][0]}, (load_ids, current)
    assert rows == current[0][1] and rows in (first_rows, revised_rows)
    return current[0][0]


def kill_when(command, env, ready, timeout: float = 120) -> bool:
    """Start the command, SIGKILL it as soon as ready() holds; False if it finished first."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.wait()
    return False


def settings_for(warehouse_url: str, tmp_path: Path) -> Settings:
    return replace(load_settings(), warehouse_url=warehouse_url, work_dir=tmp_path / "work")


def test_postgres_copy_killed_midway_keeps_the_previous_partition(
    postgres_url, tmp_path, revisions
):
    settings = settings_for(postgres_url, tmp_path)
    first, revised = revisions
    command, env = ingest_command(settings, first)
    subprocess.run(command, env=env, check=True, capture_output=True)
    first_rows = partition_state(settings)[0]
    revised_rows = len(revised.read_bytes().splitlines()) - 1

    observer = psycopg.connect(**connection_parameters(postgres_url), autocommit=True)

    def copy_running() -> bool:
        return (
            observer.execute(
                "select count(*) from pg_stat_activity "
                "where state = 'active' and query ilike 'copy raw.placements%'"
            ).fetchone()[0]
            > 0
        )

    command, env = ingest_command(settings, revised)
    assert kill_when(command, env, copy_running), "the COPY was never seen running"
    observer.close()
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r1")

    # The next run loads the revision as if nothing had happened.
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r2")
    assert partition_state(settings)[0] == revised_rows


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2])
def test_duckdb_load_killed_at_any_moment_leaves_one_whole_version(tmp_path, revisions, delay):
    settings = settings_for(f"duckdb:///{tmp_path / 'killed.duckdb'}", tmp_path)
    first, revised = revisions
    command, env = ingest_command(settings, first)
    subprocess.run(command, env=env, check=True, capture_output=True)
    first_rows = partition_state(settings)[0]
    revised_rows = len(revised.read_bytes().splitlines()) - 1

    validated = settings.work_dir / "validated" / "placements"
    before = set(validated.glob("*.parquet"))
    seen: list[float] = []

    def loading() -> bool:
        # The load starts once validation has written its Parquet file; wait `delay` more.
        if not seen and set(validated.glob("*.parquet")) - before:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] >= delay

    command, env = ingest_command(settings, revised)
    kill_when(command, env, loading)
    assert_one_whole_version(settings, first_rows, revised_rows)

    subprocess.run(command, env=env, check=True, capture_output=True)
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r2")
    assert partition_state(settings)[0] == revised_rows
