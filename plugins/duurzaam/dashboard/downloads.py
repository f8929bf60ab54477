"""The figures of every chart and table as CSV files written beside the pages: what the page
shows, with the published layer's own text ('<10', 'x', 'n<10') where it withheld a value,
in the shape Excel opens in a Dutch locale (`;`-separated, UTF-8 with a byte order mark,
decimal comma, points between thousands). A page links to them with a plain <a download>,
so a download needs no script. Nothing here computes a figure: a value is formatted as
published, or as the page's figures (pages.py) already carry it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from duurzaam.dashboard import show
from duurzaam.dashboard.data import DashboardData, Row
from duurzaam.publication.labels import (
    FACTOR_LABELS,
    NATIONAL,
    NATIONAL_NAME,
    PERSPECTIVES,
    SPINNENWEB_LABELS,
    decimal,
    level_label,
)
from duurzaam.quarters import Quarter

FOLDER = "csv"
COMPARE = "vergelijk"  # the comparison page's one download
Table = tuple[Sequence[str], Iterable[Sequence[Any]]]


def download_path(code: str | None, name: str) -> str:
    """Where a download is in the site: csv/<code>/<name>.csv for a region's page (code
    None: csv/<name>.csv, the comparison page's)."""
    return f"{FOLDER}/{name}.csv" if code is None else f"{FOLDER}/{code}/{name}.csv"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The table as Excel (Dutch locale) opens it: a BOM so it reads UTF-8, `;` between
    fields, CRLF line ends; an unknown value is an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None or cell == show.MISSING else cell for cell in row])
    return out.getvalue().encode("utf-8-sig")


def share(value: Any) -> str | None:
    """A share 0..1 as a percentage with a decimal comma and no sign (a column says '%')."""
    if isinstance(value, str) or value is None:
        return value
    return decimal(100 * float(value), 1)


def shown_number(value: Any, places: int) -> str | None:
    """A number as the page writes it (decimal comma); text as it stands."""
    if isinstance(value, str) or value is None:
        return value
    return decimal(float(value), places)


def region_downloads(data: DashboardData, code: str, page: dict[str, Any]) -> dict[str, bytes]:
    """The downloads of a region's page (or the country's): file name -> CSV."""
    rows = data.national if code == NATIONAL else data.part("region_quarter", code)
    rows = sorted(rows, key=lambda r: r["quarter"])
    tables: dict[str, Table] = {
        "kerncijfers": _headline(page),
        "plaatsingen": _trend(rows),
        "behoud": _survival(page),
        "kenmerken": _factors(data.part("factors", code), data.part("factors", NATIONAL)),
        "effecten": (page["effects"]["columns"], _effects(page["effects"]["rows"])),
        "banenafspraak": _jobs(rows),
        "enquete": _survey(data, code),
        "werk-naar-werk": (page["moves"]["shares"]["columns"], page["moves"]["shares"]["rows"]),
        "werk-naar-werk-effecten": (
            page["moves"]["effects"]["columns"],
            _effects(page["moves"]["effects"]["rows"]),
        ),
        "vervolgmeting": (
            ["Meting", "Rol arbeidsdeskundige", "Gevolgd (n)", "Nog in deze baan", "Behoud"],
            [
                [f["wave"], f["role"], f["followed"], f["employed"], f["retention"]]
                for f in page["followup"]
            ],
        ),
    }
    return {
        download_path(code, name): csv_bytes(header, body)
        for name, (header, body) in tables.items()
    }


def compare_downloads(page: dict[str, Any]) -> dict[str, bytes]:
    """The comparison page's one download: every measure, quarter and region as it shows
    them, with the country's value after the regions of each quarter."""
    header = ["Maat", "Kwartaal", "Code", "Regio", "Waarde", "n", "Over"]
    rows = []
    labels = {q["id"]: q["label"] for q in page["quarters"]}
    for measure in page["measures"]:
        for quarter, figures in measure["quarters"].items():
            for r in figures["regions"]:
                row = [r["code"], r["name"], r["text"], r["people"], r["cohort"]]
                rows.append([measure["label"], labels[quarter], *row])
            rows.append([measure["label"], labels[quarter], NATIONAL, NATIONAL_NAME])
            rows[-1] += [figures["national"], None, None]
    return {download_path(None, COMPARE): csv_bytes(header, rows)}


