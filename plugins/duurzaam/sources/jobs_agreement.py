"""Banenafspraak (jobs agreement): per labour-market region, the jobs realised in units of
25.5 hours for the market sector and for government, and the regional target; an XLSX as
agencies publish it (`jobs_agreement/<YYYYQn>.xlsx`): a title block and notes around the
table, Dutch headers, a merged header over the two sectors, a total row.

The table is found by its header (the cell "Marktsector"), never by fixed positions; the
row above supplies the names of vertically merged header cells.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Hashable
from pathlib import Path
from typing import cast

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.privacy import Pseudonymisation
from duurzaam.quarters import Quarter

SOURCE = "jobs_agreement"
# Our column -> words that identify its header (after lower-casing and removing accents).
HEADERS = {
    "regio_code": ("code",),
    "regio_naam": ("arbeidsmarktregio", "regio"),
    "banen_marktsector": ("marktsector",),
    "banen_overheid": ("overheid",),
    "doelstelling": ("doelstelling", "taakstelling"),
}
TOTAL_LABELS = ("totaal", "nederland", "landelijk")
NUMBER_COLUMNS = ("banen_marktsector", "banen_overheid", "doelstelling")
HEADER_SEARCH_ROWS = 40

RAW_COLUMNS: list[tuple[str, str]] = [
    ("quarter", "text"),
    ("regio_code", "text"),
    ("regio_naam", "text"),
    ("banen_marktsector", "double precision"),
    ("banen_overheid", "double precision"),
    ("doelstelling", "double precision"),
    ("_load_id", "text"),
    ("_row_number", "integer"),
    ("_loaded_at", "timestamp"),
]


def read(path: Path) -> pd.DataFrame:
    """The region rows of the table, as text, indexed by their row number in the sheet."""
    import openpyxl  # only where a workbook is read

    if not zipfile.is_zipfile(path):
        raise InputRejected(
            str(path),
            "this is not an Excel workbook (.xlsx)",
            "deliver the publication as .xlsx, as downloaded",
        )
    try:
        sheet = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise InputRejected(
            str(path),
            f"the workbook cannot be opened ({error})",
            "deliver the publication as .xlsx, as downloaded",
        ) from None
    cells = pd.DataFrame(list(sheet.iter_rows(values_only=True)))
    cells.index = pd.RangeIndex(1, len(cells) + 1, name="row")
    return _table(cells, str(path), sheet.title)


def _table(cells: pd.DataFrame, file: str, sheet: str) -> pd.DataFrame:
    words = cells.head(HEADER_SEARCH_ROWS).map(_normalised)
    hits = (words == "marktsector").any(axis=1)
    if not hits.any():
        raise InputRejected(
            file,
            f"sheet {sheet!r}: no table with a 'Marktsector' header in "
            f"the first {HEADER_SEARCH_ROWS} rows",
            "deliver the publication with its table headers as published",
        )
    header_row = cast(int, hits.idxmax())  # rows are numbered from 1
    # A vertically merged header ("Arbeidsmarktregio" over two rows) is read in the row above.
    above = words.loc[header_row - 1] if header_row > 1 else pd.Series("", index=words.columns)
    header = words.loc[header_row]
    # position in the sheet -> normalised header text (ignore: .loc of one row label gives a
    # Series, pandas-stubs say it may be a frame)
    names: dict[Hashable, str] = header.where(header != "", above).to_dict()  # type: ignore[arg-type]
    columns: dict[str, Hashable] = {}  # column name -> position in the sheet
    for column, keys in HEADERS.items():
        matches = [
            position
            for position, name in names.items()
            if any(key in name for key in keys) and position not in columns.values()
        ]
        if column == "regio_naam":
            matches = [m for m in matches if "code" not in names[m]]
        if matches:
            columns[column] = matches[0]
    missing = [c for c in HEADERS if c not in columns and c != "regio_code"]
    if missing:
        raise InputRejected(
            file,
            f"sheet {sheet!r}, row {header_row}: the table has no "
            f"column for {', '.join(missing)} (headers found: "
            f"{', '.join(n for n in names.values() if n)})",
            "deliver the table with its published headers",
        )
    body = cells.loc[header_row + 1 :, list(columns.values())]
    body.columns = list(columns)
    body = body.astype(object).where(body.notna(), None)
    text = body.map(lambda v: None if v is None else str(v).strip() or None)
    # The table ends at its first empty row; notes may follow.
    empty = text.isna().all(axis=1)
    if empty.any():
        text = text.loc[: cast(int, empty.idxmax()) - 1]
    label = text.get("regio_naam", pd.Series(dtype=object)).fillna("").map(_normalised)
    return text[~label.str.startswith(TOTAL_LABELS)]


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Numbers as numbers (Excel numbers, or Dutch text like '1.234,5'; anything else -1 so
    the non-negative rule names it); a missing region code looked up by region name."""
    prepared = frame.copy()
    for column in NUMBER_COLUMNS:
        if column in prepared:
            prepared[column] = _dutch_numbers(prepared[column])
    if "regio_code" not in prepared:
        prepared["regio_code"] = prepared["regio_naam"].map(_normalised).map(_codes_by_name())
    prepared["regio_code"] = prepared["regio_code"].str.upper()
    return prepared


def to_raw(prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
    raw = prepared[["regio_code", "regio_naam", *NUMBER_COLUMNS]].copy()
    raw["_row_number"] = raw.index.astype("int64")
    return raw


def _dutch_numbers(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.replace(".", "", regex=False).str.replace(",", ".")
    # Excel numbers arrive as '1234.5' (str of a float): those keep their decimal point.
    plain = values.astype("str").str.fullmatch(r"-?\d+(\.\d+)?")
    numbers = pd.to_numeric(text.where(~plain, values.astype("str")), errors="coerce")
    return numbers.where(numbers.notna() | values.isna(), -1.0).astype("float64")


def _codes_by_name() -> dict[str, str]:
    from duurzaam.settings import MUNICIPALITIES_CSV

    regions = pd.read_csv(MUNICIPALITIES_CSV, usecols=["region_code", "region"])
    regions = regions.dropna().drop_duplicates()
    return dict(zip(regions["region"].map(_normalised), regions["region_code"], strict=True))


def _normalised(value: object) -> str:
    """Lower case, accents removed, spaces collapsed: 'Súdwest  Fryslân' -> 'sudwest fryslan'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())
