"""A full disk under the work folder and under the outbox folder: a real small file system
(tmpfs of 1 MB) mounted there, the `duurzaam` command run against it. An ingest fails with a
message naming the folder, its disk and what to do, and loads nothing; a report that cannot be
written is not marked sent, leaves no half-written file, and is written by the next run once
there is room. Mounting needs root (the CI runs as root): where it fails, these tests fail."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from duurzaam.warehouse.database import duckdb_path, open_warehouse
from tests.conftest import TEST_KEY, recipients_for
from tests.extracts import placement_row, write_extract

DUURZAAM = str(Path(sys.executable).with_name("duurzaam"))


@contextmanager
def small_disk(folder: Path, size: str = "1m") -> Iterator[Path]:
    """A file system of `size` mounted at folder for the block (tmpfs), then unmounted."""
    folder.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def mount(*arguments: str) -> None:
    result = subprocess.run(["mount", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"mount {' '.join(arguments)} failed ({result.stderr.strip()}): run as root")


def fill(folder: Path) -> None:
    """Empties folder, then writes into it until its disk is full."""
    for path in folder.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    block = bytes(64 * 1024)
    with (folder / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC


def duurzaam(*arguments: str, **settings: str) -> subprocess.CompletedProcess:
    """The `duurzaam` command with these DUURZAAM_ settings (e.g. WORK_DIR=...)."""
    env = {**os.environ, **{f"DUURZAAM_{name}": value for name, value in settings.items()}}
    return subprocess.run([DUURZAAM, *arguments], env=env, capture_output=True, text=True)


def assert_said_the_disk_is_full(
    result: subprocess.CompletedProcess, written: Path, disk: Path, setting: str
) -> None:
    """Exit 1 and one line: what was written on a full disk, where that disk is mounted, and
    the setting to point elsewhere."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    (error,) = [line for line in output.splitlines() if line.startswith(("ERROR", "FAILED"))]
    assert f"no space left on the disk of {written}" in error, error
    assert f"mounted at {disk}:" in error and f"or set {setting} to" in error, error


def loaded(url: str) -> tuple:
    with open_warehouse(url) as warehouse:
        return (
            warehouse.query("select load_id, status, row_count from meta.loads order by 1"),
            warehouse.query("select _load_id, count(*) from raw.placements group by 1"),
            warehouse.query("select count(*) from history.placements"),
        )


@pytest.mark.slow  # three ingests, each starting Great Expectations
def test_an_ingest_on_a_full_disk_says_where_and_what_to_do_and_loads_nothing(tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    first = write_extract(tmp_path / "first.csv", [placement_row(n) for n in range(1, 41)])
    revised = write_extract(tmp_path / "revised.csv", [placement_row(n) for n in range(1, 31)])
    ingest = ("ingest", "placements", "--quarter", "2024Q1", "--file")
    settings = {"WAREHOUSE_URL": url, "PSEUDONYM_KEY": TEST_KEY.decode()}
    done = duurzaam(*ingest, str(first), WORK_DIR=str(tmp_path / "work"), **settings)
    assert done.returncode == 0, done.stderr
    before = loaded(url)

    with small_disk(tmp_path / "small") as work:
        # Room for the pulled copy of the extract, not for the data docs its checks write
        # while the partition swap waits for them in its transaction; then no room at all,
        # not even for the copy.
        for written in ("data_docs", "pulled"):
            if written == "pulled":
                fill(work)
            result = duurzaam(*ingest, str(revised), WORK_DIR=str(work), **settings)
            assert_said_the_disk_is_full(result, work / written, work, "DUURZAAM_WORK_DIR")
            assert loaded(url) == before, written


@pytest.mark.slow  # the run's DuckDB warehouse is built (dbt) for it when no other test did
def test_a_report_that_cannot_be_written_is_not_marked_sent_and_goes_out_once_there_is_room(
    built_warehouses, tmp_path
):
    quarter, regions = "2024Q2", ["AM01", "AM05"]  # two reports of about 0.8 MB each
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), warehouse)
    report = ("report", "--quarter", quarter, *(f"--region={region}" for region in regions))
    settings = {
        "WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "RECIPIENTS_FILE": str(recipients_for(tmp_path, regions)),
    }

    with small_disk(tmp_path / "outbox") as outbox:
        result = duurzaam(*report, OUTBOX_DIR=str(outbox), **settings)
        assert_said_the_disk_is_full(result, outbox / quarter, outbox, "DUURZAAM_OUTBOX_DIR")
        written = {path.name.split("-")[0] for path in (outbox / quarter).glob("*.eml")}
        not_written = set(regions) - written
        assert not_written  # they do not both fit
        files = {path.name.split("-")[0] for path in (outbox / quarter).iterdir()}
        assert files == written  # nothing half-written of the others
        assert outbox_states(warehouse, quarter) == {
            region: "sent" if region in written else "failed" for region in regions
        }

        mount("-o", "remount,size=8m", str(outbox))  # room again
        result = duurzaam(*report, OUTBOX_DIR=str(outbox), **settings)
        assert result.returncode == 0, result.stderr
        assert f"{len(not_written)} reports sent, {len(written)} unchanged" in result.stdout
        reports = sorted(path.name.split("-")[0] for path in (outbox / quarter).glob("*.eml"))
        assert reports == regions  # each once
        assert len(list((outbox / quarter).iterdir())) == 3 * len(regions)  # eml, pdf, html
    assert outbox_states(warehouse, quarter) == dict.fromkeys(regions, "sent")


def outbox_states(warehouse: Path, quarter: str) -> dict[str, str]:
    with open_warehouse(f"duckdb:///{warehouse}") as connection:
        return dict(
            connection.query(
                "select region_code, status from meta.outbox where quarter = %s", (quarter,)
            )
        )
