"""The content of one region's report, in Dutch, from the published models: what the
warehouse withheld (a count below the threshold, a rate over fewer people, a count hidden
so that another cannot be computed by subtraction) arrives as null with its
`<column>_suppressed` text ('<10', 'x', 'n<10'), is shown as that text and listed in the
report's note on what was not shown."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

from duurzaam.publication.cohorts import (
    QUARTER,
    ROLLING_YEAR,
    WHY_ROLLING,
    SurvivalPoint,
    cohort_kind,
    cohort_label,
    cohort_phrase,
    first_withheld_month,
    published_curve,
)
from duurzaam.publication.labels import (
    FACTOR_LABELS,
    NATIONAL,
    PERSPECTIVES,
    SOURCE_LABELS,
    SPINNENWEB_LABELS,
    level_label,
    thousands,
)
from duurzaam.reports.data import ReportData
from duurzaam.reports.effects import effects_content
from duurzaam.reports.moves import moves_content
from duurzaam.reports.sentences import summary_sentences
from duurzaam.reports.withheld import (
    Disclosure,
    as_float,
    retention_kind,
    withheld_marker,
)

__all__ = ["Disclosure", "report_content"]


def report_content(data: ReportData, threshold: int) -> dict[str, Any]:
    disclosure = Disclosure(threshold)
    rows = data.region_quarters.set_index("quarter")
    current = _row(rows, str(data.quarter))
    year_ago_quarter = str(data.quarter - 4)
    year_ago = _row(rows, year_ago_quarter) if year_ago_quarter in rows.index else None
    cohort = year_ago  # its 12-month retention is the latest that has been observed
    content = {
        "region_code": data.region_code,
        "region_name": data.region_name,
        "quarter": str(data.quarter),
        "quarter_label": data.quarter.label_nl,
        "data_date": data.quarter.end.strftime("%d-%m-%Y"),
        "threshold": threshold,
        "headline": _headline(current, cohort, data, disclosure),
        "retention_note": _retention_note(cohort, data),
        "trend": _trend(rows, disclosure),
        "survival": _survival(data, cohort, disclosure),
        "factors": _factors(data.factors, data.region_code, disclosure),
        "effects": effects_content(data.effects, data.region_code, FACTOR_LABELS, disclosure),
        "moves": moves_content(data.moves, data.move_effects, data.region_code, disclosure),
        "spinnenweb": _spinnenweb(data.survey, data.region_code, disclosure),
        "data_quality": _data_quality(data.loads),
    }
    content["summary"] = summary_sentences(current, year_ago, cohort, data, disclosure)
    content["withheld"] = [
        {"section": section, "what": sorted(set(items))}
        for section, items in sorted(disclosure.withheld.items())
    ]
    return content


def _row(rows: pd.DataFrame, quarter: str) -> pd.Series:
    """The quarter's row (the index holds each quarter once)."""
    row = rows.loc[quarter]
    assert isinstance(row, pd.Series)
    return row


HEADLINE = "Kerncijfers"
RETENTION_LABEL = "Nog aan het werk na 12 maanden"


def _headline(
    current: pd.Series, cohort: pd.Series | None, data: ReportData, d: Disclosure
) -> list[dict]:
    def pair(row: pd.Series | None, column: str, label: str, show: Any) -> dict:
        if row is None:
            return {"label": label, "region": "–", "national": "–"}
        return {
            "label": label,
            "region": show(row, column, HEADLINE, label),
            "national": show(row, f"nl_{column}", HEADLINE, f"{label} (Nederland)"),
        }

    retention_label = RETENTION_LABEL
    if retention_kind(cohort) == ROLLING_YEAR:
        rolling = cohort_label(data.cohort_quarter, ROLLING_YEAR)
        retention_label += f" ({rolling}; landelijk: {data.cohort_quarter.label_nl})"
    return [
        pair(current, "register_total", "Mensen in het doelgroepregister", d.show_count),
        pair(current, "employment_rate", "Aandeel werkend (doelgroepregister)", d.show_rate),
        pair(current, "placements_started", "Plaatsingen (nieuwe werkperiodes)", d.show_count),
        pair(current, "job_losses", "Baanverlies", d.show_count),
        pair(current, "job_to_job_moves", "Van werk naar werk", d.show_count),
        pair(cohort, "retention_12m", retention_label, d.show_rate),
        pair(current, "jobs_progress", "Banenafspraak: gerealiseerd van het doel", d.show_rate),
    ]


