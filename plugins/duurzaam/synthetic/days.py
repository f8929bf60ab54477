"""Dates as day numbers (days since 1970-01-01, int64): the simulation works on arrays of them."""

from __future__ import annotations

from datetime import date

import numpy as np

from duurzaam.quarters import Quarter


def day(value: date) -> np.int64:
    return np.datetime64(value, "D").astype(np.int64)


def years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def quarter_keys(days: np.ndarray) -> np.ndarray:
    """year * 4 + quarter number - 1, the same key as `quarter_key`."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3 + 1970 * 4


def quarter_key(quarter: Quarter) -> int:
    return quarter.year * 4 + quarter.number - 1


def month_ends(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return (months + 1).astype("datetime64[D]").astype(np.int64) - 1
