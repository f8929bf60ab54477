"""What analysts take out of the warehouse, on both backends: `duurzaam query --format` files
that read back as the warehouse's rows, `duurzaam export` of a quarter's published layer
(every published model, its rows and values, schema.json, withheld values left null), and
the examples of docs/analysts.md, run as written with the documented placeholders filled in."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import numbers
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from duurzaam.cli import main
from duurzaam.settings import PROJECT_ROOT, Settings
from duurzaam.transform.manifest import folder_models
from duurzaam.warehouse.database import duckdb_path, open_warehouse
from duurzaam.warehouse.export import NOT_EXPORTED, SLICES
from tests.conftest import as_user, login_role

QUARTER = "2024Q1"
QUERIES = {
    "region-quarter": f"select * from published.pub_region_quarter where quarter = '{QUARTER}' "
    "order by region_code",
    "survival-curve": "select * from published.pub_cohort_survival where region_code = 'NL' "
    "and cohort_quarter = '2023Q1' order by cohort_kind, month",
}
# columns whose Parquet type the file must keep, whatever the backend
KEPT_TYPES = {
    "region-quarter": {
        "quarter": pa.string(),
        "quarter_start": pa.date32(),
        "placements_started": pa.int64(),
        "retention_12m": pa.float64(),
    },
    "survival-curve": {"month": pa.int32(), "survival": pa.float64(), "is_step": pa.bool_()},
}


@dataclass(frozen=True)
class Analyst:
    settings: Settings
    login: str | None  # PostgreSQL: an analyst's own login (member of duurzaam_analyst)

    @property
    def query_url(self) -> str:
        url = self.settings.warehouse_url
        return as_user(url, self.login) if self.login else url

    def expected(self, sql: str) -> pd.DataFrame:
        with open_warehouse(self.settings.warehouse_url, read_only=True) as warehouse:
            return warehouse.query_frame(sql)


@pytest.fixture
def analyst(built_warehouse: Settings, monkeypatch) -> Iterator[Analyst]:
    """The built warehouse of each backend, the `duurzaam` command pointed at it as an
    analyst: PostgreSQL through a login of duurzaam_analyst (DUURZAAM_QUERY_URL)."""
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", built_warehouse.warehouse_url)
    if built_warehouse.warehouse_url.startswith("duckdb"):
        monkeypatch.delenv("DUURZAAM_QUERY_URL", raising=False)
        yield Analyst(built_warehouse, None)
        return
    with login_role("duurzaam_analyst") as login:
        found = Analyst(built_warehouse, login)
        monkeypatch.setenv("DUURZAAM_QUERY_URL", found.query_url)
        yield found


@pytest.fixture
def cli(capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def refused_line(result: tuple[int, str, str]) -> str:
    code, _, err = result
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("REFUSED "), (code, err)
    return lines[0]


def plain(value: object) -> object:
    """A value as the files and the warehouse both give it: null None, a number a float, a
    date its ISO text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Number):  # numpy's too
        number = float(value)  # type: ignore[arg-type]
        return None if math.isnan(number) else round(number, 9)
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rows_of(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(plain(value) for value in row) for row in frame.itertuples(index=False)]


def read_back(path: Path, file_format: str) -> pd.DataFrame:
    if file_format == "csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    if file_format == "json":
        return pd.DataFrame.from_records(json.loads(path.read_text(encoding="utf-8")))
    return pq.read_table(path).to_pandas()


# --- duurzaam query --format ----------------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES, ids=QUERIES)
@pytest.mark.parametrize("file_format", ["csv", "json", "parquet"])
def test_query_files_read_back_as_the_warehouse_rows(analyst, cli, tmp_path, query, file_format):
    sql, output = QUERIES[query], tmp_path / f"result.{file_format}"
    assert cli("query", sql, "--format", file_format, "--output", str(output))[0] == 0
    expected = analyst.expected(sql)
    written = read_back(output, file_format)
    assert list(written.columns) == list(expected.columns)
    assert len(expected) > 1 and rows_of(written) == rows_of(expected)
    assert [path.name for path in tmp_path.iterdir()] == [output.name]  # no temporary left
    if file_format == "parquet":
        schema = pq.read_schema(output)
        assert {name: schema.field(name).type for name in KEPT_TYPES[query]} == KEPT_TYPES[query]


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_query_text_formats_go_to_stdout(analyst, cli, file_format):
    sql = QUERIES["region-quarter"]
    code, out, err = cli("query", sql, "--format", file_format)
    assert (code, err) == (0, "")
    if file_format == "csv":
        assert out.splitlines()[0].startswith('"region_code","region_name","quarter"')
        written = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    else:
        written = pd.DataFrame.from_records(json.loads(out))
        assert '"quarter_start": "2024-01-01"' in out  # ISO dates
    assert rows_of(written) == rows_of(analyst.expected(sql))


