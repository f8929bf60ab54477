"""Files for analysts: `duurzaam query --format` and `duurzaam export` (docs/analysts.md).

The formats: CSV (`,`, a header, UTF-8, a null an empty field, text quoted), JSON (one
array of records, dates as ISO 8601) and Parquet (the columns' own types). Every file is
written next to its final name and renamed into place: a reader never sees half a file, and
a failure leaves what was there. Nothing is written over the DuckDB warehouse.

`export` writes the published layer of one quarter, and only that layer (schema
`published`): withheld values stay null, with their `<column>_suppressed` marker beside."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pyarrow as pa

from duurzaam.errors import QueryRefused
from duurzaam.settings import warehouse_backend
from duurzaam.warehouse.database import duckdb_path, open_warehouse
from duurzaam.warehouse.query import published_rows

FILE_FORMATS = ("csv", "parquet", "json")

# How each published model is cut to one quarter, and the key its rows are ordered by.
# A model kept per quarter is filtered on its quarter column: the region-quarter figures on
# `quarter`, the survival curves on the quarter their cohort started (`cohort_quarter`; a
# rolling-year cohort is named by its last quarter), the employer survey on its wave (a
# quarter too; most quarters have none). The others are not kept per quarter: the
# follow-up study's waves count from each placement (T0, T1, ...), the retention factors
# and effects are estimated over every spell observed and the moves from work to work over
# every job that ended; they are exported whole, as built from the quarters loaded when the
# export runs.
SLICES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "pub_region_quarter": ("quarter", ("region_code",)),
    "pub_cohort_survival": ("cohort_quarter", ("region_code", "cohort_kind", "month")),
    "pub_employer_survey": ("wave", ("region_code", "perspective")),
    "pub_followup": (None, ("region_code", "wave_number", "labour_expert_role")),
    "pub_retention_factors": (None, ("region_code", "factor", "level")),
    "pub_retention_effects": (None, ("region_code", "factor", "level")),
    "pub_move_factors": (None, ("region_code", "factor", "level")),
    "pub_move_effects": (None, ("region_code", "factor", "level")),
}
# Never in the open-data export: the employer reports' figures. An employer's own figures
# and survey answers are for that employer only, and a benchmark is withheld by how many
# employers besides the reader it holds, a rule meant for the employer reading it beside its own.
NOT_EXPORTED = frozenset(
    {"pub_employer_quarter", "pub_employer_benchmarks", "pub_employer_survey_answers"}
)
EXPORT_FILES = ("schema.json", "README.txt")


class ExportRefused(QueryRefused):
    """A file `query --format` or `export` does not write (over the warehouse, binary to the
    terminal, a quarter without figures); nothing was written. The CLI exits 2."""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # as the model's yml declares it (its contract)
    description: str


@dataclass(frozen=True)
class PublishedModel:
    """A published model as its dbt yml documents it."""

    name: str
    description: str
    columns: tuple[Column, ...]


# --- one result as a file -------------------------------------------------------------------


def encode(table: pa.Table, file_format: str) -> bytes:
    """The table as the bytes of a CSV, JSON or Parquet file."""
    if file_format == "csv":
        import pyarrow.csv as csv

        buffer = BytesIO()
        csv.write_csv(table, buffer, csv.WriteOptions(delimiter=",", quoting_style="needed"))
        return buffer.getvalue()
    if file_format == "json":
        records = json.dumps(table.to_pylist(), default=_json_value, ensure_ascii=False)
        return (records + "\n").encode("utf-8")
    if file_format == "parquet":
        import pyarrow.parquet as pq

        buffer = BytesIO()
        pq.write_table(table, buffer)
        return buffer.getvalue()
    raise ValueError(f"no file format {file_format!r}: one of {', '.join(FILE_FORMATS)}")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):  # DuckDB's sums of bigints are 128-bit integers
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def write_output(content: bytes, output: Path, warehouse_urls: Sequence[str]) -> None:
    """content as the file `output`, atomically; never the DuckDB warehouse or its companions
    (its write-ahead log)."""
    refuse_warehouse_path(output, warehouse_urls)
    output.parent.mkdir(parents=True, exist_ok=True)
    with _replacing(output) as temporary:
        temporary.write_bytes(content)


def refuse_warehouse_path(output: Path, warehouse_urls: Sequence[str]) -> None:
    target = output.resolve()
    for url in warehouse_urls:
        if warehouse_backend(url) != "duckdb":
            continue
        warehouse = duckdb_path(url).resolve()
        if target.parent == warehouse.parent and target.name.startswith(warehouse.name):
            raise ExportRefused(
                f"{output} is the DuckDB warehouse (or its write-ahead log): write the "
                "result to another file"
            )


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, renamed to it when the block ends without an error
    (removed when it does not)."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)  # as an ordinary file, not mkstemp's 0600
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- the published layer of a quarter -------------------------------------------------------


@dataclass(frozen=True)
class Export:
    folder: Path
    rows: dict[str, int]  # model -> rows written

    def describe(self) -> str:
        counts = ", ".join(f"{model} {rows}" for model, rows in self.rows.items())
        return f"exported to {self.folder}: {counts} rows (Parquet and CSV, schema.json)"


def export_published(
    url: str,
    quarter: str,
    folder: Path,
    models: Sequence[PublishedModel],
    withheld: str,
) -> Export:
    """Each published model of the quarter as Parquet and CSV in `folder`, with schema.json
    (columns, types, descriptions, what a withheld value is) and README.txt. ExportRefused
    when the published layer has no figures for the quarter; `folder` is replaced only when
    it holds an earlier export. The models of NOT_EXPORTED are left out."""
    models = [model for model in models if model.name not in NOT_EXPORTED]
    unknown = [model.name for model in models if model.name not in SLICES]
    if unknown:
        raise ValueError(f"decide how to export {', '.join(unknown)}: SLICES in {__name__}")
    _refuse_foreign_folder(folder)
    with open_warehouse(url, read_only=True) as warehouse:
        tables = {
            model.name: published_rows(warehouse, *_select(model.name, quarter)) for model in models
        }
    if not any(tables[model.name].num_rows for model in models if SLICES[model.name][0]):
        raise ExportRefused(
            f"the published layer holds no figures for {quarter}: load and transform that "
            "quarter first (`duurzaam run --quarter`), or export another"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, table in tables.items():
            for file_format in ("parquet", "csv"):
                (staging / f"{name}.{file_format}").write_bytes(encode(table, file_format))
        schema = _schema(quarter, models, tables, withheld)
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        (staging / "schema.json").write_text(text, encoding="utf-8")
        (staging / "README.txt").write_text(_readme(quarter, models), encoding="utf-8")
        staging.chmod(0o755)
        _swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(folder, {name: table.num_rows for name, table in tables.items()})


def _select(model: str, quarter: str) -> tuple[str, tuple[str, ...]]:
    """The statement reading a model's rows of the quarter, and its parameters."""
    column, key = SLICES[model]
    where, params = (f" where {column} = %s", (quarter,)) if column else ("", ())
    return f"select * from published.{model}{where} order by {', '.join(key)}", params