def _retention_note(cohort: pd.Series | None, data: ReportData) -> str:
    """Which people the headline's retention is about."""
    kind = retention_kind(cohort)
    note = (
        f"Behoud na 12 maanden: van de mensen die {cohort_phrase(data.cohort_quarter, kind)} "
        "aan een baan begonnen"
    )
    if kind == ROLLING_YEAR:
        note += (
            f" ({WHY_ROLLING}); landelijk van wie "
            f"{cohort_phrase(data.cohort_quarter, QUARTER)} begon"
        )
    return note + "."


def _trend(rows: pd.DataFrame, d: Disclosure) -> dict[str, list]:
    quarters = list(rows.index)
    labels = [f"{q[:4]}-K{q[-1]}" for q in quarters]
    return {
        "labels": labels,
        "placements": [
            d.count(rows.loc[q], "placements_started", "Plaatsingen", label)
            for q, label in zip(quarters, labels, strict=True)
        ],
        "job_losses": [
            d.count(rows.loc[q], "job_losses", "Baanverlies", label)
            for q, label in zip(quarters, labels, strict=True)
        ],
    }


SURVIVAL = "Behoudcurve"


def _survival(data: ReportData, cohort: pd.Series | None, d: Disclosure) -> dict[str, Any]:
    """The published Kaplan-Meier curves of the cohort placed a year ago (the region's
    perhaps a rolling year's), as steps: from month 0 to the last month the layer shows
    (it withholds the months from the first with fewer still followed than the threshold),
    dropping only at the layer's steps."""
    curves: dict[str, list[SurvivalPoint]] = {}
    kinds: dict[str, str] = {}
    for region_code, rows in data.survival.groupby("region_code"):
        records = rows.to_dict("records")
        kinds[str(region_code)] = cohort_kind(records)
        curves[str(region_code)] = [
            (
                int(r["month"]),
                float(r["survival"]),
                as_float(r["ci_lower"]),
                as_float(r["ci_upper"]),
            )
            for r in published_curve(records)
        ]
        cut_off = first_withheld_month(records)
        if region_code == data.region_code and cut_off is not None:
            d.withhold(SURVIVAL, f"vanaf maand {cut_off} (minder dan {d.threshold} mensen gevolgd)")
    region = curves.get(data.region_code, [])
    kind = kinds.get(data.region_code, retention_kind(cohort))
    if cohort is not None and d.count(cohort, "retention_12m_cohort") is None:
        region = []
        d.withhold(SURVIVAL, cohort_label(data.cohort_quarter, kind))
    people = None if cohort is None else d.count(cohort, "retention_12m_cohort")
    about = [f"{thousands(people)} mensen"] if people is not None else []
    if kind == ROLLING_YEAR:
        about.append(WHY_ROLLING)
    description = f"Mensen die {cohort_phrase(data.cohort_quarter, kind)} aan een baan begonnen"
    if about:
        description += f" ({'; '.join(about)})"
    if kind == ROLLING_YEAR:
        description += f", landelijk wie {cohort_phrase(data.cohort_quarter, QUARTER)} begon"
    description += "."
    if kind == ROLLING_YEAR and not region and people is None:
        # a small region before four of its quarters were observed: no rolling year yet
        description = (
            f"In {data.region_name} begonnen per kwartaal te weinig mensen voor een eigen "
            "curve, en een voortschrijdend jaar van vier kwartalen is nog niet gevolgd: "
            f"alleen het landelijke beeld (wie {cohort_phrase(data.cohort_quarter, QUARTER)} "
            "begon)."
        )
    return {
        "cohort_label": cohort_label(data.cohort_quarter, kind),
        "is_rolling_year": kind == ROLLING_YEAR,
        "description": description,
        "region": region,
        "national": curves.get(NATIONAL, []),
    }