def test_query_table_stays_the_default(analyst, cli):
    code, out, _ = cli(
        "query",
        "select region_code from published.pub_region_quarter "
        f"where quarter = '{QUARTER}' order by 1",
    )
    assert code == 0 and out.split()[0] == "region_code" and len(out.split()) == 36


def test_parquet_to_the_terminal_is_refused_with_one_line(analyst, cli):
    line = refused_line(cli("query", "select 1 as x", "--format", "parquet"))
    assert "use --output" in line


def test_an_output_over_the_duckdb_warehouse_is_refused(built_warehouses, cli, monkeypatch):
    url = built_warehouses["duckdb"].warehouse_url
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", url)
    monkeypatch.delenv("DUURZAAM_QUERY_URL", raising=False)
    warehouse = duckdb_path(url)
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    for target in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        line = refused_line(
            cli("query", "select 1 as x", "--format", "csv", "--output", str(target))
        )
        assert "is the DuckDB warehouse" in line
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert not warehouse.with_name(warehouse.name + ".wal").exists()


def test_a_failed_query_leaves_the_earlier_output(analyst, cli, tmp_path):
    output = tmp_path / "result.csv"
    output.write_text("earlier\n")
    code, _, err = cli(
        "query", "select * from published.no_such_model", "--format", "csv", "--output", str(output)
    )
    assert code == 1 and err.startswith("ERROR ")
    assert output.read_text() == "earlier\n" and len(list(tmp_path.iterdir())) == 1


# --- duurzaam export ------------------------------------------------------------------------


def published_slice(analyst: Analyst, model: str) -> pd.DataFrame:
    """The model's rows of the quarter as the warehouse has them, in the export's order."""
    column, key = SLICES[model]
    where = f" where {column} = '{QUARTER}'" if column else ""
    return analyst.expected(f"select * from published.{model}{where} order by {', '.join(key)}")


def test_export_writes_every_published_model_of_the_quarter(analyst, cli, tmp_path):
    folder = tmp_path / "open-data"
    code, out, err = cli("export", "--quarter", QUARTER, "--out", str(folder))
    assert (code, err) == (0, ""), err
    assert f"exported to {folder}" in out
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    assert schema["quarter"] == QUARTER and "'<10'" in schema["withheld"]
    published = folder_models("published")
    models = [m for m in published if m not in NOT_EXPORTED]  # an employer's for it alone
    assert set(schema["models"]) == set(models) and set(published) >= NOT_EXPORTED
    assert {path.name for path in folder.iterdir()} == {
        "schema.json",
        "README.txt",
        *(f"{m}.{kind}" for m in models for kind in ("parquet", "csv")),
    }
    for model in models:
        expected = published_slice(analyst, model)
        assert len(expected) > 0, model
        for kind in ("parquet", "csv"):
            written = read_back(folder / f"{model}.{kind}", kind)
            assert list(written.columns) == list(expected.columns), (model, kind)
            assert rows_of(written) == rows_of(expected), (model, kind)
        described = {column["name"]: column for column in schema["models"][model]["columns"]}
        assert set(described) == set(expected.columns), model
        assert all(column["description"] and column["type"] for column in described.values())
        assert schema["models"][model]["rows"] == len(expected)
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert QUARTER in readme and "Vul een onderdrukte waarde nooit zelf in" in readme


def test_export_leaves_withheld_values_null(analyst, cli, tmp_path):
    assert cli("export", "--quarter", QUARTER, "--out", str(tmp_path / "out"))[0] == 0
    withheld = 0
    for model in set(folder_models("published")) - NOT_EXPORTED:
        table = pq.read_table(tmp_path / "out" / f"{model}.parquet").to_pandas()
        for marker in [name for name in table.columns if name.endswith("_suppressed")]:
            hidden = table[marker].notna()
            assert table.loc[hidden, marker.removesuffix("_suppressed")].isna().all(), marker
            withheld += int(hidden.sum())
    assert withheld > 0  # the sample data has small cells: the check above saw some


