import hashlib
import hmac

import pandas as pd

from duurzaam.privacy import is_valid_bsn, pseudonymise, suppress_count, suppress_rate


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


def test_small_counts_and_rates_are_suppressed():
    assert suppress_count(9, 10) == "<10"
    assert suppress_count(0, 10) == "<10"
    assert suppress_count(10, 10) == "10"
    assert suppress_count(6123, 10) == "6.123"
    assert suppress_rate(0.5, 9, 10) == "n<10"
    assert suppress_rate(0.625, 40, 10) == "62,5%"


def test_pseudonyms_are_hmac_sha256_of_each_value_and_keep_missing_values():
    values = pd.Series(["111222333", None, "111222333", "123456782"], index=[5, 6, 7, 8])
    result = pseudonymise(values, b"key")
    expected = hmac.new(b"key", b"111222333", hashlib.sha256).hexdigest()
    assert result[5] == expected and result[7] == expected
    assert pd.isna(result[6])
    assert result[8] != expected and len(result[8]) == 64
    assert list(result.index) == [5, 6, 7, 8]


def test_secondary_suppression_protects_a_single_small_cell():
    from duurzaam.privacy import cells_to_suppress

    # 5 is small; shown alone beside 40 and 80 it would follow from the total 125
    assert cells_to_suppress([40, 5, 80], 10) == [True, True, False]
    assert cells_to_suppress([40, 5, 3, 80], 10) == [False, True, True, False]  # two: enough
    assert cells_to_suppress([40, 80], 10) == [False, False]
    assert cells_to_suppress([5], 10) == [True]
