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
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import cast

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest.privacy import Pseudonymisation
from duurzaam.ingest.sources.files import require_size_at_most, shown
from duurzaam.quarters import Quarter
from duurzaam.reference import region_names

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


# What a publication may be (docs/sources.md, "What a reader accepts"). An XLSX is a ZIP of
# XML: a few hundred kilobytes can unpack to gigabytes, so the unpacked size is read from the
# ZIP's directory before anything is parsed (Python's zipfile stops a member at its stated
# size). Of the first sheet only the rows and columns where the table can be are read.
MAX_FILE_BYTES = 16 << 20  # 16 MiB; a publication of the 35 regions is under 10 KB
MAX_UNPACKED_BYTES = 64 << 20  # 64 MiB, every member of the ZIP together
MAX_SHEET_ROWS = 1_000
MAX_SHEET_COLUMNS = 60


def read(path: Path) -> pd.DataFrame:
    """The region rows of the table, as text, indexed by their row number in the sheet."""
    import openpyxl  # only where a workbook is read

    require_size_at_most(path, path.stat().st_size, MAX_FILE_BYTES)
    if not zipfile.is_zipfile(path):
        raise InputRejected(
            str(path),
            "this is not an Excel workbook (.xlsx)",
            "deliver the publication as .xlsx, as downloaded",
            rule="xlsx_workbook",
        )
    _check_unpacked_size(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(
                max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True
            )
            cells, title = pd.DataFrame(list(rows)), sheet.title
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise _unopenable(path, error) from None
    cells.index = pd.RangeIndex(1, len(cells) + 1, name="row")
    return _table(cells, str(path), title)


def _unopenable(path: Path, error: Exception) -> InputRejected:
    return InputRejected(
        str(path),
        f"the workbook cannot be opened ({type(error).__name__}: {error})"[:300],
        "deliver the publication as .xlsx, as downloaded",
        rule="xlsx_workbook",
    )


def _check_unpacked_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except Exception as error:  # zipfile raises many kinds (NotImplementedError for a version)
        raise _unopenable(path, error) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputRejected(
            str(path),
            f"the workbook unpacks to {unpacked:,} bytes, more than the "
            f"{MAX_UNPACKED_BYTES:,} a publication may have",
            "deliver the publication as downloaded; a workbook this large is not the "
            "jobs-agreement table",
            rule="xlsx_size_limit",
        )


def _table(cells: pd.DataFrame, file: str, sheet: str) -> pd.DataFrame:
    words = cells.head(HEADER_SEARCH_ROWS).map(_normalised)
    hits = (words == "marktsector").any(axis=1)
    if not hits.any():
        raise InputRejected(
            file,
            f"sheet {sheet!r}: no table with a 'Marktsector' header in "
            f"the first {HEADER_SEARCH_ROWS} rows",
            "deliver the publication with its table headers as published",
            rule="xlsx_table_header",
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
            f"column for {', '.join(missing)} (headers found: {_listed(names.values())})",
            "deliver the table with its published headers",
            rule="xlsx_table_header",
        )
    body = cells.loc[header_row + 1 :, list(columns.values())]
    body.columns = list(columns)
    body = body.astype(object).where(body.notna(), None)
    text = body.map(lambda v: None if v is None else str(v).strip() or None)
    # The table ends at its first empty row; notes may follow.
    empty = text.isna().all(axis=1)
    if empty.any():
        text = text.loc[: cast(int, empty.idxmax()) - 1]
    elif len(cells) >= MAX_SHEET_ROWS:
        raise InputRejected(
            file,
            f"sheet {sheet!r}: the table goes on past row {MAX_SHEET_ROWS}, the last one read",
            "deliver the publication of the 35 regions as published",
            rule="xlsx_size_limit",
            row=MAX_SHEET_ROWS,
        )
    label = text.get("regio_naam", pd.Series(dtype=object)).fillna("").map(_normalised)
    return text[~label.str.startswith(TOTAL_LABELS)]


def _listed(headers: Iterable[str], most: int = 8) -> str:
    """The headers found, for a message: the first few, each cut short."""
    found = [shown(header) for header in headers if header]
    more = f" and {len(found) - most} more" if len(found) > most else ""
    return ", ".join(found[:most]) + more


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
    regions = region_names()
    return dict(zip(regions["region"].map(_normalised), regions["region_code"], strict=True))


def _normalised(value: object) -> str:
    """Lower case, accents removed, spaces collapsed: 'Súdwest  Fryslân' -> 'sudwest fryslan'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())
