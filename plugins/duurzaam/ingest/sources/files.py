"""Reading delimited text extracts the way they really arrive: UTF-8 with or without BOM or
Windows-1252, sometimes empty, truncated, binary or with the wrong delimiter, a column name
twice, a blank line, a line break in an id or a cell as large as a file. The cells' meaning
(dates, numbers) is read in duurzaam.ingest.sources.cells."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest.arrow_text import value_offsets
from duurzaam.ingest.privacy import masked_text

# Spreadsheet row numbers: the header is row 1, the first record row 2.
FIRST_DATA_ROW = 2
ROW_INDEX = "row"

# What a delimited export may hold (docs/sources.md, "What a reader accepts"). The reader
# holds the file, its Arrow table and the frame in memory at once, so the file's size bounds
# the memory; a cell is bounded so that one value never holds a whole file.
MAX_FILE_BYTES = 512 << 20  # 512 MiB: a quarter of a million placements is about 110 MB
MAX_CELL_BYTES = 1 << 17  # 128 KiB (Python's csv module has the same limit, in characters)
MAX_COLUMNS = 200


def bounded_bytes(path: Path, limit: int) -> bytes:
    """The file's bytes; a file larger than `limit` is rejected before it is read."""
    with path.open("rb") as handle:
        require_size_at_most(path, os.fstat(handle.fileno()).st_size, limit)
        data = handle.read(limit + 1)
    require_size_at_most(path, len(data), limit)  # it grew while it was read
    return data


def require_size_at_most(path: Path, size: int, limit: int) -> None:
    if size > limit:
        raise InputRejected(
            str(path),
            f"the file has {size:,} bytes, more than the {limit:,} an extract of this source "
            "may have",
            "check that this is the quarter's export; if it really is this large, the limit "
            "in duurzaam.ingest.sources must be raised",
            rule="file_size_limit",
        )


def shown(name: str, limit: int = 40) -> str:
    """A name from a file (a header, a key) as a message shows it: BSN-shaped numbers masked
    (a file without its header has data where the names should be), and cut short."""
    text = masked_text(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def utf8_content(path: Path) -> bytes:
    """The file's text as UTF-8 bytes: the file itself when it is UTF-8 (without its BOM),
    else its Windows-1252 text re-encoded."""
    data = bounded_bytes(path, MAX_FILE_BYTES)
    if not data or data.isspace():
        raise InputRejected(
            str(path),
            "the file is empty",
            "ask the supplier for a new export of this quarter",
            rule="text_export",
        )
    if data[:4] == b"PK\x03\x04":
        raise InputRejected(
            str(path),
            "this is a ZIP/XLSX file, not a CSV export",
            "export the sheet as CSV (semicolon-separated) and deliver that file",
            rule="text_export",
        )
    if b"\x00" in data[:65536]:
        raise InputRejected(
            str(path),
            "this is a binary file, not a text export (or it is UTF-16 encoded)",
            "deliver the CSV export in UTF-8 or Windows-1252",
            rule="text_export",
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
                rule="text_export",
            ) from None
    return data


def read_delimited(
    path: Path, delimiter: str = ";", multiline_columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """All cells as stripped text (empty -> missing), indexed by spreadsheet row number.
    Parsed by Arrow's multi-threaded CSV reader; quoted cells may hold the delimiter and
    quotes (doubled), line breaks only in the free-text `multiline_columns`. Rejected, with
    the row and column: a column name twice, a column without a name that holds values, a
    blank line between rows (it would shift every later row number), a cell over
    MAX_CELL_BYTES, a row whose cells do not line up with the header."""
    import pyarrow as pa

    content = utf8_content(path)
    header = _header(path, content, delimiter)
    rows = pa.py_buffer(content).slice(0, _end_of_rows(content))
    quoted = b'"' in content
    width = header.count(delimiter) + 1
    try:
        table = _arrow_table(rows, width, delimiter, quoted, block_size=None)
    except pa.ArrowInvalid:
        try:  # a row longer than Arrow's block (1 MiB): once more, read as one block
            table = _arrow_table(rows, width, delimiter, quoted, block_size=rows.size + 1)
        except pa.ArrowInvalid:
            raise _first_bad_row(path, content, delimiter) or _misaligned(path) from None
    table = table.cast(pa.schema([(name, pa.large_string()) for name in table.column_names]))
    _check_cell_sizes(path, table)
    if _has_empty_rows(table):  # a blank line, or a row of empty cells (;;;)
        blank_line = _first_bad_row(path, content, delimiter)
        if blank_line:
            raise blank_line
    names = [str(cell or "").strip() for cell in table.slice(0, 1).to_pylist()[0].values()]
    body = _named_columns(path, names, table.slice(1).columns)
    if quoted:
        _check_line_breaks(path, body, multiline_columns)
    columns = {name: _trimmed(column) for name, column in body.items()}
    frame = pd.DataFrame({name: pd.Series(column, dtype="str") for name, column in columns.items()})
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), name=ROW_INDEX)
    return frame


