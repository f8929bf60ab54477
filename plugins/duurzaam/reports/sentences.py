"""The report's three sentences in plain Dutch ("In het kort"), built only from figures the
published layer shows: a withheld one is not named, compared or computed with; a small
region's retention is that of its rolling year, and named so."""

from __future__ import annotations

import pandas as pd

from duurzaam.publication.cohorts import QUARTER, ROLLING_YEAR, cohort_phrase
from duurzaam.publication.labels import percentage, thousands
from duurzaam.reports.data import ReportData
from duurzaam.reports.effects import compare, retention_sentence
from duurzaam.reports.withheld import Disclosure, missing, retention_kind, withheld_marker


def summary_sentences(
    current: pd.Series,
    year_ago: pd.Series | None,
    cohort: pd.Series | None,
    data: ReportData,
    d: Disclosure,
) -> list[str]:
    """Three sentences in plain Dutch, built only from figures that are shown: a withheld
    one is not named, compared or computed with."""
    quarter = data.quarter.label_nl
    placements = _people(current, "placements_started")
    if placements is None:
        first = (
            f"Hoeveel mensen uit de doelgroep in {quarter} aan een nieuwe baan begonnen, "
            "wordt niet getoond"
        )
    else:
        first = f"In {quarter} begonnen {placements} mensen uit de doelgroep aan een nieuwe baan"
    if year_ago is not None:
        before = d.count(year_ago, "placements_started")
        now = d.count(current, "placements_started")
        if before is not None and now is not None:
            direction = (
                "meer dan" if now > before else "minder dan" if now < before else "evenveel als"
            )
            first += f", {direction} een jaar eerder ({thousands(before)})"
    losses = _people(current, "job_losses")
    first += (
        f"; {losses} mensen verloren hun baan."
        if losses is not None
        else "; hoeveel mensen hun baan verloren, wordt niet getoond."
    )
    return [first, _retention_summary(cohort, data, d), _employment_summary(current, d)]


def _people(row: pd.Series, column: str) -> str | None:
    """A count to write in a sentence: the number, or '<10' where the layer says it is below
    the threshold; None where it is unknown or withheld for another reason ('x')."""
    marker = withheld_marker(row, column)
    if marker is not None:
        return marker if marker.startswith("<") else None
    return None if missing(row[column]) else thousands(int(row[column]))


def _retention_summary(cohort: pd.Series | None, data: ReportData, d: Disclosure) -> str:
    """The sentence on 12-month retention: of the region's cohort (a rolling year's where a
    quarter's is too small), against the country only where both rates are shown and the
    interval carries a difference; nothing about a rate the layer withholds."""
    if cohort is None or (
        missing(cohort["retention_12m"]) and withheld_marker(cohort, "retention_12m") is None
    ):
        return "Hoeveel mensen na 12 maanden nog werken, is voor deze regio nog niet bekend."
    kind = retention_kind(cohort)
    phrase = cohort_phrase(data.cohort_quarter, kind)
    region = d.value(cohort, "retention_12m")
    national = d.value(cohort, "nl_retention_12m")
    national_text = None if national is None else percentage(national)
    national_cohort = cohort_phrase(data.cohort_quarter, QUARTER) if kind == ROLLING_YEAR else None
    if region is None:
        marker = withheld_marker(cohort, "retention_12m")
        reason = (
            "zijn er te weinig om het behoud na 12 maanden te tonen"
            if marker == f"n<{d.threshold}"
            else "wordt het behoud na 12 maanden niet getoond, zodat niemand herkenbaar wordt"
        )
        sentence = f"Van de mensen die {phrase} begonnen, {reason}"
        if kind == ROLLING_YEAR and _rolling_year_not_observed(cohort):
            sentence = (
                f"In {data.region_name} begonnen per kwartaal te weinig mensen om het behoud "
                "na 12 maanden te tonen, en een voortschrijdend jaar van vier kwartalen is "
                "nog niet gevolgd"
            )
        if national_text is not None:
            sentence += f"; landelijk werkt na 12 maanden nog {national_text}"
            if national_cohort:
                sentence += f" van wie {national_cohort} begon"
        return sentence + "."
    interval = _interval_at_12_months(data)
    lower, upper = interval if interval else (None, None)
    return retention_sentence(
        phrase,
        _people(cohort, "retention_12m_cohort"),
        percentage(region),
        interval,
        None if national is None else compare(region, lower, upper, national),
        national_text,
        national_cohort,
    )


def _rolling_year_not_observed(cohort: pd.Series) -> bool:
    """A small region's rolling year needs four observed quarters: before that its cohort
    is unknown (no count and no marker), not small."""
    return missing(cohort["retention_12m_cohort"]) and (
        withheld_marker(cohort, "retention_12m_cohort") is None
    )


def _employment_summary(current: pd.Series, d: Disclosure) -> str:
    if missing(current["employment_rate"]) and withheld_marker(current, "employment_rate") is None:
        return "Voor dit kwartaal zijn er nog geen cijfers uit het doelgroepregister."
    rate = d.value(current, "employment_rate")
    national = d.value(current, "nl_employment_rate")
    if rate is None:
        sentence = (
            "Het aandeel werkenden in het doelgroepregister wordt voor deze regio niet getoond"
        )
    else:
        sentence = f"Van de mensen in het doelgroepregister werkt {percentage(rate)}"
    if national is not None:
        sentence += f" (landelijk {percentage(national)})"
    progress = d.value(current, "jobs_progress")
    if progress is not None:
        sentence += f"; de banenafspraak staat op {percentage(progress)} van het regionale doel"
    return sentence + "."


def _interval_at_12_months(data: ReportData) -> tuple[float, float] | None:
    """The 95% interval of the region's published curve at 12 months (that of the step it
    is on), or None when the layer shows none."""
    rows = data.survival[
        (data.survival["region_code"] == data.region_code) & (data.survival["month"] == 12)
    ]
    if rows.empty or rows[["ci_lower", "ci_upper"]].isna().any(axis=None):
        return None
    return float(rows["ci_lower"].iloc[0]), float(rows["ci_upper"].iloc[0])