def _headline(page: dict[str, Any]) -> Table:
    header = ["Kwartaal", "Cijfer", "Toelichting", page["name"]]
    if not page["is_national"]:
        header.append(NATIONAL_NAME)
    header.append("n")
    body = []
    for quarter in page["quarters"]:
        for figure in page["headline"][quarter["id"]]:
            row = [quarter["label"], figure["label"], figure.get("note"), figure["value"]]
            if not page["is_national"]:
                row.append(figure["national"])
            body.append([*row, figure["people"]])
    return header, body


def _trend(rows: list[Row]) -> Table:
    header = ["Kwartaal", "Plaatsingen", "Baanverlies", "Van werk naar werk"]
    columns = ("placements_started", "job_losses", "job_to_job_moves")
    return header, [
        [Quarter.parse(r["quarter"]).label_nl, *(show.count(r[c]) for c in columns)] for r in rows
    ]


def _survival(page: dict[str, Any]) -> Table:
    header = [
        "Begonnen in",
        "Groep",
        "Maand",
        "Nog aan het werk (%)",
        "95%-interval van (%)",
        "tot (%)",
        "Nog gevolgd (afgerond op 5)",
    ]
    groups = [("region", page["name"])] if not page["is_national"] else []
    groups.append(("national", NATIONAL_NAME))
    body = [
        [cohort["label"], name, point["month"]]
        + [shown_number(point[c], 1) for c in ("survival", "lower", "upper")]
        + [point["at_risk"]]
        for cohort in page["cohorts"].values()
        for key, name in groups
        for point in cohort[key]
    ]
    return header, body


def _factors(own: list[Row], national: list[Row]) -> Table:
    header = [
        "Kenmerk",
        "Niveau",
        "Nog aan het werk na 12 maanden (%)",
        "95%-interval van (%)",
        "tot (%)",
        "n (werkperiodes)",
        "Nederland (%)",
    ]
    nl = {(r["factor"], r["level"]): r["retention_12m"] for r in national}
    body = [
        [FACTOR_LABELS.get(str(r["factor"]), r["factor"]), level_label(r["level"])]
        + [share(r[c]) for c in ("retention_12m", "retention_12m_ci_lower")]
        + [share(r["retention_12m_ci_upper"]), show.count(r["spells"])]
        + [share(nl.get((r["factor"], r["level"])))]
        for r in sorted(own, key=lambda r: (r["factor"], str(r["level"])))
    ]
    return header, body


def _effects(rows: list[list[Any]]) -> list[list[Any]]:
    return [[shown_number(c, 2) if isinstance(c, float) else c for c in row] for row in rows]


def _jobs(rows: list[Row]) -> Table:
    header = ["Kwartaal", "Marktsector", "Overheid", "Doel", "Gerealiseerd van het doel"]
    columns = ("jobs_market", "jobs_government", "jobs_target")
    return header, [
        [
            Quarter.parse(r["quarter"]).label_nl,
            *(show.number(r[c]) for c in columns),
            show.figure(r["jobs_progress"], "rate"),
        ]
        for r in rows
    ]


def _survey(data: DashboardData, code: str) -> Table:
    """The employer survey per wave and perspective (the region's, then the country's): the
    respondents, the share employing someone from the target group and the Spinnenweb."""
    header = ["Meting", "Groep", "Respondenten (n)", "Heeft iemand uit de doelgroep in dienst"]
    header += [f"Spinnenweb: {label}" for label in SPINNENWEB_LABELS.values()]
    own = data.part("survey", code)
    rows = own if code == NATIONAL else own + data.part("survey", NATIONAL)
    body: list[list[str | None]] = []
    for r in sorted(rows, key=lambda r: (r["wave"], r["region_code"] != code, r["perspective"])):
        name = PERSPECTIVES.get(str(r["perspective"]), str(r["perspective"]))
        if r["region_code"] != code:
            name = f"{name} ({NATIONAL_NAME})"
        body.append(
            [
                Quarter.parse(r["wave"]).label_nl,
                name,
                show.count(r["respondents"]),
                show.figure(r["employing_share"], "rate"),
                *(shown_number(r[f"spinnenweb_{e}_mean"], 2) for e in SPINNENWEB_LABELS),
            ]
        )
    return header, body
