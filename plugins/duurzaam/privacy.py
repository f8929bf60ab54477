"""Privacy: the BSN 11-proef, keyed pseudonymisation and masking. Small-cell suppression of
what is published is done once, in the warehouse (dbt_project/macros/disclosure.sql)."""

from __future__ import annotations

import binascii
import struct
import subprocess
import sys

import numpy as np
import pandas as pd

from duurzaam import keyed_hash
from duurzaam.errors import InputRejected
from duurzaam.keyed_hash import DIGEST_SIZE, hmac_sha256_digests

BSN_MASK = "*********"
# 11-proef weights: 9..2 for the first eight digits, -1 for the last.
_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])


def is_valid_bsn(values: pd.Series) -> pd.Series:
    """True where the value is 9 digits passing the 11-proef (and not 000000000)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    well_formed = pc.fill_null(pc.match_substring_regex(cells, r"^[0-9]{9}$"), False)
    result = np.zeros(len(values), dtype=bool)
    mask = well_formed.to_numpy(zero_copy_only=False)
    if mask.any():
        # The nine ASCII digits of each value as a (n, 9) array of numbers, read from the
        # Arrow buffer of the well-formed values (nine bytes each, one after the other).
        nines = pc.filter(cells, well_formed)
        offsets, data = nines.buffers()[1:3]
        start = int(np.frombuffer(offsets, dtype=np.int64)[nines.offset])
        data = np.frombuffer(data, dtype=np.uint8, count=9 * len(nines), offset=start)
        digits = data.reshape(-1, 9).astype(np.int64) - 48
        checksum = digits @ _BSN_WEIGHTS
        result[mask] = (checksum % 11 == 0) & (digits.sum(axis=1) > 0)
    return pd.Series(result, index=values.index)


# A BSN written inside text: nine digits, maybe grouped 3-3-3 by a space, dot or dash, a
# token of its own: not part of a longer number, nor of a code with letters (a hexadecimal
# pseudonym such as 5f3a123456782b0c holds nine-digit runs that pass the 11-proef by chance),
# except right after the letters "bsn" ("bsn123456782").
_BSN_IN_TEXT = (
    r"(?:(?<![0-9A-Za-z])|(?<=[Bb][Ss][Nn]))"
    r"(\d{3})[ .-]?(\d{3})[ .-]?(\d{3})(?![0-9A-Za-z])"
)
# What masking hides: every BSN-shaped run of nine digits, inside codes too (broader than
# what detection counts: a masked pseudonym costs nothing, an unmasked BSN does).
_BSN_SHAPED = r"(?<!\d)\d{3}[ .-]?\d{3}[ .-]?\d{3}(?!\d)"
# A cell that is one BSN-shaped number and nothing else.
_NUMBER_CELL = r"\s*\d{3}[ .-]?\d{3}[ .-]?\d{3}\s*"
# About one in eleven random nine-digit numbers passes the 11-proef.
CHANCE_PASS_RATE = 1 / 11
# A column of numbers is taken for a column of BSNs when so many pass the 11-proef that
# chance explains it with a probability below this (a real BSN column passes 100%).
BSN_COLUMN_P_VALUE = 1e-6


def _with_nine_digits(text: pd.Series) -> pd.Series:
    """The cells holding nine digits in a row, perhaps grouped 3-3-3: the only ones that can
    hold a BSN. Found by Arrow's regex engine (RE2) over the whole column at once (pandas
    would match cell by cell in Python); a digit is any decimal digit, as Python's `\\d`
    (`\\p{Nd}`), or in a column of ASCII text, where no other digits occur, the faster 0-9."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(text, type=pa.large_string(), from_pandas=True)
    # Most columns cannot hold one: their cells are shorter than nine characters, or they
    # have a few distinct values (codes, yes/no) of which none holds nine digits.
    if len(cells) == 0 or (pc.max(pc.utf8_length(cells)).as_py() or 0) < 9:
        return text.iloc[:0]
    digit = "[0-9]" if pc.all(pc.string_is_ascii(cells)).as_py() is not False else r"\p{Nd}"
    pattern = f"{digit}{{3}}[ .-]?{digit}{{3}}[ .-]?{digit}{{3}}"
    distinct = pc.unique(cells)
    if (
        4 * len(distinct) < len(cells)
        and not pc.any(pc.match_substring_regex(distinct, pattern)).as_py()
    ):
        return text.iloc[:0]
    candidate = pc.match_substring_regex(cells, pattern)
    return text[pc.fill_null(candidate, False).to_numpy(zero_copy_only=False)]


