"""Placements: person-level placement spells exported by the regional employer desks.

One CSV per quarter (`placements/<YYYYQn>.csv`), holding every placement that started in or
was running during the quarter, with its state at the end of the quarter. The file identifies
a person by `bsn` (replaced by a keyed pseudonym at ingest, never stored) or `persoon_id`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from duurzaam.errors import InputRejected
from duurzaam.ingest.privacy import Pseudonymisation, is_valid_bsn
from duurzaam.ingest.sources.cells import dates_from_iso, decimal_comma_numbers, iso_dates
from duurzaam.ingest.sources.files import read_delimited
from duurzaam.quarters import Quarter

SOURCE = "placements"

PERSON_COLUMNS = ("bsn", "persoon_id")
# The contract's columns besides the person identifier, in the order of the export.
COLUMNS = (
    "plaatsing_id",
    "gemeente_code",
    "werkgever_id",
    "werkgever_grootte",
    "sector",
    "sector_type",
    "startdatum",
    "einddatum",
    "reden_einde",
    "contractvorm",
    "uren_per_week",
    "grondslag",
    "loonkostensubsidie",
    "jobcoach",
    "no_riskpolis",
    "werkplekaanpassing",
    "proefplaatsing",
    "arbeidsdeskundige",
)
YES_NO_COLUMNS = COLUMNS[-6:]
LOWERCASE_COLUMNS = ("sector_type", "reden_einde", "contractvorm", "grondslag", *YES_NO_COLUMNS)
DATE_COLUMNS = ("startdatum", "einddatum")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")

# raw.placements: the source columns (BSN replaced by the pseudonymous persoon_id), typed.
_RAW_TYPES = {"startdatum": "date", "einddatum": "date", "uren_per_week": "double precision"}
RAW_COLUMNS: list[tuple[str, str]] = [
    ("quarter", "text"),
    ("plaatsing_id", "text"),
    ("persoon_id", "text"),
    *[(column, _RAW_TYPES.get(column, "text")) for column in COLUMNS[1:]],
    ("_load_id", "text"),
    ("_row_number", "integer"),
    ("_loaded_at", "timestamp"),
]


def read(path: Path) -> pd.DataFrame:
    """The extract as text cells, one person identifier column checked, indexed by row."""
    frame = read_delimited(path)
    present = [column for column in PERSON_COLUMNS if column in frame.columns]
    if len(present) != 1:
        problem = (
            "it has both a bsn and a persoon_id column"
            if present
            else "it has no person identifier column (bsn or persoon_id)"
        )
        raise InputRejected(
            str(path), problem, "deliver exactly one of the columns bsn or persoon_id"
        )
    return frame


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Normalise text so the suite checks meaning, not spelling: dates to ISO (a value that is
    not a real date in either accepted format is marked and fails the date check),
    decimal commas to numbers (not a number -> missing), enumerations to lower case.
    Adds `bsn_11proef` when the file carries BSNs."""
    prepared = frame.copy()
    for column in LOWERCASE_COLUMNS:
        if column in prepared:
            prepared[column] = prepared[column].str.lower()
    for column in ("gemeente_code", "sector"):
        if column in prepared:
            prepared[column] = prepared[column].str.upper()
    for column in DATE_COLUMNS:
        if column in prepared:
            prepared[column] = iso_dates(prepared[column], DATE_FORMATS, "%Y-%m-%d")
    if "uren_per_week" in prepared:
        prepared["uren_per_week"] = decimal_comma_numbers(prepared["uren_per_week"])
    if "bsn" in prepared:
        prepared["bsn_11proef"] = is_valid_bsn(prepared["bsn"])
    return prepared


def to_raw(prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
    """The validated frame as raw.placements rows (without the load columns).
    A BSN is replaced by its keyed pseudonym here and goes no further."""
    raw = prepared.drop(columns=["bsn", "bsn_11proef"], errors="ignore")
    if "bsn" in prepared:
        if pseudonyms is None:
            raise ValueError("a file with BSNs is loaded with their pseudonyms only")
        raw["persoon_id"] = pseudonyms.result(prepared.index)
    for column in DATE_COLUMNS:
        raw[column] = dates_from_iso(raw[column])
    raw["_row_number"] = raw.index.astype("int64")
    return raw[[column for column, _ in RAW_COLUMNS if column in raw.columns]]
