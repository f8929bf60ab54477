"""Synthetic banenafspraak publications: one XLSX per quarter laid out as agencies publish it
(title block, merged headers, a total row, notes below). Jobs follow the simulated placements
running at the quarter end (hours / 25.5, by sector type), scaled up to everyone counted by the
agreement; each region's target lies somewhat above or below what it realised, so progress
ranges around 100% at any scale of the simulation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from duurzaam.quarters import Quarter
from duurzaam.reference import region_names

SOURCE = "jobs_agreement"
HOURS_PER_JOB = 25.5
# The placements are a part of all jobs the agreement counts (at scale 1.0 about 100,000
# jobs nationally, as in the early 2020s).
JOBS_PER_PLACEMENT_JOB = 2.0
TARGET_TO_REALISED = (0.85, 1.2)
HEADER_ROW = 6


def write(
    out_dir: Path, quarters: list[Quarter], placements: pd.DataFrame, rng: np.random.Generator
) -> list[Path]:
    import openpyxl  # only where a workbook is written

    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    regions = region_names().drop_duplicates("region_code")
    files = []
    for quarter in quarters:
        table = _table(quarter, placements, regions, rng)
        workbook = openpyxl.Workbook()
        _fill(workbook.active, quarter, table)
        moment = datetime(quarter.year, quarter.number * 3, 1)
        workbook.properties.created = workbook.properties.modified = moment
        path = folder / f"{quarter}.xlsx"
        workbook.save(path)
        files.append(path)
    return files


def _table(
    quarter: Quarter, placements: pd.DataFrame, regions: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    end = pd.Timestamp(quarter.end)
    running = placements[
        (placements["startdatum"] <= end)
        & (placements["einddatum"].isna() | (placements["einddatum"] > end))
    ]
    jobs = (
        running.groupby(["region_code", "sector_type"])["uren_per_week"]
        .sum()
        # pandas-stubs allow only an int or str fill; a float keeps the sums' dtype
        .unstack(fill_value=0.0)  # type: ignore[arg-type]
        .reindex(regions["region_code"], fill_value=0.0)
    )
    jobs = jobs.reindex(columns=["markt", "overheid"], fill_value=0.0)
    noise = rng.normal(1.0, 0.03, jobs.shape)
    jobs = (jobs / HOURS_PER_JOB * JOBS_PER_PLACEMENT_JOB * noise).round(1)
    target = jobs.sum(axis=1) * rng.uniform(*TARGET_TO_REALISED, len(jobs))
    return pd.DataFrame(
        {
            "naam": regions["region"].to_numpy(),
            "code": regions["region_code"].to_numpy(),
            "markt": jobs["markt"].to_numpy(),
            "overheid": jobs["overheid"].to_numpy(),
            "doelstelling": target.round(0).to_numpy(),
        }
    )


def _fill(sheet: Any, quarter: Quarter, table: pd.DataFrame) -> None:  # an openpyxl Worksheet
    from openpyxl.styles import Font

    sheet.title = "Banenafspraak"
    sheet["A1"] = f"Banenafspraak: voortgang per arbeidsmarktregio, {quarter.label_nl}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Bron: UWV, doelgroepregister en polisadministratie; bewerking Werkbedrijf"
    sheet["A3"] = (
        "Aantallen in banen van 25,5 uur per week; cijfers over het laatste "
        "kwartaal zijn voorlopig."
    )
    top, sub = HEADER_ROW, HEADER_ROW + 1
    for column, title in (("A", "Arbeidsmarktregio"), ("B", "Code"), ("E", "Doelstelling")):
        sheet[f"{column}{top}"] = title
        sheet.merge_cells(f"{column}{top}:{column}{sub}")
    sheet[f"C{top}"] = "Aantal banen (25,5 uur)"
    sheet.merge_cells(f"C{top}:D{top}")
    sheet[f"C{sub}"], sheet[f"D{sub}"] = "Marktsector", "Overheid"
    for row in table.itertuples(index=False):  # 35 rows, appended below the headers
        sheet.append(list(row))
    total_row = sheet.max_row + 1
    sheet.append(
        [
            "Totaal",
            None,
            round(table["markt"].sum(), 1),
            round(table["overheid"].sum(), 1),
            table["doelstelling"].sum(),
        ]
    )
    sheet[f"A{total_row}"].font = Font(bold=True)
    sheet.append([])
    sheet.append(
        [
            "Toelichting: de regio Súdwest-Fryslân valt onder de arbeidsmarktregio "
            "Friesland; Nuenen, Gerwen en Nederwetten onder Zuidoost-Brabant."
        ]
    )
