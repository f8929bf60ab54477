"""The participating employers of a synthetic landing zone, as the employers' file
(duurzaam.employers) has them, written as `<out>/employers.yml`: in a few regions the two
employers with the most placements started in the quarters (of the second largest, one joining
a quarter late, one leaving before the last quarter), and one with only a handful of
placements, whose report withholds its figures. Made-up names and `.example` addresses.
`make sample` writes the sample's to include/config/employers.yml, the file the demo reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from duurzaam.quarters import Quarter
from duurzaam.reference import region_names

SOURCE = "employers"
FILE_NAME = "employers.yml"
REGIONS = ("AM05", "AM18", "AM22", "AM26")  # the regions whose employers take part
HANDFUL = (2, 6)  # the small employer's placements started over the quarters: at least, at most
# A made-up name says what the employer does (its SBI section) and where (its region).
KIND_BY_SECTION = {
    "A": "Hoveniersbedrijf",
    "C": "Metaalwerk",
    "F": "Bouwbedrijf",
    "G": "Winkelketen",
    "H": "Distributiecentrum",
    "I": "Horecagroep",
    "N": "Schoonmaakbedrijf",
    "O": "Gemeentelijk Werkbedrijf",
    "P": "Onderwijsgroep",
    "Q": "Zorggroep",
}
OTHER_KIND = "Dienstencentrum"
# told apart when two employers of one region would get the same name
QUARTERS_OF_A_REGION = ("Noord", "Zuid", "Oost", "West")

HEADER = """\
# The participating employers: each gets a quarterly report on its own placements beside the
# benchmarks of its region and of its sector type and size class (read by
# plugins/duurzaam/employers.py; another file: DUURZAAM_EMPLOYERS_FILE). No file, or
# `employers:` without entries, means that no employer takes part.
#
# One entry per employer, under its werkgever_id exactly as the placements extract has it:
#   naam            the employer's name, as the report addresses it
#   regio           the labour-market region it takes part in (AM01 ... AM35): the region
#                   whose benchmark its report shows
#   adressen        one address or a list: who receives the report
#   deelname_vanaf  the first quarter it takes part in (2024Q1, also 2024KW1)
#   deelname_tot    optional: the last quarter, for an employer that left; it gets no report
#                   after it, and its figures of later quarters are not published
#
# Generated with the synthetic landing zone (duurzaam.synthetic.participants): made-up names
# and addresses; the largest employers of a few regions, one joining a quarter late, one that
# left before the last quarter, and one with a handful of placements (its figures withheld).
"""


def write(
    out_dir: Path, quarters: list[Quarter], placements: pd.DataFrame, rng: np.random.Generator
) -> list[Path]:
    """Chooses the participating employers among the placements' and writes their file."""
    path = Path(out_dir) / FILE_NAME
    entries = choose(quarters, placements)  # deterministic: no draw from rng
    text = yaml.safe_dump({"employers": entries}, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(HEADER + text, encoding="utf-8")
    return [path]


def choose(quarters: list[Quarter], placements: pd.DataFrame) -> dict[str, dict]:
    """werkgever_id -> its entry: of the employers in the first quarter's extract, per region
    of REGIONS the two with the most placements started in the quarters, and one (the first
    by id) with only a handful of them. The largest take part in every quarter."""
    start, end = pd.Timestamp(quarters[0].start), pd.Timestamp(quarters[-1].end)
    started = placements[placements["startdatum"].between(start, end)]
    counts = (
        started.groupby(["region_code", "werkgever_id"]).size().rename("placements").reset_index()
    )
    # in the first quarter's extract already: known to the pipeline from its first run on
    first_end, first_start = pd.Timestamp(quarters[0].end), pd.Timestamp(quarters[0].start)
    running = placements[
        (placements["startdatum"] <= first_end)
        & (placements["einddatum"].isna() | (placements["einddatum"] >= first_start))
    ]
    known = counts["werkgever_id"].isin(running["werkgever_id"])
    counts = counts[known & counts["region_code"].isin(REGIONS)].sort_values(
        ["placements", "werkgever_id"], ascending=[False, True]
    )
    large = counts.groupby("region_code").head(2)
    few = counts[
        counts["placements"].between(*HANDFUL) & ~counts["werkgever_id"].isin(large["werkgever_id"])
    ]
    chosen = [
        *large.sort_values(["region_code", "werkgever_id"]).itertuples(index=False),
        *few.sort_values("werkgever_id").head(1).itertuples(index=False),
    ]
    # Of the regions' second largest, one joins a quarter late and one leaves before the last
    # quarter: the largest of each region takes part in every quarter.
    seconds = [*large.loc[large.duplicated("region_code"), "werkgever_id"], None, None]
    late, left = seconds[0], seconds[1] if len(quarters) > 1 else None
    names = _names(chosen, placements)
    entries = {}
    for row, name in zip(chosen, names, strict=True):
        entry = {
            "naam": name,
            "regio": str(row.region_code),
            "adressen": [f"hr@{_domain(name)}.example"],
            "deelname_vanaf": str(
                quarters[min(1, len(quarters) - 1)] if row.werkgever_id == late else quarters[0]
            ),
        }
        if row.werkgever_id == left:
            entry["deelname_tot"] = str(quarters[-2])
        entries[str(row.werkgever_id)] = entry
    return entries


def _names(chosen: list, placements: pd.DataFrame) -> list[str]:
    """A distinct made-up name per chosen employer: its main SBI section's kind of business
    and its region's name ("Bouwbedrijf Twente")."""
    sections = placements.groupby("werkgever_id")["sector"].agg(lambda s: s.mode().iloc[0])
    regions = region_names().drop_duplicates("region_code", keep="last")
    region_name = dict(zip(regions["region_code"], regions["region"], strict=True))
    names: list[str] = []
    for row in chosen:
        kind = KIND_BY_SECTION.get(sections[row.werkgever_id], OTHER_KIND)
        region = region_name[row.region_code]
        taken = [n for n in names if n.startswith(kind) and n.endswith(region)]
        # "Winkelketen Noord Rijnmond" beside "Winkelketen Rijnmond": neither holds the other
        names.append(
            f"{kind} {QUARTERS_OF_A_REGION[len(taken) - 1]} {region}"
            if taken
            else f"{kind} {region}"
        )
    return names


def _domain(name: str) -> str:
    return "-".join(name.lower().split())
