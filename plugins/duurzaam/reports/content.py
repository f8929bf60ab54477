"""The content of one region's report, in Dutch, from the published models: what the
warehouse withheld (a count below the threshold, a rate over fewer people, a count hidden
so that another cannot be computed by subtraction) arrives as null with its
`<column>_suppressed` text ('<10', 'x', 'n<10'), is shown as that text and listed in the
report's note on what was not shown."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

from duurzaam.privacy import percentage, thousands
from duurzaam.reports.data import NATIONAL, ReportData
from duurzaam.reports.effects import compare, effects_content, retention_sentence

FACTOR_LABELS = {
    "jobcoach": "Jobcoach",
    "loonkostensubsidie": "Loonkostensubsidie",
    "no_riskpolis": "No-riskpolis",
    "werkplekaanpassing": "Werkplekaanpassing",
    "proefplaatsing": "Proefplaatsing",
    "arbeidsdeskundige": "Arbeidsdeskundige betrokken",
    "contractvorm": "Contract",
    "sector_type": "Sector",
    "werkgever_grootte": "Werkgever (medewerkers)",
    "grondslag": "Grondslag",
    "uren_band": "Uren per week",
}
SPINNENWEB_LABELS = {
    "kennis_doelgroep": "Kennis doelgroep",
    "informatie_regelingen": "Informatie regelingen",
    "selectie_matching": "Selectie en matching",
    "ondersteuning_werkgevers": "Ondersteuning werkgevers",
    "samenwerking_actoren": "Samenwerking actoren",
    "praktische_ondersteuning": "Praktische ondersteuning",
    "administratie_digitalisering": "Administratie en digitalisering",
}
PERSPECTIVES = {"werkgever": "Werkgevers", "professional": "Professionals"}
SOURCE_LABELS = {
    "placements": "Plaatsingen",
    "register": "Doelgroepregister",
    "jobs_agreement": "Banenafspraak",
    "employer_survey": "Werkgeversenquête",
    "followup_survey": "Vervolgmeting",
}


class Disclosure:
    """Reads what the published models withheld, and keeps a list of it for the report to
    say."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.withheld: dict[str, list[str]] = {}  # section -> what was not shown

    def withhold(self, section: str, what: str) -> None:
        self.withheld.setdefault(section, []).append(what)

    def value(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> float | None:
        """The row's value of `column`, or None when it is unknown or withheld (a withheld
        one is noted under `section`)."""
        if _missing(row[column]):
            if section and not _missing(row[f"{column}_suppressed"]):
                self.withhold(section, what)
            return None
        return float(row[column])

    def count(
        self, row: Any, column: str, section: str | None = None, what: str = ""
    ) -> int | None:
        value = self.value(row, column, section, what)
        return None if value is None else int(value)

    @staticmethod
    def show_count(row: Any, column: str) -> str:
        """The count in Dutch ('6.123'), what stands in its place when withheld, or '–'."""
        if not _missing(row[f"{column}_suppressed"]):
            return str(row[f"{column}_suppressed"])
        return "–" if _missing(row[column]) else thousands(int(row[column]))

    @staticmethod
    def show_rate(row: Any, column: str) -> str:
        """The rate as a percentage ('62,5%'), what stands in its place when withheld, or '–'."""
        if not _missing(row[f"{column}_suppressed"]):
            return str(row[f"{column}_suppressed"])
        return percentage(row[column])


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
        "headline": _headline(current, cohort, disclosure),
        "trend": _trend(rows, disclosure),
        "survival": _survival(data, cohort, disclosure),
        "factors": _factors(data.factors, data.region_code, disclosure),
        "effects": effects_content(data.effects, data.region_code, FACTOR_LABELS, disclosure),
        "spinnenweb": _spinnenweb(data.survey, data.region_code, disclosure),
        "data_quality": _data_quality(data.loads),
    }
    content["summary"] = _summary(current, year_ago, cohort, data, disclosure)
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


def _headline(current: pd.Series, cohort: pd.Series | None, d: Disclosure) -> list[dict]:
    def count(column: str) -> dict:
        return {
            "region": d.show_count(current, column),
            "national": d.show_count(current, f"nl_{column}"),
        }

    def rate(row: pd.Series, column: str) -> dict:
        return {"region": d.show_rate(row, column), "national": d.show_rate(row, f"nl_{column}")}

    retention = (
        rate(cohort, "retention_12m") if cohort is not None else {"region": "–", "national": "–"}
    )
    return [
        {"label": "Mensen in het doelgroepregister", **count("register_total")},
        {"label": "Aandeel werkend (doelgroepregister)", **rate(current, "employment_rate")},
        {"label": "Plaatsingen (nieuwe werkperiodes)", **count("placements_started")},
        {"label": "Baanverlies", **count("job_losses")},
        {"label": "Van werk naar werk", **count("job_to_job_moves")},
        {"label": "Nog aan het werk na 12 maanden", **retention},
        {
            "label": "Banenafspraak: gerealiseerd van het doel",
            "region": percentage(current["jobs_progress"]),
            "national": percentage(current["nl_jobs_progress"]),
        },
    ]


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


