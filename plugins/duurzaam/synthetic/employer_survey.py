"""Synthetic employer survey exports: each quarter a sample of employers from the placement data
answers (most of them employ someone from the target group; some no longer do), in the
LimeSurvey-style wide format of include/config/survey_codebook.yml."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from duurzaam.ingest.sources.employer_survey import codebook
from duurzaam.quarters import Quarter

SOURCE = "employer_survey"
RESPONSE_SHARE = 0.004  # respondents per placement running at the quarter end
MIN_RESPONDENTS = 40
EMPLOYS_SHARE = 0.75
# Chance that an option is ticked, in codebook order.
TICK_CHANCES = {
    "redenen": [0.45, 0.35, 0.30, 0.25, 0.40, 0.35, 0.50, 0.08],
    "contract": [0.35, 0.55, 0.15, 0.10, 0.05, 0.12],
    "geen_reden": [0.40, 0.30, 0.35, 0.30, 0.20, 0.15],
}
# Mean Spinnenweb score per element for employers and for professionals.
SPINNENWEB_MEANS = {
    "werkgever": [3.1, 2.8, 3.3, 3.0, 3.2, 3.4, 2.6],
    "professional": [3.6, 3.4, 3.5, 3.3, 3.1, 3.7, 2.9],
}
REMARKS = [
    "Goede samenwerking met het Werkbedrijf; de jobcoach is een aanrader.",
    "Te veel papierwerk; de aanvraag voor loonkostensubsidie duurde maanden.",
    'Onze medewerker uit Súdwest-Fryslân doet het "uitstekend"; graag meer kandidaten.',
    "Vestiging in Nuenen, Gerwen en Nederwetten zoekt nog iemand voor de kantine.",
    "Wij willen best, maar weten niet waar we moeten beginnen.",
    '=HYPERLINK("https://www.werk.nl";"werk.nl") noemde iemand als bron',
    "Prima; geen opmerkingen.",
    "Re-integratie via het UWV verliep soepel; één contactpersoon helpt enorm.",
]


def write(
    out_dir: Path, quarters: list[Quarter], placements: pd.DataFrame, rng: np.random.Generator
) -> list[Path]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for quarter in quarters:
        responses = _responses(quarter, placements, rng)
        path = folder / f"{quarter}.csv"
        encoding = {1: "utf-8-sig", 2: "cp1252", 3: "utf-8", 4: "cp1252"}[quarter.number]
        responses.to_csv(path, sep=";", index=False, encoding=encoding, lineterminator="\n")
        files.append(path)
    return files


def _responses(
    quarter: Quarter, placements: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    end = pd.Timestamp(quarter.end)
    running = placements[
        (placements["startdatum"] <= end)
        & (placements["einddatum"].isna() | (placements["einddatum"] > end))
    ]
    employers = running.drop_duplicates("werkgever_id")
    count = min(len(employers), max(MIN_RESPONDENTS, round(RESPONSE_SHARE * len(running))))
    sample = employers.sample(n=count, random_state=rng).reset_index(drop=True)
    book = codebook()
    size_codes = {value: code for code, value in book["single"]["grootte"].items()}
    employs = rng.random(count) < EMPLOYS_SHARE
    perspective = np.where(rng.random(count) < 0.7, "werkgever", "professional")
    frame = pd.DataFrame(
        {
            "id": np.arange(1, count + 1) + 10_000 * (quarter.year * 4 + quarter.number),
            "submitdate": _submit_dates(quarter, count, rng),
            "gemeente": sample["gemeente_code"],
            "grootte": sample["werkgever_grootte"].map(size_codes),
            "sector": sample["sector"],
            "perspectief": perspective,
            "doelgroep_in_dienst": np.where(employs, "Y", "N"),
        }
    )
    for question, spec in book["multiple"].items():
        applies = ~employs if question == "geen_reden" else employs
        for code, chance in zip(spec["items"], TICK_CHANCES[question], strict=True):
            frame[f"{question}[{code}]"] = np.where(applies & (rng.random(count) < chance), "Y", "")
    means = np.array([SPINNENWEB_MEANS[p] for p in perspective])
    scores = np.clip(np.rint(means + rng.normal(0, 0.9, means.shape)), 1, 5).astype(int)
    answered = rng.random(means.shape) > 0.1
    for column, code in enumerate(book["scale"]["spinnenweb"]["items"]):
        frame[f"spinnenweb[{code}]"] = np.where(
            answered[:, column], scores[:, column].astype(str), ""
        )
    frame["interview"] = np.where(rng.random(count) < 0.3, "Y", "N")
    remarks = np.array(REMARKS, dtype=object)[rng.integers(0, len(REMARKS), count)]
    frame["opmerkingen"] = np.where(rng.random(count) < 0.25, remarks, "")
    return frame


def _submit_dates(quarter: Quarter, count: int, rng: np.random.Generator) -> np.ndarray:
    start = pd.Timestamp(quarter.start)
    seconds = rng.integers(0, int((pd.Timestamp(quarter.end) - start).total_seconds()), count)
    moments = start + pd.to_timedelta(np.sort(seconds), unit="s")
    style = "%Y-%m-%d %H:%M:%S" if quarter.number % 2 else "%d-%m-%Y %H:%M"
    return moments.strftime(style).to_numpy()
