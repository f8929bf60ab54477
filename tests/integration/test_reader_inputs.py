"""Inputs the readers used to accept wrongly or die on: each is now a rejection through the
command line (exit 2) that names the file, the row, the column and the rule, is recorded in
meta.loads and meta.quarantine like any rejected file, and stays within the memory bound the
readers promise (docs/sources.md, "What a reader accepts")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from duurzaam.cli import main
from duurzaam.errors import InputRejected
from duurzaam.ingest.steps import pull, validate_and_load
from duurzaam.settings import PROJECT_ROOT, load_settings
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import TEST_KEY
from tests.extracts import placement_row

QUARTER = "2024Q2"
SAMPLES = PROJECT_ROOT / "include" / "sample_data"
# Peak memory of a whole `duurzaam ingest` process (and its suite process) refusing a file
# made to exhaust it; the processes themselves (Python, pandas, Arrow, DuckDB, GX) take
# about 400 MB of it.
MEMORY_BOUND_BYTES = 1 << 30


@pytest.fixture
def environment(tmp_path: Path, warehouse_url: str) -> dict[str, str]:
    """The command's environment, once per warehouse backend (the rejection's record)."""
    return {
        "DUURZAAM_WAREHOUSE_URL": warehouse_url,
        "DUURZAAM_WORK_DIR": str(tmp_path / "work"),
        "DUURZAAM_PSEUDONYM_KEY": TEST_KEY.decode(),
    }


@pytest.fixture
def duckdb_environment(tmp_path: Path) -> dict[str, str]:
    """The same on DuckDB only, for what does not depend on the backend."""
    return {
        "DUURZAAM_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        "DUURZAAM_WORK_DIR": str(tmp_path / "work"),
        "DUURZAAM_PSEUDONYM_KEY": TEST_KEY.decode(),
    }


@pytest.fixture
def run(environment, monkeypatch, capsys):
    """`duurzaam ingest <source> --file <path>` in this process: (exit code, stderr)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    def ingest(source: str, path: Path) -> tuple[int, str]:
        code = main(["ingest", source, "--quarter", QUARTER, "--file", str(path)])
        return code, capsys.readouterr().err

    return ingest


# Starts the command and writes its peak memory (kB) as the last line of stderr. Started from
# this small process, not from the test's: a child started by vfork reports the high-water
# mark of the memory it shared before its exec, here a pytest worker's, which can pass 1 GB.
MEASURED = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(f'PEAK {usage.ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_process(environment, source: str, path: Path) -> tuple[int, str, int]:
    """`duurzaam ingest` as a process of its own: exit code, stderr, and the peak memory
    (bytes) of it and the processes it waited for."""
    duurzaam = str(Path(sys.executable).with_name("duurzaam"))
    command = [duurzaam, "ingest", source, "--quarter", QUARTER, "--file", str(path)]
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, *command],
        env={**os.environ, **environment},
        stderr=subprocess.PIPE,
        text=True,
    )
    err, _, peak = result.stderr.rstrip("\n").rpartition("\n")
    assert peak.startswith("PEAK "), result.stderr[-2000:]
    return result.returncode, err, int(peak.removeprefix("PEAK ")) * 1024


def assert_rejected(err: str, path: Path, row: int | None, column: str | None, rule: str):
    first = err.splitlines()[0]
    where = [f"row {row}"] * (row is not None) + [f"column {column}"] * (column is not None)
    assert first.startswith(f"REJECTED {path}: " + "".join(f"{', '.join(where)}: " * bool(where)))
    assert first.endswith(f"[{rule}]"), first
    assert "What to do: " in err and "Traceback" not in err


def assert_recorded(
    environment, source: str, row: int | None, column: str | None, rule: str
) -> None:
    """The rejection is in meta.loads (its rule in the summary) and meta.quarantine; nothing
    is in raw."""
    with open_warehouse(environment["DUURZAAM_WAREHOUSE_URL"]) as warehouse:
        loads = warehouse.query("select status, validation_summary, row_count from meta.loads")
        quarantine = warehouse.query("select row_number, column_name, rule from meta.quarantine")
        raw = warehouse.query(f"select count(*) from raw.{source}")
    rules = [(s, [f["rule"] for f in json.loads(summary)["failed"]], n) for s, summary, n in loads]
    assert rules == [("rejected", [rule], 0)]
    assert quarantine == [(row, column, rule)]
    assert raw == [(0,)]


