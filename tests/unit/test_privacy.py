import hashlib
import hmac
import signal
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from duurzaam.ingest.privacy import (
    BSN_MASK,
    HASH_HERE_BELOW,
    Pseudonymisation,
    bsn_cells,
    bsn_rows,
    is_valid_bsn,
    mask_bsn_like,
    pseudonymise,
)
from tests.extracts import VALID_BSNS


def test_bsn_11_proef():
    values = pd.Series(
        ["111222333", "123456782", "123456789", "12345678", "abcdefghi", "000000000", None]
    )
    assert is_valid_bsn(values).tolist() == [True, True, False, False, False, False, False]


def test_pseudonym_is_keyed_stable_and_not_the_bsn():
    bsn = pd.Series(["111222333", "123456782", "111222333"])
    first = pseudonymise(bsn, b"key-one")
    assert first[0] == first[2] != first[1]
    assert len(first[0]) == 64 and "111222333" not in first[0]
    assert (pseudonymise(bsn, b"key-two") != first).all()


def test_pseudonyms_are_hmac_sha256_of_each_value_and_keep_missing_values():
    values = pd.Series(["111222333", None, "111222333", "123456782"], index=[5, 6, 7, 8])
    result = pseudonymise(values, b"key")
    expected = hmac.new(b"key", b"111222333", hashlib.sha256).hexdigest()
    assert result[5] == expected and result[7] == expected
    assert pd.isna(result[6])
    assert result[8] != expected and len(result[8]) == 64
    assert list(result.index) == [5, 6, 7, 8]


def test_pseudonyms_of_a_column_read_in_chunks():
    """A large extract arrives from Arrow's reader as a column of several chunks."""
    chunks = pa.chunked_array([["111222333", None], ["123456782", "111222333"]])
    values = pd.Series(pd.arrays.ArrowStringArray(chunks))
    result = pseudonymise(values, b"key")
    assert result.tolist()[::2] == [
        hmac.new(b"key", bsn.encode(), hashlib.sha256).hexdigest()
        for bsn in ("111222333", "123456782")
    ]
    assert pd.isna(result[1]) and result[3] == result[0]


def random_nine_digit_ids(n: int, seed: int = 3) -> pd.Series:
    numbers = np.random.default_rng(seed).integers(100_000_000, 999_999_999, n)
    return pd.Series(numbers.astype(str))


@pytest.mark.parametrize(
    "note",
    [
        "zie dossier bsn 123456782",
        "zie dossier BSN: 123.456.782",
        "bsn 123 456 782 gebeld",
        "bsn-nummer 123-456-782",
        "bsn123456782",
    ],
)
def test_a_bsn_in_free_text_is_found(note):
    notes = pd.Series(["geen bijzonderheden", note, "contract verlengd"])
    assert bsn_cells(notes).tolist() == [False, True, False]


def test_a_bsn_pasted_into_an_id_column_is_found():
    ids = pd.Series([f"WG{n:04d}" for n in range(200)])
    ids[17] = "123456782"
    ids[40] = " 111.222.333 "
    assert bsn_cells(ids)[bsn_cells(ids)].index.tolist() == [17, 40]


def test_a_column_of_bsns_under_another_name_is_found():
    numbers = pd.Series(VALID_BSNS * 20)
    assert bsn_cells(numbers).all()
    # a few, too: three numbers that all pass are no chance
    assert bsn_cells(pd.Series(VALID_BSNS[:3])).all()


def test_digit_runs_inside_a_pseudonym_are_not_bsns():
    """A 16-character hexadecimal pseudonym whose nine-digit run passes the 11-proef."""
    pseudonyms = pd.Series(["5f123456782ab0c1", "a0111222333bcdef", "9d3e4f5a6b7c8d9e"])
    assert is_valid_bsn(pd.Series(["123456782", "111222333"])).all()  # the runs would pass
    assert not bsn_cells(pseudonyms).any()


def test_nine_digit_ids_that_pass_by_chance_are_not_bsns():
    ids = random_nine_digit_ids(5000)
    passing = is_valid_bsn(ids).mean()
    assert 0.07 < passing < 0.11  # about one in eleven pass the 11-proef by chance
    assert not bsn_cells(ids).any()
    sequential = pd.Series([str(n) for n in range(100_000_001, 100_002_001)])
    assert not bsn_cells(sequential).any()


def test_a_column_of_nine_digit_ids_with_mostly_bsns_is_found():
    ids = random_nine_digit_ids(300)
    ids[:150] = (VALID_BSNS * 30)[:150]
    assert bsn_cells(ids)[:150].all()


def test_bsn_rows_skips_the_bsn_column_and_flags_rows():
    text = pd.DataFrame(
        {
            "bsn": VALID_BSNS[:3],
            "persoon_id": ["5f123456782ab0c1", "P000002", "P000003"],
            "opmerking": [None, "bsn 111 222 333", "geen"],
        }
    )
    assert bsn_rows(text).tolist() == [False, True, False]


