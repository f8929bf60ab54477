"""The Quarter type: '2024Q4' in code and file names, '2024KW04' at CBS, dates at the edges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_ISO = re.compile(r"^(\d{4})Q([1-4])$")
_CBS = re.compile(r"^(\d{4})KW0([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"quarter number must be 1-4, got {self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read '2024Q4' or the CBS form '2024KW04'."""
        text = text.strip().upper()
        match = _ISO.match(text) or _CBS.match(text)
        if not match:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2024Q4 or 2024KW04)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def cbs(self) -> str:
        return f"{self.year}KW0{self.number}"

    @property
    def label_nl(self) -> str:
        """How a Dutch reader writes it: 2024-K4."""
        return f"{self.year}-K{self.number}"

    def next(self) -> Quarter:
        return self + 1

    def previous(self) -> Quarter:
        return self - 1

    def __add__(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __sub__(self, quarters: int) -> Quarter:
        return self + (-quarters)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """All quarters from first to last, both included."""
    if last < first:
        raise ValueError(f"empty quarter range: {first} comes after {last}")
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    return quarters


def parse_quarter_range(text: str) -> list[Quarter]:
    """Read '2019Q1:2025Q4' (inclusive) or a single quarter '2024Q4'."""
    first, _, last = text.partition(":")
    return quarter_range(Quarter.parse(first), Quarter.parse(last or first))