def _refuse_foreign_folder(folder: Path) -> None:
    """An existing `folder` is replaced only when it is empty or an earlier export: never a
    folder of anything else."""
    if not folder.exists():
        return
    names = {path.name for path in folder.iterdir()}
    earlier = set(EXPORT_FILES) <= names and all(
        name in EXPORT_FILES or name.endswith((".csv", ".parquet")) for name in names
    )
    if names and not earlier:
        raise ExportRefused(
            f"{folder} exists and is not an earlier export: choose another --out folder"
        )


def _swap_in(staging: Path, folder: Path) -> None:
    """staging renamed to folder; an earlier export there is renamed aside first and
    removed once the new one is in place."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    aside = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old."))
    os.rename(folder, aside / folder.name)
    os.rename(staging, folder)
    shutil.rmtree(aside)


def _schema(
    quarter: str, models: Sequence[PublishedModel], tables: dict[str, pa.Table], withheld: str
) -> dict[str, Any]:
    return {
        "quarter": quarter,
        "withheld": withheld,
        "csv": {"separator": ",", "encoding": "UTF-8", "header": True, "null": "empty field"},
        "models": {
            model.name: {
                "description": model.description,
                "rows": tables[model.name].num_rows,
                "slice": _slice_text(model.name, quarter),
                "files": [f"{model.name}.parquet", f"{model.name}.csv"],
                "columns": [
                    {
                        "name": column.name,
                        "type": column.data_type,
                        "parquet_type": str(tables[model.name].schema.field(column.name).type),
                        "description": column.description,
                    }
                    for column in model.columns
                ],
            }
            for model in models
        },
    }


def _slice_text(model: str, quarter: str) -> str:
    column = SLICES[model][0]
    if column:
        return f"the rows with {column} = '{quarter}'"
    return "every row: not kept per quarter, as built from the quarters loaded at the export"


def _readme(quarter: str, models: Sequence[PublishedModel]) -> str:
    files = "\n".join(
        f"  {model.name}.parquet / .csv: {_slice_text(model.name, quarter)}" for model in models
    )
    return f"""Duurzaam Werk: gepubliceerde cijfers / published figures, {quarter}

NL
Deze map bevat de gepubliceerde tabellen (schema `published`) van kwartaal {quarter}, elk als
Parquet (met kolomtypen) en als CSV (komma als scheidingsteken, UTF-8, eerste regel de
kolomnamen, een leeg veld is een ontbrekende waarde). schema.json beschrijft elke kolom.
Kleine aantallen zijn onderdrukt: de waarde is leeg en de kolom <kolom>_suppressed ernaast
zegt wat er staat in plaats van het getal ('<10', 'x' of 'n<10'; zie schema.json,
"withheld"). Vul een onderdrukte waarde nooit zelf in en leid haar niet af.

EN
This folder holds the published tables (schema `published`) of quarter {quarter}, each as
Parquet (typed columns) and as CSV (comma separated, UTF-8, a header row, an empty field is
a missing value). schema.json describes every column. Small counts are withheld: the value
is empty and the column <column>_suppressed beside it says what stands in its place ('<10',
'x' or 'n<10'; see schema.json, "withheld"). Never fill in or derive a withheld value.

Files:
{files}
  schema.json: per table its columns, types and descriptions
"""
