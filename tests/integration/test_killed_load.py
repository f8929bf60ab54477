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
from duurzaam.warehouse.database import connection_parameters, open_warehouse

# Each test kills a real loading process mid-transaction: tens of seconds.
pytestmark = pytest.mark.slow

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
    """Start the command, SIGKILL it as soon as ready() holds; whether the kill is what ended
    it (False when it finished first, also between ready() and the signal)."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    process.wait()
    return process.returncode == -signal.SIGKILL


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
    assert kill_when(command, env, copy_running), "the load was not killed during its COPY"
    observer.close()
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r1")

    # The next run loads the revision as if nothing had happened.
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r2")
    assert partition_state(settings)[0] == revised_rows


# `duurzaam ingest` with the package's debug log on stderr (as a host that configures logging
# sees it): inside its transaction the load logs each step of the partition swap.
INGEST_WITH_DEBUG_LOG = (
    "import logging, sys; logging.basicConfig(format='%(message)s'); "
    "logging.getLogger('duurzaam').setLevel(logging.DEBUG); "
    "from duurzaam.cli import main; sys.exit(main(sys.argv[1:]))"
)
SWAP_STARTED, SWAP_COMMITTED = "partition swap started", "partition swap committed"
# Two moments inside the transaction: the old rows just moved to history and deleted; every
# new row inserted, only the manifest and the commit (once the suite has passed) to go.
SWAP_STEPS = ("replaced rows moved to history", "rows inserted")


def kill_inside_the_swap(command: list[str], env: dict[str, str], step: str) -> None:
    """Runs the load and SIGKILLs it the moment it logs `step` of the partition swap; asserts
    that the swap had started and had not been committed: the kill was inside the
    transaction."""
    command = [sys.executable, "-c", INGEST_WITH_DEBUG_LOG, *command[1:]]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seen = []
    for line in process.stderr:
        seen.append(line)
        if step in line:
            os.kill(process.pid, signal.SIGKILL)
            break
    seen.append(process.stderr.read())
    process.wait()
    log = "".join(seen)
    assert SWAP_STARTED in log and step in log, log[-2000:]
    assert process.returncode == -signal.SIGKILL, "the load ended before it was killed"
    assert SWAP_COMMITTED not in log


def test_duckdb_load_killed_inside_its_transaction_keeps_the_previous_partition(
    tmp_path, revisions
):
    settings = settings_for(f"duckdb:///{tmp_path / 'killed.duckdb'}", tmp_path)
    first, revised = revisions
    command, env = ingest_command(settings, first)
    subprocess.run(command, env=env, check=True, capture_output=True)
    first_rows = partition_state(settings)[0]
    revised_rows = len(revised.read_bytes().splitlines()) - 1

    command, env = ingest_command(settings, revised)
    for step in SWAP_STEPS:
        kill_inside_the_swap(command, env, step)
        assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r1")
        assert partition_state(settings)[0] == first_rows
        with open_warehouse(settings.warehouse_url) as warehouse:
            assert warehouse.query("select count(*) from history.placements") == [(0,)], step

    subprocess.run(command, env=env, check=True, capture_output=True)
    assert assert_one_whole_version(settings, first_rows, revised_rows).endswith("/r2")
    assert partition_state(settings)[0] == revised_rows