def contains_bsn(values: pd.Series) -> pd.Series:
    """True where the text holds a number of its own that passes the 11-proef as a BSN (a
    note in free text, a BSN pasted among other words)."""
    # Only the few candidate cells are taken apart.
    text = _with_nine_digits(values.astype("str"))
    found = text.str.extractall(_BSN_IN_TEXT)
    if found.empty:
        return pd.Series(False, index=values.index)
    numbers = found[0] + found[1] + found[2]
    valid = is_valid_bsn(numbers)
    rows = valid[valid].index.get_level_values(0).unique()
    return pd.Series(values.index.isin(rows), index=values.index)


def bsn_cells(values: pd.Series) -> pd.Series:
    """True where a cell of this text column holds a BSN.

    A cell that is only a nine-digit number is judged with its column: in a column of such
    numbers (an id column of nine digits) about one in eleven passes the 11-proef by
    chance, so the column is taken for BSNs only when far more pass than chance gives (then
    every passing cell counts); in a column of other values (codes, names) a passing number
    stands out and counts. A number inside other text counts when it is a token of its own
    (contains_bsn)."""
    text = values.astype("str")
    candidates = _with_nine_digits(text)
    found = pd.Series(False, index=values.index)
    if candidates.empty:  # most columns
        return found
    whole = candidates.str.fullmatch(_NUMBER_CELL).fillna(False).astype(bool)
    digits = candidates[whole].str.replace(r"\D", "", regex=True)
    passing = is_valid_bsn(digits)
    numbers, passed = int(whole.sum()), int(passing.sum())
    if passed and (2 * numbers < text.count() or more_than_chance(passed, numbers)):
        found[passing[passing].index] = True
    free_text = contains_bsn(candidates[~whole])
    found[free_text[free_text].index] = True
    return found


def more_than_chance(passed: int, numbers: int) -> bool:
    """Do `passed` of `numbers` random nine-digit numbers pass the 11-proef too often to be
    chance? The binomial tail, or (few numbers) every one of at least three passing."""
    from scipy.stats import binom

    tail = float(binom.sf(passed - 1, numbers, CHANCE_PASS_RATE))
    return tail < BSN_COLUMN_P_VALUE or (numbers >= 3 and passed == numbers)


def bsn_rows(text: pd.DataFrame, skip: tuple[str, ...] = ("bsn",)) -> pd.Series:
    """Per row: does a text cell outside the `skip` columns hold a BSN (a note in free text,
    a BSN pasted into an id column, a column of BSNs under another name)? Every suite
    rejects such rows."""
    found = pd.Series(False, index=text.index)
    for column in text.columns.drop(list(skip), errors="ignore"):
        if pd.api.types.is_string_dtype(text[column]) or text[column].dtype == object:
            found |= bsn_cells(text[column])
    return found


def mask_bsn_like(values: pd.Series) -> pd.Series:
    """Text with every BSN-shaped number replaced by the mask (valid or not: a mistyped
    BSN is still personal data)."""
    return values.str.replace(_BSN_SHAPED, BSN_MASK, regex=True)


