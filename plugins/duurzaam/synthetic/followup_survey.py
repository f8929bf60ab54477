"""Synthetic follow-up survey exports: a sample of the simulated placements is followed from
its start (wave T0) each quarter (T1..T8) until the wave at which the person is no longer in
that job. Answers agree with the placement: contract, instruments, labour-expert involvement;
2020Q2-2021Q2 brings corona disruptions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from duurzaam.ingest.sources.followup_survey import WAVES
from duurzaam.quarters import Quarter

SOURCE = "followup_survey"
FOLLOWED_SHARE = 0.1
ROLES = np.array(["beoordelaar", "adviseur", "coach"], dtype=object)
INSTRUMENTS = ("jobcoach", "loonkostensubsidie", "no_riskpolis", "werkplekaanpassing")
EXTRA_SUPPORT = {"externe_hulp": 0.10, "coaching": 0.15}
DISRUPTION_CHANCES = {"reorganisatie": 0.05, "leidinggevende": 0.07, "prive": 0.08}
CORONA = (Quarter.parse("2020Q2"), Quarter.parse("2021Q2"))


def write(
    out_dir: Path, quarters: list[Quarter], placements: pd.DataFrame, rng: np.random.Generator
) -> list[Path]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    followed = placements[rng.random(len(placements)) < FOLLOWED_SHARE]
    # Roles and extra support are a property of the placement, drawn once.
    followed = followed.assign(
        role=_roles(followed["arbeidsdeskundige"].to_numpy() == "ja", rng),
        start_index=_quarter_index(followed["startdatum"]),
        **{
            f"extra_{name}": rng.random(len(followed)) < chance
            for name, chance in EXTRA_SUPPORT.items()
        },
    )
    files = []
    for quarter in quarters:
        path = folder / f"{quarter}.csv"
        frame = _wave_rows(quarter, followed, rng)
        frame.to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\n")
        files.append(path)
    return files


def _wave_rows(quarter: Quarter, followed: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    wave = quarter.year * 4 + quarter.number - 1 - followed["start_index"]
    days = pd.to_timedelta(91 * wave.clip(lower=0), unit="D")
    date = (followed["startdatum"] + days).clip(  # type: ignore[call-overload]
        # pandas-stubs type the bounds as numbers only; Timestamps clip datetimes
        pd.Timestamp(quarter.start),
        pd.Timestamp(quarter.end),
    )
    previous = followed["startdatum"] + pd.to_timedelta(91 * (wave - 1).clip(lower=0), unit="D")
    ended = followed["einddatum"]
    # Followed up to and including the first wave at which the job has ended.
    still_followed = (wave == 0) | ended.isna() | (ended > previous)
    rows = followed[(wave >= 0) & (wave < len(WAVES)) & still_followed]
    date, wave = date[rows.index], wave[rows.index]
    employed = rows["einddatum"].isna() | (rows["einddatum"] > date)
    frame = pd.DataFrame(
        {
            "plaatsing_id": rows["plaatsing_id"],
            "golf": "T" + wave.astype(str),
            "datum": date.dt.strftime("%d-%m-%Y" if quarter.number % 2 == 0 else "%Y-%m-%d"),
            "nog_in_dienst": np.where(employed, "ja", "nee"),
            "contractvorm": rows["contractvorm"],
            "rol_arbeidsdeskundige": rows["role"],
            "ondersteuning": _listed(
                {
                    **{name: rows[name].to_numpy() == "ja" for name in INSTRUMENTS},
                    **{name: rows[f"extra_{name}"].to_numpy() for name in EXTRA_SUPPORT},
                }
            ),
            "verstoring": _disruptions(quarter, len(rows), rng),
        }
    )
    return frame.sort_values(["plaatsing_id", "golf"])


def _roles(expert: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A labour expert involved: mostly a role; not involved: mostly none."""
    role = ROLES[rng.choice(len(ROLES), len(expert), p=[0.4, 0.35, 0.25])]
    has_role = np.where(expert, rng.random(len(expert)) < 0.9, rng.random(len(expert)) < 0.1)
    return np.where(has_role, role, "geen")


def _disruptions(quarter: Quarter, count: int, rng: np.random.Generator) -> np.ndarray:
    chances = dict(DISRUPTION_CHANCES)
    chances["corona"] = 0.5 if CORONA[0] <= quarter <= CORONA[1] else 0.0
    picked = {name: rng.random(count) < chance for name, chance in chances.items()}
    listed = _listed(picked)
    return np.where(listed == "", "geen", listed)


def _listed(picked: dict[str, np.ndarray]) -> np.ndarray:
    """Per row the names whose flag is set, comma-separated."""
    count = len(next(iter(picked.values())))
    text = np.full(count, "", dtype=object)
    for name, flags in picked.items():
        text = np.where(flags, np.where(text == "", name, text + "," + name), text)
    return text


def _quarter_index(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 4 + (dates.dt.month - 1) // 3
