"""Synthetic employer survey exports: each quarter a sample of employers from the placement data
answers (most of them employ someone from the target group; some no longer do), in the
LimeSurvey-style wide format of include/config/survey_codebook.yml. Large employers answer
more often: each wave the largest of every region (by its placements running at the quarter's
end) is asked in person, and may answer; the rest is a random sample. An employer answering
for itself often gives its werkgever_id, so the participating employers (the largest of a few
regions, participants.py) have answers of their own, whoever is chosen to take part."""

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
ASKED_ANSWER = 0.4  # chance that a region's largest employer, asked in person, answers
GIVES_ID = 0.6  # chance that another employer answering for itself gives its werkgever_id
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
    employers = running.drop_duplicates("werkgever_id").set_index("werkgever_id", drop=False)
    count = min(len(employers), max(MIN_RESPONDENTS, round(RESPONSE_SHARE * len(running))))
    largest = (
        running.groupby(["region_code", "werkgever_id"])
        .size()
        .rename("running")
        .reset_index()
        .sort_values(["running", "werkgever_id"], ascending=[False, True])
        .groupby("region_code")
        .head(1)
        .sort_values("werkgever_id")["werkgever_id"]
    )
    asked = largest[rng.random(len(largest)) < ASKED_ANSWER].head(count)
    others = employers[~employers["werkgever_id"].isin(asked)]
    drawn = others.sample(n=count - len(asked), random_state=rng)["werkgever_id"]
    sample = employers.loc[rng.permutation([*asked, *drawn])].reset_index(drop=True)
    book = codebook()
    size_codes = {value: code for code, value in book["single"]["grootte"].items()}
    employs = rng.random(count) < EMPLOYS_SHARE
    is_asked = sample["werkgever_id"].isin(asked).to_numpy()
    perspective = np.where(is_asked | (rng.random(count) < 0.7), "werkgever", "professional")
    gives_id = (perspective == "werkgever") & (is_asked | (rng.random(count) < GIVES_ID))
    frame = pd.DataFrame(
        {
            "id": np.arange(1, count + 1) + 10_000 * (quarter.year * 4 + quarter.number),
            "werkgever_id": np.where(gives_id, sample["werkgever_id"], ""),
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
