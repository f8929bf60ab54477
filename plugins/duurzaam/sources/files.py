"""Reading delimited text extracts the way they really arrive: UTF-8 with or without BOM or
Windows-1252, sometimes empty, truncated, binary or with the wrong delimiter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from duurzaam.errors import InputRejected

# Spreadsheet row numbers: the header is row 1, the first record row 2.
FIRST_DATA_ROW = 2
ROW_INDEX = "row"


def decode(path: Path) -> str:
    """The file's text, decoded as UTF-8 (BOM or not) or else Windows-1252."""
    data = path.read_bytes()
    if not data.strip():
        raise InputRejected(
            str(path), "the file is empty", "ask the supplier for a new export of this quarter"
        )
    if data[:4] == b"PK\x03\x04":
        raise InputRejected(
            str(path),
            "this is a ZIP/XLSX file, not a CSV export",
            "export the sheet as CSV (semicolon-separated) and deliver that file",
        )
    if b"\x00" in data[:65536]:
        raise InputRejected(
            str(path),
            "this is a binary file, not a text export (or it is UTF-16 encoded)",
            "deliver the CSV export in UTF-8 or Windows-1252",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InputRejected(
            str(path),
            f"the text is neither UTF-8 nor Windows-1252 (byte {error.start})",
            "save the export as UTF-8",
        ) from None


def read_delimited(path: Path, delimiter: str = ";") -> pd.DataFrame:
    """All cells as stripped text (empty -> missing), indexed by spreadsheet row number."""
    text = decode(path)
    header = text.splitlines()[0]
    if delimiter not in header:
        found = next((d for d in (",", "\t", "|") if d in header), None)
        problem = f"the header has no {delimiter!r} separators"
        if found:
            problem += f" but is separated by {found!r}"
        raise InputRejected(
            str(path), problem, f"export the file with {delimiter!r} as the column separator"
        )
    try:
        # The header is read as a data row, so a row with more cells than the header is an
        # error (pandas would otherwise quietly turn the surplus into an index).
        cells = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.ParserError as error:
        raise InputRejected(
            str(path),
            f"the rows do not line up with the header: {error}",
            "a text cell probably holds an unquoted separator; quote such cells in the export",
        ) from None
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = [str(column).strip() for column in cells.iloc[0]]
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), name=ROW_INDEX)
    return frame.apply(lambda column: column.str.strip()).replace("", None)