def _header(path: Path, content: bytes, delimiter: str) -> str:
    """The first line, which must hold the delimiter and at most MAX_COLUMNS cells."""
    end_of_header = content.find(b"\n")
    header = content[: end_of_header if end_of_header >= 0 else None].decode("utf-8")
    if delimiter not in header:
        found = next((d for d in (",", "\t", "|") if d in header), None)
        problem = f"the header has no {delimiter!r} separators"
        if found:
            problem += f" but is separated by {found!r}"
        raise InputRejected(
            str(path),
            problem,
            f"export the file with {delimiter!r} as the column separator",
            rule="separator",
            row=1,
        )
    if header.count(delimiter) >= MAX_COLUMNS:
        raise InputRejected(
            str(path),
            f"the header has {header.count(delimiter) + 1:,} columns, more than the "
            f"{MAX_COLUMNS} an export may have",
            "check that the first line is the export's header",
            rule="column_count_limit",
            row=1,
        )
    return header


def _arrow_table(
    rows: Any, width: int, delimiter: str, quoted: bool, block_size: int | None
) -> Any:
    """The rows as an Arrow table of text columns, the header its first row."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    return arrow_csv.read_csv(
        pa.BufferReader(rows),
        read_options=arrow_csv.ReadOptions(autogenerate_column_names=True, block_size=block_size),
        # A line break can only be inside a value when the file quotes values; without
        # quotes Arrow splits the file into blocks at any line break, twice as fast. A blank
        # line is read as a row without values (ignore_empty_lines would drop it, and every
        # later row's number would be one too small).
        parse_options=arrow_csv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=quoted,
            ignore_empty_lines=False,
        ),
        convert_options=arrow_csv.ConvertOptions(
            # every cell stays text (the suite checks types, not the reader); the header is
            # read as the first row, so the columns are named f0, f1, ...
            # (large_string: the type pandas keeps text in, so no copy is made later)
            column_types={f"f{i}": pa.large_string() for i in range(width)},
            null_values=[""],
            strings_can_be_null=True,
            auto_dict_encode=False,
            include_missing_columns=False,
            timestamp_parsers=[],
            true_values=[],
            false_values=[],
        ),
    )


def _end_of_rows(content: bytes) -> int:
    """Where the rows end: blank lines at the end of a file are no rows."""
    end = len(content)
    while end and content[end - 1] in b"\r\n":
        end -= 1
    return end + (end < len(content))  # keep one line break


def _has_empty_rows(table: Any) -> bool:
    """Whether a row has no value at all (Arrow reads a blank line as such a row)."""
    import pyarrow.compute as pc

    empty = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    return bool(pc.any(empty).as_py())


def _check_cell_sizes(path: Path, table: Any) -> None:
    """No cell (the header's included) longer than MAX_CELL_BYTES."""
    import pyarrow.compute as pc

    for position, column in enumerate(table.columns, start=1):
        lengths = pc.binary_length(column)
        if (pc.max(lengths).as_py() or 0) > MAX_CELL_BYTES:
            row = pc.index(pc.greater(lengths, MAX_CELL_BYTES), True).as_py() + 1
            raise InputRejected(
                str(path),
                f"a cell of {pc.max(lengths).as_py():,} bytes, more than the "
                f"{MAX_CELL_BYTES:,} a cell may have",
                "the export is probably damaged (a quote left open?); deliver it again",
                rule="cell_size_limit",
                row=row,
                column=f"{position}" if row == 1 else _column_name(table, position),
            )


def _column_name(table: Any, position: int) -> str:
    """The header's name of a column (numbered from 1), or its number when it has none."""
    name = str(table.column(position - 1)[0].as_py() or "").strip()
    return shown(name) if name else str(position)


def _named_columns(path: Path, names: list[str], columns: list[Any]) -> dict[str, Any]:
    """The columns by header name. A name twice is rejected (which column would be meant?),
    as is a column without a name that holds a value; one without any (a separator at the
    end of every line) is left out."""
    import pyarrow.compute as pc

    named: dict[str, Any] = {}
    for position, (name, column) in enumerate(zip(names, columns, strict=True), start=1):
        if not name:
            if column.null_count < len(column):
                raise InputRejected(
                    str(path),
                    "this column has no name in the header but holds values",
                    "name the column in the header, or leave it out of the export",
                    rule="named_columns",
                    row=pc.index(pc.is_valid(column), True).as_py() + FIRST_DATA_ROW,
                    column=str(position),
                )
            continue
        if name in named:
            name_shown = shown(name)
            raise InputRejected(
                str(path),
                f"the header names column {names.index(name) + 1} and column {position} "
                f"both {name_shown!r}",
                "give every column its own name; deliver each column once",
                rule="unique_column_names",
                row=1,
                column=name_shown,
            )
        named[name] = column
    return named


def _check_line_breaks(path: Path, columns: dict[str, Any], multiline: tuple[str, ...]) -> None:
    """A quoted line break is taken only in free text: in a code or an id it is an error of
    the export (the id would be stored with the line break in it)."""
    import pyarrow.compute as pc

    for name, column in columns.items():
        if name in multiline:
            continue
        broken = pc.match_substring_regex(column, "[\r\n]")
        if pc.any(broken).as_py():
            raise InputRejected(
                str(path),
                "a line break inside the value (in a quoted cell); only free text may hold one",
                "remove the line break from the value in the source system and export again",
                rule="no_line_break_in_value",
                row=pc.index(broken, True).as_py() + FIRST_DATA_ROW,
                column=shown(name),
            )


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


def _first_bad_row(path: Path, content: bytes, delimiter: str) -> InputRejected | None:
    """The first row whose cell count differs from the header's, a blank line between rows,
    or a cell over the size limit; None when there is none (only on the error path, so a
    plain scan is fine; the text is decoded as it is read, never copied whole). The row's
    content is not repeated: it may hold a BSN."""
    rows = csv.reader(
        io.TextIOWrapper(io.BytesIO(content), "utf-8", newline=""), delimiter=delimiter
    )
    number, blank, expected = 0, None, 0
    try:
        for number, row in enumerate(rows, start=1):  # the header is row 1
            if number == 1:
                expected = len(row)
            elif not row:
                blank = blank or number  # only an error when a row follows
            elif blank:
                return _rejected_row(path, blank, "an empty line between rows", "no_blank_row")
            elif len(row) != expected:
                cut_off = len(row) < expected and not any(rows)
                return _rejected_row(
                    path,
                    number,
                    f"{len(row)} cells where the header has {expected}"
                    + (": the file looks cut off" if cut_off else ""),
                    "cells_per_row",
                    "deliver the complete export again"
                    if cut_off
                    else "a text cell probably holds an unquoted separator; quote such cells",
                )
    except csv.Error as error:  # a cell over the limit made Arrow's row too long
        rule = "cell_size_limit" if "field limit" in str(error) else "csv_syntax"
        return _rejected_row(path, number + 1, f"cannot be read as CSV ({error})", rule)
    return None


def _misaligned(path: Path) -> InputRejected:
    return InputRejected(
        str(path),
        "the rows do not line up with the header",
        "check the quoting of text cells in the export",
        rule="cells_per_row",
    )


def _rejected_row(
    path: Path,
    row: int,
    problem: str,
    rule: str,
    hint: str = "remove the line or deliver the export again",
) -> InputRejected:
    return InputRejected(str(path), problem, hint, rule=rule, row=row)
