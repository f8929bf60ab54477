"""The Spinnenweb section of a participating employer's report: its own scores in the
employer survey, where it responded (its latest wave of the report's 8 quarters), beside the
mean scores of its region and of the country in the same wave and perspective; without an
answer of its own, the region's and the country's of the quarter's wave. It says in plain
Dutch when the employer did not respond, when a mean is withheld and when its own scores are,
and why. Only what the published layer shows (employer_data.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.publication.labels import NATIONAL, PERSPECTIVES, SPINNENWEB_LABELS, decimal
from duurzaam.reports.employer_data import EmployerReportData
from duurzaam.reports.withheld import Disclosure, withheld_marker

SPINNENWEB = "Het Spinnenweb"
OWN = "Uw organisatie"


def spinnenweb_content(data: EmployerReportData, d: Disclosure) -> dict[str, Any]:
    """The table (per element: its score, the region's and the country's mean), the chart's
    series and the sentences."""
    own = data.answers.iloc[0] if len(data.answers) else None
    perspective = "werkgever" if own is None else str(own["perspective"])
    group = PERSPECTIVES.get(perspective, perspective)
    wave = data.survey_wave
    content: dict[str, Any] = {"wave_label": wave.label_nl, "responded": own is not None}
    if own is None and data.survey.empty:
        sentence = f"Voor {wave.label_nl} is er geen werkgeversenquête."
        return content | {"rows": [], "sentences": [sentence], "chart": None}
    region_code, region_name = data.survey_region
    region, country = (
        _survey_row(data.survey, code, perspective) for code in (region_code, NATIONAL)
    )
    names = [OWN, f"{group} in {region_name}", f"{group} in Nederland"]
    series: dict[str, list[float | None]] = {name: [] for name in names}
    rows, own_withheld, region_withheld = [], [], []
    for element, label in SPINNENWEB_LABELS.items():
        cells = [label]
        for name, row, column in (
            (names[0], own, f"spinnenweb_{element}_score"),
            (names[1], region, f"spinnenweb_{element}_mean"),
            (names[2], country, f"spinnenweb_{element}_mean"),
        ):
            what = f"{label} ({'uw score' if row is own else name})"
            value = None if row is None else d.value(row, column, SPINNENWEB, what)
            series[name].append(value)
            cells.append(_shown(row, column, value, d.threshold))
        if own is not None and withheld_marker(own, f"spinnenweb_{element}_score"):
            own_withheld.append(label.lower())
        if region is None or withheld_marker(region, f"spinnenweb_{element}_mean"):
            region_withheld.append(label.lower())
        rows.append(cells)
    sentences = [_opening(data, own is not None, group, wave.label_nl)]
    if own_withheld:
        sentences.append(_own_withheld(own_withheld, group, region_name, d.threshold))
    if region_withheld:
        sentences.append(_region_withheld(region_withheld, group, region_name, d.threshold))
    shown = {n: s for n, s in series.items() if any(v is not None for v in s)}
    chart = {"elements": list(SPINNENWEB_LABELS.values()), "perspectives": shown}
    return content | {
        "columns": ["Onderdeel", *names],
        "rows": rows,
        "sentences": sentences,
        "chart": chart if shown else None,
    }


def _survey_row(survey: pd.DataFrame, code: str, perspective: str) -> pd.Series | None:
    if survey.empty:
        return None
    rows = survey[(survey["region_code"] == code) & (survey["perspective"] == perspective)]
    return None if rows.empty else rows.iloc[0]


def _shown(row: pd.Series | None, column: str, value: float | None, threshold: int) -> str:
    """A score as the table shows it: the value, what the layer put in its place, or '–'
    (no score given; for a row the layer does not have, what a count below it shows)."""
    if value is not None:
        return decimal(value, 0 if column.endswith("_score") else 1)
    if row is None:
        return "–" if column.endswith("_score") else f"n<{threshold}"
    return withheld_marker(row, column) or "–"


def _opening(data: EmployerReportData, responded: bool, group: str, wave: str) -> str:
    where = f"{group.lower()} in {data.survey_region[1]} en in heel Nederland"
    if responded:
        return (
            f"U vulde de werkgeversenquête van {wave} in. In de tabel staan uw scores op het "
            "Spinnenweb (1 = gaat slecht, 5 = gaat goed) naast de gemiddelde score van de "
            f"{where} in dezelfde ronde."
        )
    return (
        f"Van {data.employer.name} is uit de afgelopen twee jaar geen antwoord op de "
        "werkgeversenquête bekend (een antwoord telt hier mee als het de code vermeldt "
        f"waaronder uw plaatsingen geleverd worden: {data.employer.employer_id}). In de tabel "
        f"staat hoe de {where} het Spinnenweb in {wave} scoorden (1 = gaat slecht, 5 = gaat "
        "goed)."
    )


def _own_withheld(labels: list[str], group: str, region: str, threshold: int) -> str:
    every = len(labels) == len(SPINNENWEB_LABELS)
    which = "Uw scores" if every else f"Uw score op {', '.join(labels)}"
    return (
        f"{which} tonen we niet (x): daarop gaven in {region} of in heel Nederland te weinig "
        f"andere {group.lower()} een score (minder dan {threshold} naast die van de "
        "deelnemende werkgevers). Met uw score en het gemiddelde zou een lezer van dit rapport "
        "anders het gemiddelde van die paar anderen kunnen uitrekenen."
    )


def _region_withheld(labels: list[str], group: str, region: str, threshold: int) -> str:
    which = "het hele Spinnenweb" if len(labels) == len(SPINNENWEB_LABELS) else ", ".join(labels)
    return (
        f"Het gemiddelde van {region} tonen we niet voor {which} (n<{threshold}): te weinig "
        f"{group.lower()} uit de regio gaven daar een score."
    )
