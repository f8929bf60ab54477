"""What the published layer withheld, as a report reads it: a value null with its
`<column>_suppressed` text ('<10', 'x', 'n<10') beside it is shown as that text, never
computed with, and noted for the report's list of what was not shown."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.publication.cohorts import QUARTER, ROLLING_YEAR, is_rolling
from duurzaam.publication.labels import percentage, thousands


class Disclosure:
    """Reads what the published models withheld, and keeps a list of it for the report to
    say. A value is shown only as published: nothing is computed from a withheld one."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.withheld: dict[str, list[str]] = {}  # section -> what was not shown

    def withhold(self, section: str, what: str) -> None:
        self.withheld.setdefault(section, []).append(what)

    def value(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> float | None:
        """The row's value of `column`, or None when it is unknown or withheld (a withheld
        one is noted under `section`)."""
        if missing(row[column]):
            self._note(row, column, section, what)
            return None
        return float(row[column])

    def count(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> int | None:
        value = self.value(row, column, section, what)
        return None if value is None else int(value)

    def show_count(self, row: Any, column: str, section: str | None = None, what: str = "") -> str:
        """The count in Dutch ('6.123'), what stands in its place when withheld, or '–'."""
        marker = self._note(row, column, section, what)
        if marker is not None:
            return marker
        return "–" if missing(row[column]) else thousands(int(row[column]))

    def show_rate(self, row: Any, column: str, section: str | None = None, what: str = "") -> str:
        """The rate as a percentage ('62,5%'), what stands in its place when withheld, or
        '–'."""
        marker = self._note(row, column, section, what)
        return marker if marker is not None else percentage(row[column])

    def _note(self, row: Any, column: str, section: str | None, what: str) -> str | None:
        """The text the layer publishes in place of a withheld value (noted under `section`),
        or None when the value is not withheld."""
        marker = withheld_marker(row, column)
        if marker is not None and section:
            self.withhold(section, what)
        return marker


def withheld_marker(row: Any, column: str) -> str | None:
    """'<10', 'x' or 'n<10' where the published layer withheld the row's `column`."""
    marker = row.get(f"{column}_suppressed")
    return None if missing(marker) else str(marker)


def retention_kind(cohort: pd.Series | None) -> str:
    """Whether the region's retention figures are of a quarter's cohort or a rolling year's."""
    if cohort is None or not is_rolling(cohort.get("retention_cohort_kind")):
        return QUARTER
    return ROLLING_YEAR


def as_float(value: Any) -> float | None:
    return None if missing(value) else float(value)


def missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