def test_masking_hides_every_bsn_shaped_run_even_inside_codes():
    """Detection skips digit runs inside codes; what is stored masked hides them all."""
    masked = mask_bsn_like(pd.Series(["P111222333", "zie bsn 123.456.782", "PL000123"]))
    assert masked.tolist() == [f"P{BSN_MASK}", f"zie bsn {BSN_MASK}", "PL000123"]


@pytest.mark.parametrize("key", [b"key", b"k" * 64, b"a key longer than the 64-byte block " * 3])
def test_pseudonyms_hashed_in_the_child_process_are_hmac_sha256_too(key):
    """Enough distinct values to be hashed in the child process; keys shorter than, as long
    as and longer than SHA-256's block; values of other lengths and non-ASCII ones."""
    values = pd.Series(
        [f"{n:09d}" for n in range(HASH_HERE_BELOW + 10)] + ["Zoë", "", None], dtype="str"
    )
    result = pseudonymise(values, key)
    for position in (0, 7, HASH_HERE_BELOW + 9, len(values) - 3, len(values) - 2):
        expected = hmac.new(key, values.iloc[position].encode(), hashlib.sha256).hexdigest()
        assert result.iloc[position] == expected
    assert pd.isna(result.iloc[-1])


def test_a_pseudonymisation_not_collected_stops_its_child_process():
    """Left at once, while the child is still hashing (about a second's work): the child is
    killed, not left to finish, and waited for."""
    values = pd.Series([f"{n:09d}" for n in range(HASH_HERE_BELOW * 25)], dtype="str")
    with Pseudonymisation(values, b"key") as pseudonyms:
        child = pseudonyms._child
        assert child is not None
    assert child.returncode == -signal.SIGKILL
    assert pseudonyms._received < len(values)  # it had not handed over every digest


def test_the_pseudonyms_of_some_rows_come_before_the_child_has_hashed_them_all():
    """The child hands its digests over block by block; the rows asked for (any labels, in
    any order) get the pseudonyms of their own values, a missing value stays missing."""
    key = b"key"
    values = pd.Series(
        [f"{n:09d}" for n in range(HASH_HERE_BELOW * 4)] + [None],
        index=pd.RangeIndex(2, HASH_HERE_BELOW * 4 + 3, name="row"),
        dtype="str",
    )
    with Pseudonymisation(values, key) as pseudonyms:
        rows = pd.Index([5, 2, HASH_HERE_BELOW * 4 + 2, 3], name="row")
        some = pseudonyms.result(rows)
        every = pseudonyms.result()
    assert some.index.equals(rows)
    for row in (5, 2, 3):
        expected = hmac.new(key, values[row].encode(), hashlib.sha256).hexdigest()
        assert some[row] == every[row] == expected
    assert pd.isna(some[HASH_HERE_BELOW * 4 + 2])


def test_is_valid_bsn_reads_a_column_sliced_out_of_a_larger_one():
    values = pd.Series(["x", *VALID_BSNS, "123456789", "000000000"], dtype="str")
    assert is_valid_bsn(values.iloc[1:]).tolist() == [True] * len(VALID_BSNS) + [False, False]


def test_a_bsn_in_one_cell_of_a_long_column_is_found():
    """The column's text is first searched as a whole (the cells one after the other) for
    nine digits; a single BSN among many cells that cannot hold one is still found, in a
    slice of a larger column too."""
    cells = [f"PL{n:07d}" for n in range(50_000)]
    cells[31_337] = f"zie {VALID_BSNS[1]}"
    column = pd.Series(["x", *cells], dtype="str").iloc[1:]
    assert bsn_cells(column).sum() == 1
    assert bsn_cells(column).iloc[31_337]
    assert not bsn_cells(pd.Series([f"PL{n:07d}" for n in range(50_000)], dtype="str")).any()


def test_digests_that_cannot_be_taken_in_fail_the_pseudonyms_instead_of_waiting_for_them(
    monkeypatch,
):
    """Whatever stops the reading of the child's digests (here: no memory for the second
    block), result() raises, and the child is stopped."""
    values = pd.Series([f"{n:09d}" for n in range(HASH_HERE_BELOW * 6)], dtype="str")
    taken_in = Pseudonymisation._add_digests

    def second_block_fails(self, digests):
        if self._received:
            raise MemoryError("no memory for the second block")
        taken_in(self, digests)

    monkeypatch.setattr(Pseudonymisation, "_add_digests", second_block_fails)
    raised: list[BaseException] = []

    def collect(pseudonyms):
        try:
            pseudonyms.result()
        except BaseException as error:
            raised.append(error)

    with Pseudonymisation(values, b"key") as pseudonyms:
        waiting = threading.Thread(target=collect, args=(pseudonyms,), daemon=True)
        waiting.start()
        waiting.join(timeout=60)
        assert not waiting.is_alive(), "result() still waits for digests that cannot come"
        assert pseudonyms._child is not None and pseudonyms._child.returncode is not None
    assert len(raised) == 1 and isinstance(raised[0], RuntimeError)
    assert isinstance(raised[0].__cause__, MemoryError)
