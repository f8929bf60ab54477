"""Employer survey: a LimeSurvey-style wide CSV export, one row per responding employer; the
wave is the quarter of the file (`employer_survey/<YYYYQn>.csv`).

The export's codes and column names are in include/config/survey_codebook.yml; raw.employer_survey
stores the decoded values under the codebook's keys (booleans for ticked options, integers for
the Spinnenweb scores). The free-text `opmerkingen` is loaded as literal text. The optional
`werkgever_id` names a respondent that is an employer of the placements extracts (empty for
the others; older exports lack the column): a participating employer's report shows its own
answers.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from duurzaam.ingest.privacy import Pseudonymisation
from duurzaam.ingest.sources.cells import iso_dates
from duurzaam.ingest.sources.files import read_delimited
from duurzaam.quarters import Quarter
from duurzaam.settings import CONFIG_DIR, sources_config_path

SOURCE = "employer_survey"
EMPLOYER_ID = "werkgever_id"  # optional: only its rules apply, and only when it is there
CODEBOOK = CONFIG_DIR / "survey_codebook.yml"
SUBMIT_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y",
)
INVALID_SCORE = -1.0  # a score that is not a number: fails the 1..5 rule, shown as delivered


def open_weeks() -> int:
    """How many weeks after its quarter a wave may still be answered (sources.yml)."""
    with sources_config_path().open(encoding="utf-8") as handle:
        return int(yaml.safe_load(handle)[SOURCE].get("open_weeks", 8))


@cache
def codebook() -> dict[str, Any]:
    with CODEBOOK.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def option_columns() -> dict[str, str]:
    """Export column (`redenen[SQ001]`) -> stored column (`reden_maatschappelijk_ondernemen`)
    for every multiple-choice and scale item."""
    book = codebook()
    columns = {}
    for kind in ("multiple", "scale"):
        for question, spec in book[kind].items():
            for code, item in spec["items"].items():
                columns[f"{question}[{code}]"] = f"{spec['prefix']}_{item['key']}"
    return columns


def export_columns() -> list[str]:
    """The export's columns in order (werkgever_id may be missing)."""
    return [
        "id",
        EMPLOYER_ID,
        "submitdate",
        "gemeente",
        "grootte",
        "sector",
        "perspectief",
        "doelgroep_in_dienst",
        *option_columns(),
        "interview",
        "opmerkingen",
    ]


def _raw_columns() -> list[tuple[str, str]]:
    options = [
        (stored, "integer" if stored.startswith(_scale_prefixes()) else "boolean")
        for stored in option_columns().values()
    ]
    return [
        ("quarter", "text"),
        ("respondent_id", "text"),
        ("submitdate", "timestamp"),
        ("gemeente_code", "text"),
        ("werkgever_grootte", "text"),
        ("sector", "text"),
        ("perspectief", "text"),
        ("doelgroep_in_dienst", "boolean"),
        *options,
        ("interview", "boolean"),
        ("opmerkingen", "text"),
        ("_load_id", "text"),
        ("_row_number", "integer"),
        ("_loaded_at", "timestamp"),
        # last: a table created before it gets it appended (Warehouse.ensure_schema), so its
        # columns keep the order of a new one (history takes raw's rows by position)
        (EMPLOYER_ID, "text"),
    ]


def _scale_prefixes() -> tuple[str, ...]:
    return tuple(f"{spec['prefix']}_" for spec in codebook()["scale"].values())


RAW_COLUMNS: list[tuple[str, str]] = _raw_columns()


