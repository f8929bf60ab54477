"""Privacy: the BSN 11-proef, keyed pseudonymisation, masking, and small-cell suppression."""

from __future__ import annotations

import hmac

import numpy as np
import pandas as pd

from duurzaam.errors import InputRejected

BSN_MASK = "*********"
# 11-proef weights: 9..2 for the first eight digits, -1 for the last.
_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])


def is_valid_bsn(values: pd.Series) -> pd.Series:
    """True where the value is 9 digits passing the 11-proef (and not 000000000)."""
    text = values.fillna("").astype(str)
    well_formed = text.str.fullmatch(r"\d{9}")
    result = pd.Series(False, index=values.index)
    if well_formed.any():
        # The nine ASCII digits of each value as a (n, 9) array of numbers, without a loop.
        raw = text[well_formed].to_numpy(dtype="S9")
        digits = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, 9).astype(np.int64) - 48
        checksum = digits @ _BSN_WEIGHTS
        result[well_formed] = (checksum % 11 == 0) & (digits.sum(axis=1) > 0)
    return result


# A BSN written inside text: nine digits, maybe grouped 3-3-3 by a space, dot or dash, not
# part of a longer number.
_BSN_IN_TEXT = r"(?<![\d])(\d{3})[ .-]?(\d{3})[ .-]?(\d{3})(?![\d])"


def contains_bsn(values: pd.Series) -> pd.Series:
    """True where the text holds a number that passes the 11-proef as a BSN (free text,
    a wrong column): such a file must not be loaded."""
    text = values.astype("str")
    # Arrow's regex engine finds the few candidate cells; only those are taken apart.
    text = text[text.str.contains(r"\d{3}[ .-]?\d{3}[ .-]?\d{3}", regex=True, na=False)]
    found = text.str.extractall(_BSN_IN_TEXT)
    if found.empty:
        return pd.Series(False, index=values.index)
    numbers = found[0] + found[1] + found[2]
    valid = is_valid_bsn(numbers)
    rows = valid[valid].index.get_level_values(0).unique()
    return pd.Series(values.index.isin(rows), index=values.index)


def mask_bsn_like(values: pd.Series) -> pd.Series:
    """Text with every BSN-shaped number replaced by the mask (valid or not: a mistyped
    BSN is still personal data)."""
    return values.str.replace(_BSN_IN_TEXT, BSN_MASK, regex=True)


def require_key_for_bsn(columns: pd.Index, key: bytes | None, file: str) -> None:
    """A file that carries BSNs cannot be accepted without the key to pseudonymise them."""
    if "bsn" in columns and not key:
        raise InputRejected(
            file,
            "the file identifies people by BSN, and no pseudonymisation key is configured",
            "set DUURZAAM_PSEUDONYM_KEY (kept outside the warehouse) and load the file again",
        )


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of each value. A plain hash is not enough: the BSN space can be enumerated.
    Each distinct value is hashed once."""
    if not key:
        raise ValueError("an empty pseudonymisation key is not a key")
    codes, distinct = pd.factorize(values)  # missing -> code -1
    pseudonyms = np.array(
        [hmac.digest(key, value.encode(), "sha256").hex() for value in distinct.tolist()]
        + [None],  # what code -1 picks
        dtype=object,
    )
    return pd.Series(pseudonyms[codes], index=values.index, dtype="str")


def suppress_count(count: int | None, threshold: int) -> str:
    """A published count: '<10' below the threshold, the number otherwise (Dutch grouping)."""
    if count is None or pd.isna(count):
        return "–"
    count = int(count)
    if count < threshold:
        return f"<{threshold}"
    return f"{count:,}".replace(",", ".")


def suppress_rate(rate: float | None, denominator: int | None, threshold: int) -> str:
    """A published percentage, hidden when its denominator is below the threshold."""
    if rate is None or pd.isna(rate) or denominator is None or pd.isna(denominator):
        return "–"
    if int(denominator) < threshold:
        return f"n<{threshold}"
    return percentage(rate)


def percentage(rate: float | None) -> str:
    """0.625 -> '62,5%' (Dutch decimal comma); unknown -> '–'."""
    if rate is None or pd.isna(rate):
        return "–"
    return f"{100 * rate:.1f}%".replace(".", ",")


def cells_to_suppress(counts: list[int | None], threshold: int) -> list[bool]:
    """Which counts of a group that adds up to a known total to hide: every count below the
    threshold (primary), and, when that hides exactly one, also the smallest other count
    (secondary), so that no hidden count follows from the total minus the shown ones."""
    hidden = [count is not None and count < threshold for count in counts]
    if sum(hidden) == 1:
        shown = [
            (count, i) for i, count in enumerate(counts) if not hidden[i] and count is not None
        ]
        if shown:
            hidden[min(shown)[1]] = True
    return hidden
