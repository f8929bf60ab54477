"""Privacy: the BSN 11-proef, keyed pseudonymisation and masking. Small-cell suppression of
what is published is done once, in the warehouse (dbt_project/macros/disclosure.sql)."""

from __future__ import annotations

import binascii
import struct
import subprocess
import sys
import threading
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest import keyed_hash
from duurzaam.ingest.arrow_text import text_array, value_offsets
from duurzaam.ingest.keyed_hash import DIGEST_SIZE, hmac_sha256_digests

BSN_MASK = "*********"
# 11-proef weights: 9..2 for the first eight digits, -1 for the last.
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(values: pd.Series) -> pd.Series:
    """True where the value is 9 digits passing the 11-proef (and not 000000000)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = text_array(values.astype("str"), pa.large_string())
    well_formed = pc.fill_null(pc.match_substring_regex(cells, r"^[0-9]{9}$"), False)
    result = np.zeros(len(values), dtype=bool)
    mask = well_formed.to_numpy(zero_copy_only=False)
    if mask.any():
        # The nine ASCII digits of each value as an (n, 9) array of bytes, read from the
        # Arrow buffer of the well-formed values (nine bytes each, one after the other); the
        # weighted sum is taken a digit position at a time, in 32 bits.
        nines = pc.filter(cells, well_formed)
        start = int(value_offsets(nines)[0])
        data = np.frombuffer(nines.buffers()[2], dtype=np.uint8, count=9 * len(nines), offset=start)
        characters = data.reshape(-1, 9)
        checksum = np.zeros(len(characters), dtype=np.int32)
        for position, weight in enumerate(_BSN_WEIGHTS):
            checksum += weight * (characters[:, position].astype(np.int32) - 48)
        not_zero = (characters != ord("0")).any(axis=1)
        result[mask] = (checksum % 11 == 0) & not_zero
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

    cells = text_array(text, pa.large_string())
    # Most columns cannot hold one: their cells are shorter than nine characters (than nine
    # bytes, so), or no nine digits occur in the column's text at all.
    if len(cells) == 0 or (pc.max(pc.binary_length(cells)).as_py() or 0) < 9:
        return text.iloc[:0]
    digit = "[0-9]" if pc.all(pc.string_is_ascii(cells)).as_py() is not False else r"\p{Nd}"
    pattern = f"{digit}{{3}}[ .-]?{digit}{{3}}[ .-]?{digit}{{3}}"
    if not pc.any(pc.match_substring_regex(_as_one_text(cells), pattern)).as_py():
        return text.iloc[:0]
    candidate = pc.match_substring_regex(cells, pattern)
    return text[pc.fill_null(candidate, False).to_numpy(zero_copy_only=False)]


def _as_one_text(cells: Any) -> Any:
    """The cells of an Arrow large_string array one after the other, as an array of one
    value (the same buffer, no copy): RE2 scans it at memory speed, where a match per cell
    costs a call per cell. What matches in no cell may match across two in this text, never
    the other way round, so a text without a match is a column without one."""
    import pyarrow as pa

    offsets = value_offsets(cells)
    bounds = pa.py_buffer(np.array([offsets[0], offsets[-1]], dtype=np.int64))
    return pa.LargeStringArray.from_buffers(1, bounds, cells.buffers()[2])


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


def masked_text(text: str) -> str:
    """One text (a header name, a message) with every BSN-shaped number masked."""
    return str(mask_bsn_like(pd.Series([text], dtype=object)).iat[0])


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
    suite runs meanwhile) and `result()` collects them. Each distinct value is hashed once,
    in the order the values first occur, and the child hands its digests over as it goes:
    the pseudonyms of the first rows are there long before the last are hashed. The digests
    are turned into text in one piece rather than one string per value. A handful of values
    are hashed here (a child costs more)."""

    def __init__(self, values: pd.Series, key: bytes):
        import pyarrow as pa
        import pyarrow.compute as pc

        if not key:
            raise ValueError("an empty pseudonymisation key is not a key")
        cells = text_array(values, pa.string())
        self._index = values.index
        self._encoded = pc.dictionary_encode(cells)  # its dictionary: in order of occurrence
        distinct = self._encoded.dictionary.cast(pa.binary())  # UTF-8 bytes
        self._count = len(distinct)
        # The pseudonyms of the distinct values, filled in as their digests arrive.
        width = 2 * DIGEST_SIZE
        self._text = np.empty(width * self._count, dtype=np.uint8)
        self._pseudonyms = pa.StringArray.from_buffers(
            self._count,
            pa.py_buffer(np.arange(0, width * (self._count + 1), width, dtype=np.int32)),
            pa.py_buffer(self._text),
        )
        self._received, self._ended = 0, False
        self._failure: BaseException | None = None
        self._arrived = threading.Condition()
        self._child: subprocess.Popen[bytes] | None = None
        if self._count < HASH_HERE_BELOW:
            self._add_digests(hmac_sha256_digests(key, distinct.to_pylist()))
            return
        # The child reads the key, the values' offsets and their bytes, and writes the
        # digests (32 bytes each, in order) a block at a time. The key goes through the
        # pipe, not the command line, which other users can read.
        offsets = value_offsets(distinct)
        data = distinct.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
        self._child = subprocess.Popen(
            [sys.executable, "-I", "-S", keyed_hash.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read_digests, name="pseudonyms", daemon=True)
        self._reader.start()
        assert self._child.stdin is not None
        with self._child.stdin as pipe:
            pipe.write(struct.pack("<IQ", len(key), self._count) + key)
            pipe.write((offsets - offsets[0]).astype("<i8").tobytes())
            pipe.write(data)

    def result(self, rows: pd.Index | None = None) -> pd.Series:
        """The pseudonyms of the rows with these index labels (of every row without): as
        soon as the values these rows hold are hashed."""
        import pyarrow.compute as pc

        indices = self._encoded.indices
        if rows is not None:
            positions = self._index.get_indexer(rows)
            if (positions < 0).any():
                raise KeyError(f"rows not in the pseudonymised column: {list(rows[positions < 0])}")
            indices = pc.take(indices, positions)
        last = pc.max(indices).as_py()
        self._wait_for(0 if last is None else last + 1)
        # a missing value has a missing index, and stays missing
        taken = pc.take(self._pseudonyms, indices)
        return pd.Series(taken, index=self._index if rows is None else rows, dtype="str")

    def _read_digests(self) -> None:
        """In a thread of its own, so the child never waits for this process to take its
        digests: they are written into the pseudonyms as they come."""
        assert self._child is not None and self._child.stdout is not None
        try:
            while self._received < self._count:
                left = self._count - self._received
                wanted = DIGEST_SIZE * min(keyed_hash.DIGESTS_PER_WRITE, left)
                digests = self._child.stdout.read(wanted)
                if len(digests) != wanted:
                    break  # the child ended early: _wait_for reports it
                with self._arrived:
                    self._add_digests(digests)
                    self._arrived.notify_all()
        except BaseException as error:  # raised again where the pseudonyms are asked for
            self._failure = error
        finally:  # whatever stopped the reading, nobody waits for digests that cannot come
            if self._received < self._count:
                self._child.kill()
            self._child.wait()
            with self._arrived:
                self._ended = True
                self._arrived.notify_all()

    def _wait_for(self, count: int) -> None:
        """Until the first `count` distinct values have their pseudonyms (and, for the last
        of them, the child has ended well)."""
        if self._child is None:
            return
        with self._arrived:
            self._arrived.wait_for(
                lambda: self._ended or (self._received >= count and count < self._count)
            )
        if self._received < count or (self._ended and self._child.returncode != 0):
            raise RuntimeError(
                f"the pseudonymisation process ended with exit code {self._child.returncode}"
            ) from self._failure

    def _add_digests(self, digests: bytes) -> None:
        width = 2 * DIGEST_SIZE
        start = width * self._received
        self._text[start : start + 2 * len(digests)] = np.frombuffer(
            binascii.hexlify(digests), dtype=np.uint8
        )
        self._received += len(digests) // DIGEST_SIZE

    def __enter__(self) -> Pseudonymisation:
        return self

    def __exit__(self, *exception: object) -> None:
        """A child not collected (the file was rejected, or loading failed) is stopped."""
        if self._child is None:
            return
        if self._child.poll() is None:
            self._child.kill()
        self._reader.join()  # it reads to the end of the child's output, and waits for it
        if self._child.stdout is not None:
            self._child.stdout.close()


# Fewer distinct values than this are hashed in this process.
HASH_HERE_BELOW = 20_000
