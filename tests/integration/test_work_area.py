"""The work area keeps no BSN once a file is loaded or rejected: the pulled copy is removed
then, and while it exists it is readable by its owner only. A delivery that is not a regular
file (a symbolic link, a directory, a named pipe) is refused with a message naming what it
is, before anything is copied or opened."""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from duurzaam.cli import main
from duurzaam.errors import DuurzaamError, InputRejected, WarehouseUnavailable
from duurzaam.ingest.steps import pull, validate_and_load
from duurzaam.settings import Settings, load_settings
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import TEST_KEY, free_port
from tests.extracts import VALID_BSNS, placement_row, with_bsn, write_extract

QUARTER = "2024Q1"


@pytest.fixture
def duckdb_settings(tmp_path: Path) -> Settings:
    """The test's folders on DuckDB: what is kept on disk does not depend on the warehouse."""
    return replace(
        load_settings(),
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        landing_dir=tmp_path / "landing",
        work_dir=tmp_path / "work",
        pseudonym_key=TEST_KEY,
    )


def bsn_extract(folder: Path, bad_bsn: str | None = None) -> Path:
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(VALID_BSNS, start=1)]
    if bad_bsn:
        rows[1] = with_bsn(placement_row(2), bad_bsn)  # fails the 11-proef: rejected
    return write_extract(folder / "placements" / f"{QUARTER}.csv", rows)


def files_holding_a_bsn(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(bsn.encode() in path.read_bytes() for bsn in VALID_BSNS)
    ]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("bad_bsn", [None, "123456789"], ids=["loaded", "rejected"])
def test_no_bsn_is_left_in_the_work_area_once_a_file_is_loaded_or_rejected(
    duckdb_settings, bad_bsn
):
    settings = duckdb_settings
    bsn_extract(settings.landing_dir, bad_bsn)
    extract = pull("placements", QUARTER, settings)
    copy = Path(extract.path)
    # while it is there, only its owner can read it
    assert files_holding_a_bsn(settings.work_dir) == [copy]
    assert mode(copy) == 0o600
    pulled = settings.work_dir / "pulled"
    assert mode(pulled) == mode(pulled / "placements") == 0o700
    if bad_bsn:
        with pytest.raises(InputRejected):
            validate_and_load(extract, settings)
    else:
        assert validate_and_load(extract, settings)["status"] == "loaded"
    assert not copy.exists()
    assert files_holding_a_bsn(settings.work_dir) == []
    if bad_bsn:  # the same step again, as a cleared task would run it, says what to do
        with pytest.raises(DuurzaamError, match=r"pulled copy .* is gone .* pull it again"):
            validate_and_load(extract, settings)
        with open_warehouse(settings.warehouse_url) as warehouse:
            quarantine = warehouse.query_frame("select * from meta.quarantine")
        assert len(quarantine) and not any(b in quarantine.to_csv() for b in VALID_BSNS)
    assert list((settings.work_dir / "data_docs").rglob("*.json"))  # what the work area keeps


def test_the_copy_stays_owner_only_for_a_retry_after_a_failed_load_and_the_next_pull_replaces_it(
    duckdb_settings,
):
    settings = duckdb_settings
    bsn_extract(settings.landing_dir)
    extract = pull("placements", QUARTER, settings)
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/warehouse"
    with pytest.raises(WarehouseUnavailable):
        validate_and_load(extract, replace(settings, warehouse_url=unreachable))
    assert mode(Path(extract.path)) == 0o600  # kept: the task's retry reads the same bytes

    write_extract(
        settings.landing_dir / "placements" / f"{QUARTER}.csv",
        [placement_row(n) for n in range(1, 4)],  # a revised delivery, without BSNs
    )
    again = pull("placements", QUARTER, settings)
    assert not Path(extract.path).exists()
    assert files_holding_a_bsn(settings.work_dir) == []
    assert validate_and_load(again, settings)["status"] == "loaded"
    assert list((settings.work_dir / "pulled" / "placements").iterdir()) == []


@pytest.fixture
def cli(duckdb_settings, monkeypatch, capsys):
    """`duurzaam ingest placements --file <path>`: (exit code, stderr)."""
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", duckdb_settings.warehouse_url)
    monkeypatch.setenv("DUURZAAM_WORK_DIR", str(duckdb_settings.work_dir))
    monkeypatch.setenv("DUURZAAM_PSEUDONYM_KEY", TEST_KEY.decode())

    def ingest(path: Path) -> tuple[int, str]:
        code = main(["ingest", "placements", "--quarter", QUARTER, "--file", str(path)])
        return code, capsys.readouterr().err

    return ingest


def test_a_symbolic_link_is_refused_and_nothing_is_copied(cli, duckdb_settings, tmp_path):
    """A link to a file only root may read (/etc/shadow, when the pipeline runs as root) was
    followed and its copy left readable for everyone."""
    secret = tmp_path / "secret"
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n")
    secret.chmod(0o600)
    link = tmp_path / f"{QUARTER}.csv"
    link.symlink_to(secret)
    code, err = cli(link)
    assert code == 2, err
    assert err.startswith(f"REJECTED {link}: this is a symbolic link, not a file [regular_file]")
    assert "What to do: deliver the file itself" in err
    pulled = duckdb_settings.work_dir / "pulled"
    assert [p for p in pulled.rglob("*") if p.is_file()] == []


def test_a_directory_is_named_as_one(cli, tmp_path):
    code, err = cli(tmp_path)
    assert code == 2
    assert err.startswith(f"REJECTED {tmp_path}: this is a directory, not a file")


def test_a_named_pipe_is_named_as_one_without_waiting_for_a_writer(duckdb_settings, tmp_path):
    fifo = tmp_path / f"{QUARTER}.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def pulling() -> None:
        try:
            pull("placements", QUARTER, duckdb_settings, file=fifo)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=pulling, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # it waits for a writer: give it one, so the thread can end
        with fifo.open("w"):
            pass
        pytest.fail("pull opened the named pipe and waited for a writer")
    assert isinstance(outcome[0], InputRejected), outcome
    assert str(outcome[0]).startswith(f"{fifo}: this is a named pipe (FIFO), not a file")