def read(path: Path) -> pd.DataFrame:
    return read_delimited(path, multiline_columns=("opmerkingen",))  # free text: may hold lines


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Codes decoded (an unknown code keeps its text, marked with '?', so the allowed-values
    rule names it), dates to ISO, scores to numbers, plus `antwoorden_consistent`: the reasons
    and contract questions are answered only by employers of the target group, the
    reasons-not-to only by the others."""
    prepared = frame.copy()
    _decode_single_choices(prepared)
    for column in ("gemeente", "sector", "doelgroep_in_dienst", "interview"):
        if column in prepared:
            prepared[column] = prepared[column].str.upper()
    if "submitdate" in prepared:
        prepared["submitdate"] = iso_dates(
            prepared["submitdate"], SUBMIT_FORMATS, "%Y-%m-%d %H:%M:%S"
        )
        if quarter is not None:
            prepared["submitdate_in_wave"] = _submitted_in_wave(prepared["submitdate"], quarter)
    _parse_options(prepared)
    if "doelgroep_in_dienst" in prepared:
        prepared["antwoorden_consistent"] = _answers_fit_employment(prepared)
    return prepared


def _submitted_in_wave(submitted: pd.Series, quarter: Quarter) -> pd.Series:
    """True where the response was submitted in the wave's quarter or in the weeks after it
    that the survey stays open; a value that is no date is reported by its own rule."""
    closes = quarter.end + timedelta(weeks=open_weeks())
    day = submitted.str[:10]
    in_wave = day.between(str(quarter.start), str(closes))
    return in_wave | ~day.str.match(r"^\d{4}-\d{2}-\d{2}$", na=False)


def _decode_single_choices(prepared: pd.DataFrame) -> None:
    """Single-choice codes to their values, in place (Y/N questions stay as they are)."""
    for column, codes in codebook()["single"].items():
        if column in prepared and column not in ("doelgroep_in_dienst", "interview"):
            key = prepared[column].str.strip()
            decoded = key.map({str(code): str(value) for code, value in codes.items()})
            prepared[column] = decoded.where(decoded.notna() | key.isna(), "?" + key)


def _parse_options(prepared: pd.DataFrame) -> None:
    """Scale answers to numbers (an unreadable one to INVALID_SCORE, which the suite
    rejects), yes/no options upper-cased; in place."""
    for column, stored in option_columns().items():
        if column not in prepared:
            continue
        if stored.startswith(_scale_prefixes()):
            numbers = pd.to_numeric(prepared[column], errors="coerce")
            invalid = numbers.isna() & prepared[column].notna()
            prepared[column] = numbers.mask(invalid, INVALID_SCORE).astype("float64")
        else:
            prepared[column] = prepared[column].str.upper()


def to_raw(prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
    """The validated frame as raw.employer_survey rows (without the load columns)."""
    raw = pd.DataFrame(index=prepared.index)
    raw["respondent_id"] = prepared["id"]
    raw["submitdate"] = pd.to_datetime(prepared["submitdate"], format="%Y-%m-%d %H:%M:%S")
    raw["gemeente_code"] = prepared["gemeente"]
    raw["werkgever_grootte"] = prepared["grootte"]
    raw["sector"] = prepared["sector"]
    raw["perspectief"] = prepared["perspectief"]
    raw["doelgroep_in_dienst"] = prepared["doelgroep_in_dienst"] == "Y"
    for column, stored in option_columns().items():
        if stored.startswith(_scale_prefixes()):
            raw[stored] = prepared[column].astype("Int64")
        else:
            raw[stored] = prepared[column] == "Y"
    raw["interview"] = prepared["interview"] == "Y"
    raw["opmerkingen"] = prepared["opmerkingen"]
    raw[EMPLOYER_ID] = prepared.get(EMPLOYER_ID, pd.Series(pd.NA, prepared.index, "string"))
    raw["_row_number"] = raw.index.astype("int64")
    return raw


def _answers_fit_employment(prepared: pd.DataFrame) -> pd.Series:
    employs = prepared["doelgroep_in_dienst"] == "Y"
    ticked = {
        question: (
            prepared[
                [c for c in option_columns() if c.startswith(f"{question}[") and c in prepared]
            ]
            == "Y"
        ).any(axis=1)
        for question in codebook()["multiple"]
    }
    why_and_how = ticked["redenen"] | ticked["contract"]
    return ~(employs & ticked["geen_reden"]) & ~(~employs & why_and_how)
