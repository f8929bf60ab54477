"""The cohort a retention figure or a survival curve is about, in Dutch, and the published
Kaplan-Meier curve as its steps; shared by the reports and the dashboard.

A cohort is the placements started in a quarter ('quarter'), or, for a region where a
quarter's cohort is too small to publish, those started in the four quarters up to and
including it ('rolling_year': "voortschrijdend jaar: 2022-K3 t/m 2023-K2"). The published
curve (pub_cohort_survival) drops only at its steps (`is_step`), each holding enough people
lost; between two steps it stays at the last one, so it is drawn as a step curve from the
published points and never interpolated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from duurzaam.quarters import Quarter

QUARTER = "quarter"
ROLLING_YEAR = "rolling_year"
ROLLING_YEAR_QUARTERS = 4
WHY_ROLLING = "voortschrijdend jaar: in één kwartaal begonnen te weinig mensen"

# A published row, column -> value (a dict, or pandas' records of a frame).
Record = Mapping[Any, Any]
# A published curve's point as the charts draw it: month, survival, the lower and upper
# bound of its step's interval (fractions 0..1).
SurvivalPoint = tuple[int, float, float | None, float | None]


def is_rolling(kind: Any) -> bool:
    """Whether the cohort is a rolling year (an unknown kind is a quarter's cohort)."""
    return not _missing(kind) and str(kind) == ROLLING_YEAR


def _first(cohort_quarter: Quarter | str) -> tuple[Quarter, Quarter]:
    last = Quarter.parse(cohort_quarter) if isinstance(cohort_quarter, str) else cohort_quarter
    return last - (ROLLING_YEAR_QUARTERS - 1), last


def cohort_label(cohort_quarter: Quarter | str, kind: Any) -> str:
    """'2023-K2', or 'voortschrijdend jaar: 2022-K3 t/m 2023-K2'."""
    first, last = _first(cohort_quarter)
    if is_rolling(kind):
        return f"voortschrijdend jaar: {first.label_nl} t/m {last.label_nl}"
    return last.label_nl


def cohort_phrase(cohort_quarter: Quarter | str, kind: Any) -> str:
    """When the cohort started, to follow 'mensen die ... begonnen': 'in 2023-K2', or
    'tussen 2022-K3 en 2023-K2'."""
    first, last = _first(cohort_quarter)
    if is_rolling(kind):
        return f"tussen {first.label_nl} en {last.label_nl}"
    return f"in {last.label_nl}"


def cohort_kind(rows: Iterable[Record]) -> str:
    """The kind of the cohort the rows of one curve belong to ('quarter' when unknown)."""
    for row in rows:
        if is_rolling(row.get("cohort_kind")):
            return ROLLING_YEAR
    return QUARTER


def published_curve(rows: Iterable[Record]) -> list[Record]:
    """The rows of one published curve (month, survival, is_step, ...) that a step chart
    needs: its start, every step, and its last published month (to which the last step
    holds); nothing after the first month the layer withholds, and no month between two
    steps (its survival is the earlier step's)."""
    ordered = sorted(rows, key=lambda row: int(row["month"]))
    shown: list[Record] = []
    for row in ordered:
        if _missing(row["survival"]) or isinstance(row["survival"], str):
            break  # the curve is cut off here: fewer still followed than the threshold
        shown.append(row)
    return [
        row
        for index, row in enumerate(shown)
        if index in (0, len(shown) - 1) or _true(row.get("is_step"))
    ]


def first_withheld_month(rows: Iterable[Record]) -> int | None:
    """The month from which the layer withholds the curve, or None when it shows all of it."""
    for row in sorted(rows, key=lambda row: int(row["month"])):
        if _missing(row["survival"]) or isinstance(row["survival"], str):
            return int(row["month"])
    return None


def _true(value: Any) -> bool:
    return not _missing(value) and bool(value)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