def require_key_for_bsn(columns: pd.Index, key: bytes | None, file: str) -> None:
    """A file that carries BSNs cannot be accepted without the key to pseudonymise them."""
    if "bsn" in columns and not key:
        raise InputRejected(
            file,
            "the file identifies people by BSN, and no pseudonymisation key is configured",
            "set DUURZAAM_PSEUDONYM_KEY (kept outside the warehouse) and load the file again",
        )


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of each value, as 64 hexadecimal characters. A plain hash is not enough:
    the BSN space can be enumerated."""
    with Pseudonymisation(values, key) as pseudonyms:
        return pseudonyms.result()


class Pseudonymisation:
    """The pseudonyms of a column's values (HMAC-SHA256 with the key, as 64 hexadecimal
    characters), hashed in a child process that starts at once: this process goes on (the
    suite runs meanwhile) and `result()` collects them. Each distinct value is hashed once;
    the digests are turned into text in one piece rather than one string per value. A
    handful of values are hashed here (a child costs more)."""

    def __init__(self, values: pd.Series, key: bytes):
        import pyarrow as pa
        import pyarrow.compute as pc

        if not key:
            raise ValueError("an empty pseudonymisation key is not a key")
        cells = pa.array(values, type=pa.string(), from_pandas=True)
        if isinstance(cells, pa.ChunkedArray):  # a large file is read in chunks
            cells = cells.combine_chunks()
        self._index = values.index
        self._encoded = pc.dictionary_encode(cells)
        distinct = self._encoded.dictionary.cast(pa.binary())  # UTF-8 bytes
        self._count = len(distinct)
        self._digests: bytes | None = None
        self._child: subprocess.Popen[bytes] | None = None
        if self._count < HASH_HERE_BELOW:
            self._digests = hmac_sha256_digests(key, distinct.to_pylist())
            return
        # The child reads the key, the values' offsets and their bytes, hashes them all,
        # then writes the digests (32 bytes each, in order). The key goes through the pipe,
        # not the command line, which other users can read.
        offsets = np.frombuffer(distinct.buffers()[1], dtype=np.int32)
        offsets = offsets[distinct.offset : distinct.offset + self._count + 1]
        data = distinct.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
        self._child = subprocess.Popen(
            [sys.executable, "-I", "-S", keyed_hash.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._child.stdin is not None
        with self._child.stdin as pipe:
            pipe.write(struct.pack("<IQ", len(key), self._count) + key)
            pipe.write((offsets - offsets[0]).astype("<i8").tobytes())
            pipe.write(data)

    def result(self) -> pd.Series:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._digests is None:
            assert self._child is not None and self._child.stdout is not None
            self._digests = self._child.stdout.read()
            if self._child.wait() != 0 or len(self._digests) != DIGEST_SIZE * self._count:
                raise RuntimeError(
                    f"the pseudonymisation process ended with exit code {self._child.returncode}"
                )
        width = 2 * DIGEST_SIZE
        offsets = np.arange(0, width * (self._count + 1), width, dtype=np.int32)
        pseudonyms = pa.StringArray.from_buffers(
            self._count, pa.py_buffer(offsets), pa.py_buffer(binascii.hexlify(self._digests))
        )
        # a missing value has a missing index, and stays missing
        return pd.Series(pc.take(pseudonyms, self._encoded.indices), index=self._index, dtype="str")

    def __enter__(self) -> Pseudonymisation:
        return self

    def __exit__(self, *exception: object) -> None:
        """A child not collected (the file was rejected, or loading failed) is stopped."""
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()
        if self._child is not None and self._child.stdout is not None:
            self._child.stdout.close()


# Fewer distinct values than this are hashed in this process.
HASH_HERE_BELOW = 20_000


def thousands(count: int) -> str:
    """6123 -> '6.123' (Dutch grouping)."""
    return f"{count:,}".replace(",", ".")


def percentage(rate: float | None) -> str:
    """0.625 -> '62,5%' (Dutch decimal comma); unknown -> '–'."""
    if rate is None or pd.isna(rate):
        return "–"
    return f"{100 * rate:.1f}%".replace(".", ",")