def _survival(data: ReportData, cohort: pd.Series | None, d: Disclosure) -> dict[str, Any]:
    """The Kaplan-Meier curve of the cohort placed a year ago, as far as it is published: it
    stops at the first month with fewer people still followed (at risk) than the threshold
    (pub_cohort_survival withholds that month and every later one)."""
    curves = {}
    for region_code, rows in data.survival.sort_values("month").groupby("region_code"):
        followed = rows[rows["survival"].notna()]
        curves[region_code] = [
            # pandas-stubs type itertuples' fields as any scalar
            (int(r.month), float(r.survival), _float(r.ci_lower), _float(r.ci_upper))  # type: ignore[arg-type]
            for r in followed.itertuples()
        ]
    region = curves.get(data.region_code, [])
    if cohort is not None and d.count(cohort, "retention_12m_cohort") is None:
        region = []
        d.withhold("Behoudcurve", data.cohort_quarter.label_nl)
    return {
        "cohort_label": data.cohort_quarter.label_nl,
        "region": region,
        "national": curves.get(NATIONAL, []),
    }


def _factors(factors: pd.DataFrame, region_code: str, d: Disclosure) -> list[dict]:
    """Retention at 12 months per factor level, regional beside national. A level withheld
    in pub_retention_factors ('<10', or 'x' to protect another level of the factor) keeps
    no rate either."""
    national = factors[factors["region_code"] == NATIONAL].set_index(["factor", "level"])
    rows = []
    regional = factors[factors["region_code"] == region_code]
    for factor, levels in regional.groupby("factor", sort=True):
        for _, level in levels.sort_values("level").iterrows():
            label = f"{FACTOR_LABELS.get(str(factor), str(factor))}: {level['level']}"
            nl = (
                national.loc[(factor, level["level"])]
                if (factor, level["level"]) in national.index
                else None
            )
            d.count(level, "spells", "Kenmerken", label)  # notes a withheld level
            rows.append(
                {
                    "label": label,
                    "spells": d.show_count(level, "spells"),
                    "retention": _float(level["retention_12m"]),
                    "ci_lower": _float(level["retention_12m_ci_lower"]),
                    "ci_upper": _float(level["retention_12m_ci_upper"]),
                    "national": None if nl is None else _float(nl["retention_12m"]),
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


def _summary(
    current: pd.Series,
    year_ago: pd.Series | None,
    cohort: pd.Series | None,
    data: ReportData,
    d: Disclosure,
) -> list[str]:
    """Three sentences in plain Dutch, built only from figures that may be shown."""
    quarter = data.quarter.label_nl
    placements = d.show_count(current, "placements_started")
    losses = d.show_count(current, "job_losses")
    first = f"In {quarter} begonnen {placements} mensen uit de doelgroep aan een nieuwe baan"
    if year_ago is not None:
        before = d.count(year_ago, "placements_started")
        now = d.count(current, "placements_started")
        if before is not None and now is not None:
            direction = (
                "meer dan" if now > before else "minder dan" if now < before else "evenveel als"
            )
            first += f", {direction} een jaar eerder ({thousands(before)})"
    first += f"; {losses} mensen verloren hun baan."

    if cohort is None or (
        pd.isna(cohort["retention_12m"]) and pd.isna(cohort["retention_12m_suppressed"])
    ):
        second = "Hoeveel mensen na 12 maanden nog werken, is voor deze regio nog niet bekend."
    else:
        region = d.show_rate(cohort, "retention_12m")
        national = d.show_rate(cohort, "nl_retention_12m")
        if pd.isna(cohort["retention_12m"]):
            second = (
                f"Van de mensen die in {data.cohort_quarter.label_nl} begonnen, zijn er te "
                f"weinig om het behoud na 12 maanden te tonen; landelijk is dat {national}."
            )
        else:
            interval = _interval_at_12_months(data)
            lower, upper = interval if interval else (None, None)
            second = retention_sentence(
                data.cohort_quarter.label_nl,
                d.show_count(cohort, "retention_12m_cohort"),
                region,
                interval,
                compare(cohort["retention_12m"], lower, upper, cohort["nl_retention_12m"]),
                national,
            )

    if pd.isna(current["employment_rate"]) and pd.isna(current["employment_rate_suppressed"]):
        third = "Voor dit kwartaal zijn er nog geen cijfers uit het doelgroepregister."
    else:
        third = (
            f"Van de mensen in het doelgroepregister werkt "
            f"{d.show_rate(current, 'employment_rate')} "
            f"(landelijk {d.show_rate(current, 'nl_employment_rate')})"
        )
        if not pd.isna(current["jobs_progress"]):
            third += (
                f"; de banenafspraak staat op {percentage(current['jobs_progress'])} "
                "van het regionale doel"
            )
        third += "."
    return [first, second, third]


def _interval_at_12_months(data: ReportData) -> tuple[float, float] | None:
    """The 95% interval of the region's cohort retention at 12 months (mart_cohort_survival),
    or None when the mart has none."""
    rows = data.survival[
        (data.survival["region_code"] == data.region_code) & (data.survival["month"] == 12)
    ]
    if rows.empty or rows[["ci_lower", "ci_upper"]].isna().any(axis=None):
        return None
    return float(rows["ci_lower"].iloc[0]), float(rows["ci_upper"].iloc[0])


def _float(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
