"""Reading delimited text extracts the way they really arrive: UTF-8 with or without BOM or
Windows-1252, sometimes empty, truncated, binary or with the wrong delimiter."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.arrow_text import text_array, value_offsets
from duurzaam.errors import InputRejected

# Spreadsheet row numbers: the header is row 1, the first record row 2.
FIRST_DATA_ROW = 2
ROW_INDEX = "row"


def utf8_content(path: Path) -> bytes:
    """The file's text as UTF-8 bytes: the file itself when it is UTF-8 (without its BOM),
    else its Windows-1252 text re-encoded."""
    data = path.read_bytes()
    if not data or data.isspace():
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
        data = data[3:]
    try:
        data.decode("utf-8")  # only a check: the reader takes the bytes as they are
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252").encode("utf-8")
        except UnicodeDecodeError as error:
            raise InputRejected(
                str(path),
                f"the text is neither UTF-8 nor Windows-1252 (byte {error.start})",
                "save the export as UTF-8",
            ) from None
    return data


def read_delimited(path: Path, delimiter: str = ";") -> pd.DataFrame:
    """All cells as stripped text (empty -> missing), indexed by spreadsheet row number.
    Parsed by Arrow's multi-threaded CSV reader; quoted cells may hold the delimiter, quotes
    (doubled) and line breaks."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    content = utf8_content(path)
    end_of_header = content.find(b"\n")
    header = content[: end_of_header if end_of_header >= 0 else None].decode("utf-8")
    if delimiter not in header:
        found = next((d for d in (",", "\t", "|") if d in header), None)
        problem = f"the header has no {delimiter!r} separators"
        if found:
            problem += f" but is separated by {found!r}"
        raise InputRejected(
            str(path), problem, f"export the file with {delimiter!r} as the column separator"
        )
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(content),
            read_options=arrow_csv.ReadOptions(autogenerate_column_names=True),
            # A line break can only be inside a value when the file quotes values; without
            # quotes Arrow splits the file into blocks at any line break, twice as fast.
            parse_options=arrow_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=b'"' in content
            ),
            convert_options=arrow_csv.ConvertOptions(
                # every cell stays text (the suite checks types, not the reader); the header
                # is read as the first row, so the columns are named f0, f1, ...
                # (large_string: the type pandas keeps text in, so no copy is made later)
                column_types={
                    f"f{i}": pa.large_string() for i in range(header.count(delimiter) + 1)
                },
                null_values=[""],
                strings_can_be_null=True,
                auto_dict_encode=False,
                include_missing_columns=False,
                timestamp_parsers=[],
                true_values=[],
                false_values=[],
            ),
        )
    except pa.ArrowInvalid:
        raise _misaligned_row(path, content.decode("utf-8"), delimiter) from None
    table = table.cast(pa.schema([(name, pa.large_string()) for name in table.column_names]))
    names = [str(cell or "").strip() for cell in table.slice(0, 1).to_pylist()[0].values()]
    columns = {
        name: _trimmed(column) for name, column in zip(names, table.slice(1).columns, strict=True)
    }
    frame = pd.DataFrame({name: pd.Series(column, dtype="str") for name, column in columns.items()})
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), name=ROW_INDEX)
    return frame


def _trimmed(column: Any) -> Any:
    """Cells without surrounding whitespace; one of whitespace only becomes missing (empty
    cells are missing already)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _may_have_surrounding_whitespace(column):
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    if pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(column)).as_py():
        return column  # nothing was trimmed: no cell was whitespace only either
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def _may_have_surrounding_whitespace(column: Any) -> bool:
    """Whether a cell of the Arrow text column may start or end with whitespace: its first or
    last byte is a control character, a space, or not ASCII (a Unicode space such as U+00A0
    takes more than one byte). Read from the column's buffers, two bytes a cell, where
    trimming writes a new column."""
    for chunk in getattr(column, "chunks", [column]):
        if chunk.buffers()[2] is None:  # no text at all
            continue
        offsets = value_offsets(chunk)
        text = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        edges = np.concatenate([text[starts[filled]], text[ends[filled] - 1]])
        if ((edges <= ord(" ")) | (edges >= 0x80)).any():
            return True
    return False


def iso_dates(values: pd.Series, formats: tuple[str, ...], output_format: str) -> pd.Series:
    """Real dates (or timestamps) in any of the accepted formats as ISO text; anything else
    (31-02-2024, 2024-13-01, 'gisteren') marked with a leading '?' so that the suite's ISO
    pattern rejects it, while messages still show the value as delivered."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = text_array(values, pa.string())
    # Dates repeat (a quarter's million placements start on a few thousand days): each
    # distinct value is parsed once.
    encoded = pc.dictionary_encode(cells)
    iso = _iso_dates_of_distinct(encoded.dictionary, formats, output_format)
    return pd.Series(pc.take(iso, encoded.indices), index=values.index, dtype="str")


