"""Follow-up survey: placements followed over time, one row per placement per wave (T0 at the
start, T1..T8 each quarter after), `followup_survey/<YYYYQn>.csv` with the waves held in that
quarter. The two multi-select answers are comma-separated lists; raw.followup_survey keeps the
list as delivered (normalised) and one boolean column per option.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from duurzaam.ingest.privacy import Pseudonymisation
from duurzaam.ingest.sources.cells import dates_from_iso, iso_dates
from duurzaam.ingest.sources.files import read_delimited
from duurzaam.quarters import Quarter

SOURCE = "followup_survey"
COLUMNS = (
    "plaatsing_id",
    "golf",
    "datum",
    "nog_in_dienst",
    "contractvorm",
    "rol_arbeidsdeskundige",
    "ondersteuning",
    "verstoring",
)
WAVES = tuple(f"T{number}" for number in range(9))
SUPPORT = (
    "jobcoach",
    "loonkostensubsidie",
    "no_riskpolis",
    "werkplekaanpassing",
    "externe_hulp",
    "coaching",
)
DISRUPTIONS = ("corona", "reorganisatie", "leidinggevende", "prive", "geen")
MULTI_SELECT = {"ondersteuning": SUPPORT, "verstoring": DISRUPTIONS}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")

RAW_COLUMNS: list[tuple[str, str]] = [
    ("quarter", "text"),
    ("plaatsing_id", "text"),
    ("golf", "text"),
    ("golf_nummer", "integer"),
    ("datum", "date"),
    ("nog_in_dienst", "boolean"),
    ("contractvorm", "text"),
    ("rol_arbeidsdeskundige", "text"),
    ("ondersteuning", "text"),
    *[(f"ondersteuning_{option}", "boolean") for option in SUPPORT],
    ("verstoring", "text"),
    *[(f"verstoring_{option}", "boolean") for option in DISRUPTIONS],
    ("_load_id", "text"),
    ("_row_number", "integer"),
    ("_loaded_at", "timestamp"),
]


def read(path: Path) -> pd.DataFrame:
    return read_delimited(path)


def prepare_for_validation(frame: pd.DataFrame, quarter: Quarter | None = None) -> pd.DataFrame:
    """Codes to lower/upper case, the date to ISO, the multi-selects normalised (sorted,
    ', '-separated) with a check column each (`<question>_bekend`: every option known), and
    `datum_in_kwartaal` when the file's quarter is known."""
    prepared = frame.copy()
    for column in ("nog_in_dienst", "contractvorm", "rol_arbeidsdeskundige"):
        if column in prepared:
            prepared[column] = prepared[column].str.lower()
    if "golf" in prepared:
        prepared["golf"] = prepared["golf"].str.upper()
    if "datum" in prepared:
        prepared["datum"] = iso_dates(prepared["datum"], DATE_FORMATS, "%Y-%m-%d")
        if quarter is not None:
            in_quarter = prepared["datum"].between(str(quarter.start), str(quarter.end))
            prepared["datum_in_kwartaal"] = in_quarter | ~prepared["datum"].str.match(
                r"^\d{4}-\d{2}-\d{2}$", na=False
            )  # a non-date is reported by its own rule
    for question, options in MULTI_SELECT.items():
        if question in prepared:
            chosen = _options(prepared[question])
            prepared[question] = _joined(chosen)
            prepared[f"{question}_bekend"] = ~chosen.drop(
                columns=list(options), errors="ignore"
            ).any(axis=1)
    return prepared


def to_raw(prepared: pd.DataFrame, pseudonyms: Pseudonymisation | None) -> pd.DataFrame:
    raw = prepared[
        [
            "plaatsing_id",
            "golf",
            "contractvorm",
            "rol_arbeidsdeskundige",
            "ondersteuning",
            "verstoring",
        ]
    ].copy()
    raw["golf_nummer"] = prepared["golf"].str[1:].astype("int64")
    raw["datum"] = dates_from_iso(prepared["datum"])
    raw["nog_in_dienst"] = prepared["nog_in_dienst"] == "ja"
    for question, options in MULTI_SELECT.items():
        chosen = _options(prepared[question]).reindex(columns=list(options), fill_value=False)
        for option in options:
            raw[f"{question}_{option}"] = chosen[option]
    raw["_row_number"] = raw.index.astype("int64")
    return raw[[column for column, _ in RAW_COLUMNS if column in raw.columns]]


def _options(values: pd.Series) -> pd.DataFrame:
    """One boolean column per option chosen anywhere ('jobcoach, coaching' -> jobcoach and
    coaching true), in alphabetical order."""
    tidy = values.fillna("").str.lower().str.replace(r"\s*,\s*", ",", regex=True).str.strip(", ")
    dummies = tidy.str.get_dummies(sep=",").drop(columns="", errors="ignore")
    return dummies.astype(bool).sort_index(axis=1)


def _joined(chosen: pd.DataFrame) -> pd.Series:
    """The chosen options of each row as 'a, b' (missing when none)."""
    text = pd.Series("", index=chosen.index)
    for option in chosen.columns:
        text = text.where(~chosen[option], text + ", " + option)
    return text.str.removeprefix(", ").replace("", None)
