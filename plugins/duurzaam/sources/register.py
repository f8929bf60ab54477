"""Doelgroepregister: per municipality and legal basis, persons in the target-group register
and persons of them working, per quarter. Published by a CBS-style OData v3 endpoint
(`.../TypedDataSet?$filter=Perioden eq '2024KW04'`, keys space-padded, a provisional flag);
the landing file `register/<YYYYQn>.json` holds the rows in the same shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.privacy import Pseudonymisation
from duurzaam.quarters import Quarter
from duurzaam.sources.odata import fetch_odata

SOURCE = "register"
FIELDS = ("RegioS", "Grondslag", "Perioden", "Status", "PersonenInRegister_1", "PersonenMetBaan_2")
PADDED_FIELDS = ("RegioS", "Grondslag", "Perioden", "Status")
COUNT_FIELDS = ("PersonenInRegister_1", "PersonenMetBaan_2")

RAW_COLUMNS: list[tuple[str, str]] = [
    ("quarter", "text"),
    ("gemeente_code", "text"),
    ("grondslag", "text"),
    ("periode", "text"),
    ("voorlopig", "boolean"),
    ("personen_in_register", "integer"),
    ("personen_met_baan", "integer"),
    ("_load_id", "text"),
    ("_row_number", "integer"),
    ("_loaded_at", "timestamp"),
]


def fetch(url: str, quarter: str, destination: Path) -> Path:
    """All rows of the quarter from the endpoint. The URL in sources.yml carries the filter,
    e.g. `.../TypedDataSet?$filter=Perioden eq '{cbs_period}'` ({cbs_period} = 2024KW04)."""
    del quarter  # already in the URL
    return fetch_odata(url, destination)


def read(path: Path) -> pd.DataFrame:
    """The `value` rows as a frame indexed by position (1 = the first row)."""
    data = path.read_bytes()
    if not data.strip():
        raise InputRejected(str(path), "the file is empty", "fetch or export the quarter again")
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise InputRejected(
            str(path),
            "this is a binary file, not OData JSON",
            "deliver the JSON answer of the OData endpoint",
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = (
            f" (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        raise InputRejected(
            str(path),
            f"this is not valid JSON{where}: the file may be cut off",
            "fetch or export the quarter again",
        ) from None
    rows = document.get("value") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise InputRejected(
            str(path),
            "the JSON has no 'value' list of rows",
            "deliver the TypedDataSet answer of the OData endpoint",
        )
    frame = pd.DataFrame.from_records(rows)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Padding stripped, codes in canonical case, counts as numbers (a count that is not a
    whole number becomes -1 and fails the count rule), and `periode_klopt`: the row's period
    is the file's quarter."""
    prepared = frame.copy()
    for field in PADDED_FIELDS:
        if field in prepared:
            prepared[field] = (
                prepared[field].astype("str").str.strip().where(prepared[field].notna())
            )
    if "RegioS" in prepared:
        prepared["RegioS"] = prepared["RegioS"].str.upper()
    if "Grondslag" in prepared:
        prepared["Grondslag"] = prepared["Grondslag"].str.lower()
    for field in COUNT_FIELDS:
        if field in prepared:
            numbers = pd.to_numeric(prepared[field], errors="coerce")
            whole = numbers.notna() & (numbers == numbers.round())
            prepared[field] = numbers.where(whole | prepared[field].isna(), -1).astype("float64")
    if quarter is not None and "Perioden" in prepared:
        prepared["periode_klopt"] = prepared["Perioden"] == quarter.cbs
    return prepared


def to_raw(prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeente_code": prepared["RegioS"],
            "grondslag": prepared["Grondslag"],
            "periode": prepared["Perioden"],
            "voorlopig": prepared["Status"].str.lower().str.startswith("voorlopig"),
            "personen_in_register": prepared["PersonenInRegister_1"].astype("int64"),
            "personen_met_baan": prepared["PersonenMetBaan_2"].astype("int64"),
            "_row_number": prepared.index.astype("int64"),
        },
        index=prepared.index,
    )
