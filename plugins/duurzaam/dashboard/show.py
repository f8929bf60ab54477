"""How the dashboard writes a published value: Dutch number formats (1.234; 62,5%) and dates
(7 december 2026), a value the published layer withheld as it publishes it, a missing one as
'–'. Chart values are plain numbers or None (no point drawn)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from duurzaam.publication.labels import percentage, thousands
from duurzaam.quarters import Quarter

MISSING = "–"
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def day(when: date) -> str:
    """A date as a Dutch reader writes it: 7 december 2026."""
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def period(quarter: str) -> str:
    """The days of a quarter: 1 april 2024 t/m 30 juni 2024."""
    parsed = Quarter.parse(quarter)
    return f"{day(parsed.start)} t/m {day(parsed.end)}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: Any) -> float | None:
    """The value as a number, None when missing or withheld."""
    if _missing(value) or isinstance(value, str):
        return None
    return float(value)


def count(value: Any) -> str:
    if _missing(value):
        return MISSING
    if isinstance(value, str):  # withheld, as the published layer writes it
        return value
    return thousands(int(value))


people = count


def rounded(value: Any) -> str:
    """A count the published layer rounds to a multiple of 5 (people still followed on a
    survival curve): 'ca. 35', or what stands in its place."""
    shown = count(value)
    return shown if _number(value) is None else f"ca. {shown}"


def number(value: Any) -> str:
    """A figure with one decimal (jobs in units of 25.5 hours): 1.234,5."""
    found = _number(value)
    if found is None:
        return MISSING if not isinstance(value, str) else value
    return f"{found:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def figure(value: Any, kind: str) -> str:
    if kind == "count":
        return count(value)
    if isinstance(value, str):
        return value
    return percentage(value)


def value(value: Any, kind: str) -> float | None:
    """The number a chart draws or a table sorts by: rates as percentages."""
    found = _number(value)
    if found is None:
        return None
    return round(found * 100, 1) if kind == "rate" else found


def count_point(value: Any) -> int | None:
    found = _number(value)
    return None if found is None else int(found)


def rate_value(value: Any) -> float | None:
    """A share 0..1 as a percentage with one decimal, for a chart."""
    found = _number(value)
    return None if found is None else round(found * 100, 1)


def number_value(value: Any) -> float | None:
    found = _number(value)
    return None if found is None else round(found, 1)


def score(value: Any) -> float | None:
    found = _number(value)
    return None if found is None else round(found, 2)


def add(first: Any, second: Any) -> float | None:
    a, b = _number(first), _number(second)
    return None if a is None or b is None else a + b


def plain(value: Any) -> Any:
    """A value as JSON writes it."""
    if _missing(value):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)
