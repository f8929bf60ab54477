"""The interface every source module provides, as Protocols: a module satisfies one
structurally, so mypy checks each module where it is assigned to one (sources/__init__.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pandas as pd

from duurzaam.ingest.privacy import Pseudonymisation
from duurzaam.quarters import Quarter


class Source(Protocol):
    """A source: its name, its raw table, and how its extract is read and prepared."""

    SOURCE: str
    RAW_COLUMNS: list[tuple[str, str]]  # the raw table: (column, SQL type)

    def read(self, path: Path) -> pd.DataFrame:
        """The file as a text frame indexed by source row."""
        ...

    def prepare_for_validation(
        self, frame: pd.DataFrame, quarter: Quarter | None = None
    ) -> pd.DataFrame:
        """The frame the source's expectation suite runs on."""
        ...

    def to_raw(self, prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
        """The validated frame as rows of the raw table; `pseudonyms` those of the file's
        BSNs, when it has them."""
        ...


class FetchedSource(Source, Protocol):
    """A source pulled over HTTP."""

    def fetch(self, url: str, quarter: str, destination: Path) -> Path:
        """Downloads the quarter's extract to destination; returns the file written."""
        ...
