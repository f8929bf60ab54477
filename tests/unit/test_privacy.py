import pandas as pd
from duurzaam.privacy import is_valid_bsn, pseudonymise, suppress_count, suppress_rate


def test_bsn_11_proef():
    values = pd.Series(["111222333", "123456782", "123456789", "12345678", "abcdefghi",
                        "000000000", None])
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