FACTORS = "Kenmerken"


def _factors(factors: pd.DataFrame, region_code: str, d: Disclosure) -> list[dict]:
    """Retention at 12 months per factor level, regional beside national. A level withheld
    in pub_retention_factors ('<10', or 'x' to protect another level of the factor) keeps
    no rate either; a rate is shown only where the layer shows it, whatever its count."""
    national = factors[factors["region_code"] == NATIONAL].set_index(["factor", "level"])
    rows = []
    regional = factors[factors["region_code"] == region_code]
    for factor, levels in regional.groupby("factor", sort=True):
        for _, level in levels.sort_values("level").iterrows():
            label = f"{FACTOR_LABELS.get(str(factor), str(factor))}: {level_label(level['level'])}"
            nl = (
                national.loc[(factor, level["level"])]
                if (factor, level["level"]) in national.index
                else None
            )
            spells = d.show_count(level, "spells", FACTORS, label)
            # a level whose count is withheld is noted once; a rate withheld beside a shown
            # count (its complement too small) is noted as such
            rate_withheld = f"{label} (behoud)" if withheld_marker(level, "spells") is None else ""
            rows.append(
                {
                    "label": label,
                    "spells": spells,
                    "retention": as_float(level["retention_12m"]),
                    "retention_text": d.show_rate(
                        level, "retention_12m", FACTORS if rate_withheld else None, rate_withheld
                    ),
                    "ci_lower": as_float(level["retention_12m_ci_lower"]),
                    "ci_upper": as_float(level["retention_12m_ci_upper"]),
                    "national": None if nl is None else as_float(nl["retention_12m"]),
                    "national_text": "–" if nl is None else d.show_rate(nl, "retention_12m"),
                }
            )
    return rows


def _spinnenweb(survey: pd.DataFrame, region_code: str, d: Disclosure) -> dict[str, Any] | None:
    """The Spinnenweb scores per perspective: the region's when enough respondents scored an
    element, else none; the national ones beside them. None without survey data."""
    if survey.empty:
        return None
    perspectives = {}
    for (code, perspective), rows in survey.groupby(["region_code", "perspective"]):
        row = rows.iloc[0]
        name = PERSPECTIVES.get(str(perspective), str(perspective))
        if code == NATIONAL:
            name = f"{name} (Nederland)"
        perspectives[name] = [
            d.value(
                row,
                f"spinnenweb_{element}_mean",
                f"Spinnenweb {name}" if code == region_code else None,
                label,
            )
            for element, label in SPINNENWEB_LABELS.items()
        ]
    shown = {
        name: scores
        for name, scores in perspectives.items()
        if any(score is not None for score in scores)
    }
    regional = survey[survey["region_code"] == region_code]
    return {
        "elements": list(SPINNENWEB_LABELS.values()),
        "perspectives": shown,
        # both perspectives together; no response from the region is a count below it too
        "respondents": (
            f"<{d.threshold}"
            if regional.empty
            else d.show_count(regional.iloc[0], "wave_respondents")
        ),
    }


def _data_quality(loads: pd.DataFrame) -> list[dict]:
    """Which extract of each source the figures use (revision, rows) and what validation
    rejected on the way."""
    rows = []
    for source, attempts in loads.groupby("source", sort=True):
        used = attempts[attempts["status"] == "current"]
        rejected = attempts[attempts["status"] == "rejected"]
        rows.append(
            {
                "source": SOURCE_LABELS.get(str(source), str(source)),
                "file": PurePath(used["file_name"].iloc[-1]).name if not used.empty else "–",
                "revision": int(used["revision"].iloc[-1]) if not used.empty else None,
                "rows": thousands(int(used["row_count"].iloc[-1])) if not used.empty else "–",
                "rejected": len(rejected),
            }
        )
    return rows
