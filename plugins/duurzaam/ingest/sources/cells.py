"""Text cells as what they mean, a whole column at a time in Arrow: dates in the formats an
export uses to ISO text, numbers with a decimal comma, validated ISO text to dates."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from duurzaam.ingest.arrow_text import text_array


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
