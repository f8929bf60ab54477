"""Doelgroepregister: per municipality and legal basis, persons in the target-group register
and persons of them working, per quarter. Published by a CBS-style OData v3 endpoint
(`.../TypedDataSet?$filter=Perioden eq '2024KW04'`, keys space-padded, a provisional flag);
the landing file `register/<YYYYQn>.json` holds the rows in the same shape.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest.privacy import Pseudonymisation
from duurzaam.ingest.sources.files import bounded_bytes, shown
from duurzaam.ingest.sources.odata import fetch_odata
from duurzaam.quarters import Quarter

SOURCE = "register"
FIELDS = ("RegioS", "Grondslag", "Perioden", "Status", "PersonenInRegister_1", "PersonenMetBaan_2")
PADDED_FIELDS = ("RegioS", "Grondslag", "Perioden", "Status")
COUNT_FIELDS = ("PersonenInRegister_1", "PersonenMetBaan_2")
MAX_COUNT = 2**31 - 1  # raw.register keeps the counts as integer

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


# What a register file may be (docs/sources.md, "What a reader accepts"): a quarter of every
# municipality and legal basis is about 2,000 rows, under a megabyte, and three levels deep
# ({"value": [{...}]}).
MAX_FILE_BYTES = 64 << 20  # 64 MiB
MAX_DEPTH = 32
# A JSON string, or one bracket: the tokens that nesting is counted from.
_JSON_NESTING = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def read(path: Path) -> pd.DataFrame:
    """The `value` rows as a frame indexed by position (1 = the first row). Rejected: a file
    over MAX_FILE_BYTES, JSON nested deeper than MAX_DEPTH, an object with a key twice (which
    value would be meant?), a row whose field holds an object or a list."""
    data = bounded_bytes(path, MAX_FILE_BYTES)
    if not data.strip():
        raise InputRejected(
            str(path), "the file is empty", "fetch or export the quarter again", rule="odata_json"
        )
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise InputRejected(
            str(path),
            "this is a binary file, not OData JSON",
            "deliver the JSON answer of the OData endpoint",
            rule="odata_json",
        )
    _check_depth(path, data)
    try:
        document = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_KeysOnce.of)
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
            rule="odata_json",
        ) from None
    rows = document.get("value") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise InputRejected(
            str(path),
            "the JSON has no 'value' list of rows",
            "deliver the TypedDataSet answer of the OData endpoint",
            rule="odata_json",
        )
    _check_rows(path, document, rows)
    frame = pd.DataFrame.from_records(rows)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


class _KeysOnce(dict):
    """A JSON object; `twice` names a key the file gave it more than once (json keeps the
    last value of such a key without a word)."""

    twice: str | None = None

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _KeysOnce:
        result = cls(pairs)
        if len(result) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            result.twice = next(key for key, count in counts.items() if count > 1)
        return result


def _check_depth(path: Path, data: bytes) -> None:
    """JSON nested deeper than MAX_DEPTH is rejected before it is parsed (Python's parser
    recurses once per level)."""
    depth = 0
    for token in _JSON_NESTING.finditer(data):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = data.count(b"\n", 0, token.start()) + 1
                raise InputRejected(
                    str(path),
                    f"the JSON is nested more than {MAX_DEPTH} levels deep (line {line}); "
                    "an OData answer is three",
                    "deliver the TypedDataSet answer of the OData endpoint",
                    rule="json_nesting_limit",
                )
        elif bracket in (b"]", b"}"):
            depth -= 1


def _check_rows(path: Path, document: _KeysOnce, rows: list[_KeysOnce]) -> None:
    """No key twice, no field holding an object or a list."""
    if document.twice:
        raise InputRejected(
            str(path),
            f"the answer has the key {shown(document.twice)!r} twice",
            "deliver the TypedDataSet answer of the OData endpoint as it was sent",
            rule="json_unique_keys",
            column=shown(document.twice),
        )
    for number, row in enumerate(rows, start=1):
        if row.twice:
            raise InputRejected(
                str(path),
                "the field appears twice in the row (which value is meant?)",
                "deliver the TypedDataSet answer of the OData endpoint as it was sent",
                rule="json_unique_keys",
                row=number,
                column=shown(row.twice),
            )
        nested = next((key for key, value in row.items() if isinstance(value, dict | list)), None)
        if nested:
            raise InputRejected(
                str(path),
                "the field holds an object or a list where a value is expected",
                "deliver the TypedDataSet answer of the OData endpoint as it was sent",
                rule="json_flat_rows",
                row=number,
                column=shown(nested),
            )


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Padding stripped, codes in canonical case, counts as numbers (a count that is not a
    whole number in range becomes -1 and fails the count rule), and `periode_klopt`: the
    row's period is the file's quarter."""
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
            prepared[field] = prepared[field].map(_count).astype("float64")
    if quarter is not None and "Perioden" in prepared:
        prepared["periode_klopt"] = prepared["Perioden"] == quarter.cbs
    return prepared


def _count(value: object) -> float:
    """A count as a number, missing as NaN; anything that is not a whole number up to
    MAX_COUNT (text, 1.5, true, 10**400, a count too large for raw's integer column) as -1,
    which fails the suite's count rule (a negative count fails it as it is)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, bool):
        return -1.0
    try:
        number = float(value)  # type: ignore[arg-type]  # (a list or an object: TypeError)
    except (TypeError, ValueError, OverflowError):
        return -1.0
    return number if number.is_integer() and number <= MAX_COUNT else -1.0


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