def delivered(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / "delivered" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path


ROWS = [placement_row(n) for n in range(1, 5)]
HEADER, ROW2, ROW3, ROW4, ROW5 = [";".join(ROWS[0]), *(";".join(r.values()) for r in ROWS)]


@pytest.mark.parametrize(
    ("lines", "row", "column", "rule"),
    [
        # the second persoon_id column used to be loaded in place of the first
        (
            [HEADER + ";persoon_id", *(line + ";P9" for line in (ROW2, ROW3, ROW4, ROW5))],
            1,
            "persoon_id",
            "unique_column_names",
        ),
        # the employer's id used to be stored with the line break in it
        (
            [HEADER, ROW2, ROW3.replace(";WG0002;", ';"WG00\n02";'), ROW4],
            3,
            "werkgever_id",
            "no_line_break_in_value",
        ),
        # the values of a column without a name used to be dropped without a word
        ([HEADER + ";", ROW2 + ";", ROW3 + ";bonus", ROW4 + ";"], 3, "20", "named_columns"),
        # Arrow skipped the blank line, so every later row was named one row too early
        ([HEADER, ROW2, "", ROW3, ROW4], 3, None, "no_blank_row"),
    ],
    ids=["column-twice", "line-break-in-id", "unnamed-column", "blank-line"],
)
def test_a_placements_file_accepted_wrongly_before_is_rejected_and_recorded(
    run, environment, tmp_path, lines, row, column, rule
):
    path = delivered(tmp_path, f"{QUARTER}.csv", ("\n".join(lines) + "\n").encode())
    code, err = run("placements", path)
    assert code == 2, err
    assert_rejected(err, path, row, column, rule)
    assert_recorded(environment, "placements", row, column, rule)


def test_blank_lines_after_the_last_row_and_an_empty_unnamed_column_are_no_error(
    run, environment, tmp_path
):
    """A separator at the end of every line and blank lines at the end of the file are
    common in exports and lose nothing: the file loads, its rows numbered as before."""
    lines = [HEADER + ";", *(line + ";" for line in (ROW2, ROW3, ROW4, ROW5)), "", "", ""]
    path = delivered(tmp_path, f"{QUARTER}.csv", "\r\n".join(lines).encode())
    code, err = run("placements", path)
    assert code == 0, err
    with open_warehouse(environment["DUURZAAM_WAREHOUSE_URL"]) as warehouse:
        rows = warehouse.query("select _row_number, plaatsing_id from raw.placements order by 1")
    assert rows == [(n + 1, f"PL{n:06d}") for n in range(1, 5)]


def test_a_50_mb_line_is_rejected_by_row_and_column_within_the_memory_bound(
    duckdb_environment, tmp_path
):
    """It used to end in `unexpected Error: field larger than field limit` (exit 1, nothing
    recorded)."""
    long_row = ROW3.replace("WG0002", "WG" + "0" * 50_000_000)
    path = delivered(tmp_path, f"{QUARTER}.csv", "\n".join([HEADER, ROW2, long_row, ROW4]).encode())
    code, err, peak = run_process(duckdb_environment, "placements", path)
    assert code == 2, err
    assert_rejected(err, path, 3, "werkgever_id", "cell_size_limit")
    assert_recorded(duckdb_environment, "placements", 3, "werkgever_id", "cell_size_limit")
    assert peak < MEMORY_BOUND_BYTES, f"{peak:,} bytes"


def xlsx_bomb(sample: Path, destination: Path, megabytes: int) -> Path:
    """The sample publication with its title cell (A1) grown to `megabytes` MB of one
    letter: a few hundred kilobytes of ZIP."""
    with (
        zipfile.ZipFile(sample) as original,
        zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(member.filename, data)
                continue
            head, tail = data.split(b"<t>", 1)
            with bomb.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<t>")
                for _ in range(megabytes):
                    sheet.write(b"x" * (1 << 20))
                sheet.write(tail[tail.index(b"</t>") :])
    return destination


def test_an_xlsx_that_unpacks_to_300_mb_is_rejected_before_it_is_parsed(
    duckdb_environment, tmp_path
):
    """It used to load, taking 2 GB."""
    path = xlsx_bomb(SAMPLES / "jobs_agreement" / "2024Q2.xlsx", tmp_path / "bomb.xlsx", 300)
    assert path.stat().st_size < 400_000
    code, err, peak = run_process(duckdb_environment, "jobs_agreement", path)
    assert code == 2, err
    assert_rejected(err, path, None, None, "xlsx_size_limit")
    assert "unpacks to 314," in err
    assert_recorded(duckdb_environment, "jobs_agreement", None, None, "xlsx_size_limit")
    assert peak < MEMORY_BOUND_BYTES, f"{peak:,} bytes"


def register_text(rows: str) -> bytes:
    return ('{"odata.metadata": "x", "value": [' + rows + "]}").encode()


FIRST_ROW = (
    '{"RegioS": "GM0014", "Grondslag": "wajong", "Perioden": "2024KW02", '
    '"Status": "Voorlopig", "PersonenInRegister_1": 52, "PersonenMetBaan_2": 17}'
)


@pytest.mark.parametrize(
    ("content", "row", "column", "rule"),
    [
        # json keeps the last of two values without a word
        (
            register_text(FIRST_ROW + ", " + FIRST_ROW[:-1] + ', "PersonenMetBaan_2": 70}'),
            2,
            "PersonenMetBaan_2",
            "json_unique_keys",
        ),
        # it used to end in `unexpected RecursionError`
        (b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None, None, "json_nesting_limit"),
        (register_text(FIRST_ROW[:-1] + ', "Extra": {"a": [1]}}'), 1, "Extra", "json_flat_rows"),
    ],
    ids=["key-twice", "100000-deep", "nested-field"],
)
def test_a_register_file_accepted_wrongly_or_crashing_before_is_rejected_and_recorded(
    run, environment, tmp_path, content, row, column, rule
):
    path = delivered(tmp_path, f"{QUARTER}.json", content)
    code, err = run("register", path)
    assert code == 2, err
    assert_rejected(err, path, row, column, rule)
    assert_recorded(environment, "register", row, column, rule)


@pytest.mark.parametrize(
    ("source", "name", "broken"),
    [
        ("placements", f"{QUARTER}.csv", "\n".join([HEADER + ";persoon_id", ROW2 + ";P9"])),
        (
            "jobs_agreement",
            f"{QUARTER}.xlsx",
            "PK\x03\x04 a workbook cut off after its first bytes",
        ),
    ],
    ids=["placements-column-twice", "jobs-agreement-damaged"],
)
def test_a_rejected_delivery_leaves_the_loaded_quarter_as_it_was(
    duckdb_environment, tmp_path, source, name, broken
):
    """Through validate_and_load: the quarter loaded before stays, row for row, its load
    current; the rejected delivery is only recorded."""
    settings = replace(
        load_settings(),
        warehouse_url=duckdb_environment["DUURZAAM_WAREHOUSE_URL"],
        work_dir=Path(duckdb_environment["DUURZAAM_WORK_DIR"]),
        pseudonym_key=TEST_KEY,
    )
    good = {
        "placements": delivered(tmp_path, "good.csv", "\n".join([HEADER, ROW2, ROW3]).encode()),
        "jobs_agreement": SAMPLES / "jobs_agreement" / f"{QUARTER}.xlsx",
    }[source]
    assert validate_and_load(pull(source, QUARTER, settings, good), settings)["status"] == "loaded"
    before = warehouse_state(settings, source)

    with pytest.raises(InputRejected):
        validate_and_load(
            pull(source, QUARTER, settings, delivered(tmp_path, name, broken.encode())), settings
        )
    after = warehouse_state(settings, source)
    assert after["raw"] == before["raw"] and after["history"] == before["history"]
    assert after["loads"] == [*before["loads"], ("rejected", None)]


def warehouse_state(settings, source: str) -> dict[str, list[tuple]]:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return {
            "raw": warehouse.query(f"select * exclude (_loaded_at) from raw.{source} order by all"),
            "history": warehouse.query(f"select count(*) from history.{source}"),
            "loads": warehouse.query(
                "select status, revision from meta.loads order by finished_at"
            ),
        }