def test_export_replaces_an_earlier_export_and_nothing_else(analyst, cli, tmp_path):
    folder = tmp_path / "export" / QUARTER
    assert cli("export", "--quarter", QUARTER, "--out", str(folder))[0] == 0
    (folder / "pub_region_quarter.csv").write_text("stale\n")
    assert cli("export", "--quarter", QUARTER, "--out", str(folder))[0] == 0
    assert (folder / "pub_region_quarter.csv").read_text().startswith('"region_code"')
    assert [path.name for path in folder.parent.iterdir()] == [QUARTER]  # nothing aside left
    own = tmp_path / "documents"
    own.mkdir()
    (own / "notes.txt").write_text("mine\n")
    assert "not an earlier export" in refused_line(
        cli("export", "--quarter", QUARTER, "--out", str(own))
    )
    assert [path.name for path in own.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("quarter", ["2019Q1", "2024Q9"])
def test_export_of_a_quarter_without_figures_is_one_line(analyst, cli, tmp_path, quarter):
    line = refused_line(cli("export", "--quarter", quarter, "--out", str(tmp_path / "out")))
    assert quarter in line or "not a quarter" in line
    assert list(tmp_path.iterdir()) == []


# --- docs/analysts.md -----------------------------------------------------------------------

DOCS = PROJECT_ROOT / "docs" / "analysts.md"
TESTED_BLOCK = re.compile(r"^```(python|sh) test\n(.*?)^```$", re.MULTILINE | re.DOTALL)
BACKENDS_OF = {"<DUCKDB_FILE>": ("duckdb",), "<LOGIN>": ("postgres",)}
BACKENDS_OF["<WAREHOUSE>"] = ("duckdb", "postgres")
WORKED_EXAMPLE = "retention_12m_pct"


def documented_examples() -> list:
    """Each block of docs/analysts.md marked `test`, once per backend its placeholders name."""
    found = []
    for number, block in enumerate(TESTED_BLOCK.finditer(DOCS.read_text(encoding="utf-8")), 1):
        language, code = block.groups()
        backends = sorted({b for key, named in BACKENDS_OF.items() if key in code for b in named})
        assert backends, f"example {number} of {DOCS.name} names no warehouse placeholder"
        for backend in backends:
            marks = [pytest.mark.postgres] if backend == "postgres" else []
            found.append(
                pytest.param(
                    language, code, backend, id=f"{number}-{language}-{backend}", marks=marks
                )
            )
    return found


def test_the_docs_test_their_ways_in():
    code = "\n".join(param.values[1] for param in documented_examples())
    for way_in in (
        "psql ",
        "pd.read_sql(",
        "postgresql+psycopg://",
        "read_only=True",
        WORKED_EXAMPLE,
    ):
        assert way_in in code, way_in


def placeholders(analyst: Analyst) -> dict[str, str]:
    if analyst.login is None:
        file = str(duckdb_path(analyst.settings.warehouse_url))
        return {"<DUCKDB_FILE>": file, "<WAREHOUSE>": file}
    url = make_url(analyst.query_url)
    values = {"<LOGIN>": analyst.login, "<HOST>": url.host or "", "<PORT>": str(url.port)}
    values["<DATABASE>"] = url.database or ""
    values["<WAREHOUSE>"] = (
        f"postgresql+psycopg://{analyst.login}@{url.host}:{url.port}/{url.database}"
    )
    return values


@pytest.fixture
def analyst_on(request, built_warehouses) -> Iterator[Analyst]:
    settings = built_warehouses[request.param]
    if request.param == "duckdb":
        yield Analyst(settings, None)
        return
    with login_role("duurzaam_analyst") as login:
        yield Analyst(settings, login)


@pytest.mark.parametrize(
    ("language", "code", "analyst_on"), documented_examples(), indirect=["analyst_on"]
)
def test_the_documented_examples_run_and_return_rows(language, code, analyst_on, tmp_path):
    for placeholder, value in placeholders(analyst_on).items():
        code = code.replace(placeholder, value)
    assert "<" + "LOGIN>" not in code and "<DUCKDB_FILE>" not in code
    interpreter = [sys.executable, "-c"] if language == "python" else ["bash", "-c"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUURZAAM_")}
    ran = subprocess.run(
        [*interpreter, code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    lines = [line for line in ran.stdout.splitlines() if re.search(r"\bAM\d\d\b", line)]
    assert lines, ran.stdout  # rows of regions came back
    if WORKED_EXAMPLE in code:
        check_worked_example(analyst_on, lines)


def check_worked_example(analyst: Analyst, lines: list[str]) -> None:
    """Every region of the latest quarter with a 12-month retention (a value or a marker):
    its retention in percent, or its marker where it is withheld."""
    frame = analyst.expected(
        "select region_code, quarter, retention_12m, retention_12m_suppressed "
        "from published.pub_region_quarter"
    )
    known = frame[frame["retention_12m"].notna() | frame["retention_12m_suppressed"].notna()]
    latest = frame[frame["quarter"] == known["quarter"].max()].sort_values("region_code")
    shown = [(line.split()[0], line.split()[1], line.split()[-1]) for line in lines]
    assert [(code, quarter) for code, quarter, _ in shown] == list(
        zip(latest["region_code"], latest["quarter"], strict=True)
    )
    markers = 0
    for (_, _, value), row in zip(shown, latest.itertuples(), strict=True):
        if pd.notna(row.retention_12m_suppressed):
            assert value == row.retention_12m_suppressed
            markers += 1
        elif pd.notna(row.retention_12m):
            assert abs(float(value) - 100 * row.retention_12m) <= 0.051
        else:
            assert value == "-"
    assert markers > 0  # the sample data withholds some: the example shows them as such
