"""Synthetic target-group register answers, as the OData endpoint gives them (keys padded to
10 characters, periods like 2024KW04): for every municipality existing in the quarter's year
and every legal basis, the persons in the register and the persons of them working. Working is
at least the people with a simulated placement running at the quarter end there; the register
stock follows the employment rate of each legal basis. The last two quarters are provisional."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from duurzaam import reference
from duurzaam.quarters import Quarter

SOURCE = "register"
BASES = ("wajong", "wsw", "participatiewet", "pro_vso", "wiw_id")
EMPLOYMENT_RATE = {
    "wajong": 0.30,
    "wsw": 0.85,
    "participatiewet": 0.40,
    "pro_vso": 0.45,
    "wiw_id": 0.55,
}
# The placements cover only part of everyone working from the register.
WORKING_PER_RUNNING_PLACEMENT = 3.0
PROVISIONAL_QUARTERS = 2


def write(
    out_dir: Path, quarters: list[Quarter], placements: pd.DataFrame, rng: np.random.Generator
) -> list[Path]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    municipalities = reference.municipalities()
    municipalities = municipalities[municipalities["region_code"] != ""]
    files = []
    for position, quarter in enumerate(quarters):
        provisional = position >= len(quarters) - PROVISIONAL_QUARTERS
        rows = _rows(quarter, placements, municipalities, provisional, rng)
        path = folder / f"{quarter}.json"
        document = {
            "odata.metadata": "https://opendata.example.nl/ODataApi/odata/"
            "Doelgroepregister/$metadata#TypedDataSet",
            "value": rows,
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        files.append(path)
    return files


def _rows(
    quarter: Quarter,
    placements: pd.DataFrame,
    municipalities: pd.DataFrame,
    provisional: bool,
    rng: np.random.Generator,
) -> list[dict]:
    end = pd.Timestamp(quarter.end)
    codes = sorted(set(municipalities.loc[municipalities["year"] >= quarter.year, "code"]))
    running = placements[
        (placements["startdatum"] <= end)
        & (placements["einddatum"].isna() | (placements["einddatum"] > end))
    ]
    grid = pd.MultiIndex.from_product([codes, BASES], names=["gemeente_code", "grondslag"])
    placed = (
        running.groupby(["gemeente_code", "grondslag"])["persoon"]
        .nunique()
        .reindex(grid, fill_value=0)
        .to_numpy()
    )
    rate = np.tile([EMPLOYMENT_RATE[basis] for basis in BASES], len(codes))
    working = np.maximum(placed, rng.poisson(placed * WORKING_PER_RUNNING_PLACEMENT + 2 * rate))
    register = working + rng.poisson(working * (1 - rate) / rate + 1)
    status = "Voorlopig" if provisional else "Definitief"
    frame = pd.DataFrame(
        {
            "ID": np.arange(1, len(grid) + 1),
            "RegioS": grid.get_level_values(0).str.ljust(10),
            "Grondslag": grid.get_level_values(1).str.ljust(16),
            "Perioden": quarter.cbs,
            "Status": status.ljust(10),
            "PersonenInRegister_1": register,
            "PersonenMetBaan_2": working,
        }
    )
    return frame.to_dict(orient="records")