def _iso_dates_of_distinct(text: Any, formats: tuple[str, ...], output_format: str) -> Any:
    """iso_dates of an Arrow array of distinct text values (no missing ones)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # Arrow parses a million values in a blink but rolls impossible dates over (31-02 becomes
    # 02-03): a value counts only when writing the parsed date in its format gives it back.
    # Each parsed value is kept as Arrow's own text of it ('YYYY-MM-DD HH:MM:SS'), which
    # both that check and the output are cut from.
    parsed = pa.nulls(len(text), pa.string())
    for date_format in formats:
        candidate = pc.strptime(text, format=date_format, unit="s", error_is_null=True)
        if candidate.null_count == len(candidate):
            continue  # no value is in this format
        written = pc.cast(candidate, pa.string())
        exact = pc.fill_null(pc.equal(_formatted(written, date_format), text), False)
        parsed = pc.if_else(pc.and_(pc.is_null(parsed), exact), written, parsed)
    # What is left (unpadded like 2024-1-5, rolled over, or no date at all) is rare: pandas
    # parses it strictly, value by value.
    rest = pc.is_null(parsed).to_numpy(zero_copy_only=False)
    if rest.any():
        values = pd.Series(text.to_pandas(), dtype=object)
        reparsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
        for date_format in formats:
            reparsed[rest] = pd.to_datetime(
                values[rest].array, format=date_format, errors="coerce"
            ).as_unit("s")
            rest &= reparsed.isna().to_numpy()
        written = pc.cast(pa.array(reparsed, type=pa.timestamp("s"), from_pandas=True), pa.string())
        parsed = pc.if_else(pc.is_valid(parsed), parsed, written)
    iso = _formatted(parsed, output_format)
    if parsed.null_count:
        iso = pc.if_else(pc.is_valid(parsed), iso, pc.binary_join_element_wise("?", text, ""))
    return iso


def decimal_comma_numbers(values: pd.Series) -> pd.Series:
    """Numbers written with a decimal comma as float64; what is not a number becomes missing
    (and fails the suite's not-null check). Arrow casts a column of plain numbers at once; a
    column with anything else in it goes through pandas, which turns that into missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.str.replace(",", ".", regex=False)
    try:
        numbers = pc.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.float64())
    except pa.ArrowInvalid:
        return pd.to_numeric(text, errors="coerce").astype("float64")
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def dates_from_iso(values: pd.Series) -> pd.Series:
    """Validated ISO date text (YYYY-MM-DD) as dates, missing stays missing (Arrow's cast:
    no Python date object per value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = pc.cast(pa.array(values, type=pa.string(), from_pandas=True), pa.date32())
    return pd.Series(dates, index=values.index, dtype=pd.ArrowDtype(pa.date32()))


# Where each strptime directive sits in Arrow's text of a timestamp, 'YYYY-MM-DD HH:MM:SS'.
_TIMESTAMP_TEXT_SLICES = {
    "%Y": (0, 4),
    "%m": (5, 7),
    "%d": (8, 10),
    "%H": (11, 13),
    "%M": (14, 16),
    "%S": (17, 19),
}
_ISO_PREFIXES = {"%Y-%m-%d": 10, "%Y-%m-%d %H:%M": 16, "%Y-%m-%d %H:%M:%S": 19}


def _formatted(written: Any, date_format: str) -> Any:
    """Timestamps, given as Arrow's text of them, as zero-padded text in a format of %Y %m %d
    %H %M %S and literals: cut from that text (Arrow's strftime is thirty times slower)."""
    import pyarrow.compute as pc

    if date_format in _ISO_PREFIXES:  # the common case: one cut
        return pc.utf8_slice_codeunits(written, 0, _ISO_PREFIXES[date_format])
    pieces = []
    for token in re.split(r"(%[YmdHMS])", date_format):
        if token in _TIMESTAMP_TEXT_SLICES:
            pieces.append(pc.utf8_slice_codeunits(written, *_TIMESTAMP_TEXT_SLICES[token]))
        elif token:
            pieces.append(token)
    return pc.binary_join_element_wise(*pieces, "")


def _misaligned_row(path: Path, text: str, delimiter: str) -> InputRejected:
    """The first row whose cell count differs from the header's (only on the error path, so
    a plain scan is fine). The row's content is not repeated: it may hold a BSN."""
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    expected = len(next(rows))
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        if row and len(row) != expected:
            last = rows.line_num >= text.rstrip("\n").count("\n") + 1
            cut_off = last and len(row) < expected
            problem = f"row {number} has {len(row)} cells where the header has {expected}" + (
                ": the file looks cut off" if cut_off else ""
            )
            hint = (
                "deliver the complete export again"
                if cut_off
                else "a text cell probably holds an unquoted separator; quote such cells"
            )
            return InputRejected(str(path), problem, hint)
    return InputRejected(
        str(path),
        "the rows do not line up with the header",
        "check the quoting of text cells in the export",
    )
