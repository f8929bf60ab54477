"""The content of one region's report, in Dutch, with disclosure control applied: no count
below the threshold, no rate on fewer people than that, and no count that follows from the
ones shown by subtraction leaves this module as a number (in text, tables or chart data)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

from duurzaam.privacy import cells_to_suppress, percentage, suppress_count, suppress_rate
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
    """Applies the threshold and keeps a list of what it withheld, for the report to say."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.withheld: dict[str, list[str]] = {}  # section -> what was not shown

    def withhold(self, section: str, what: str) -> None:
        self.withheld.setdefault(section, []).append(what)

    def count(self, value: Any, section: str | None = None, what: str = "") -> int | None:
        """The count, or None when it must not be shown (noted under `section`)."""
        if value is None or pd.isna(value):
            return None
        if int(value) < self.threshold:
            if section:
                self.withhold(section, what)
            return None
        return int(value)

    def rate(
        self, value: Any, denominator: Any, section: str | None = None, what: str = ""
    ) -> float | None:
        """The rate, or None when its denominator may not be shown."""
        if value is None or pd.isna(value):
            return None
        return None if self.count(denominator, section, what) is None else float(value)

    def show_count(self, value: Any) -> str:
        return suppress_count(value, self.threshold)

    def show_rate(self, value: Any, denominator: Any) -> str:
        return suppress_rate(value, denominator, self.threshold)


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
            "region": d.show_count(current[column]),
            "national": d.show_count(current[f"nl_{column}"]),
        }

    def rate(value: Any, denominator: Any, national: Any) -> dict:
        return {"region": d.show_rate(value, denominator), "national": percentage(national)}

    retention = (
        rate(cohort["retention_12m"], cohort["retention_12m_cohort"], cohort["nl_retention_12m"])
        if cohort is not None
        else {"region": "–", "national": "–"}
    )
    return [
        {"label": "Mensen in het doelgroepregister", **count("register_total")},
        {
            "label": "Aandeel werkend (doelgroepregister)",
            **rate(
                current["employment_rate"], current["register_total"], current["nl_employment_rate"]
            ),
        },
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
            d.count(rows.at[q, "placements_started"], "Plaatsingen", label)
            for q, label in zip(quarters, labels, strict=True)
        ],
        "job_losses": [
            d.count(rows.at[q, "job_losses"], "Baanverlies", label)
            for q, label in zip(quarters, labels, strict=True)
        ],
    }


def _survival(data: ReportData, cohort: pd.Series | None, d: Disclosure) -> dict[str, Any]:
    """The Kaplan-Meier curve of the cohort placed a year ago, as long as enough people are
    still followed (at risk) for the estimate to be shown: it stops at the first month with
    fewer, and nothing after that month is shown."""
    curves = {}
    for region_code, rows in data.survival.sort_values("month").groupby("region_code"):
        followed = rows[(rows["at_risk"] >= d.threshold).astype(int).cummin().astype(bool)]
        curves[region_code] = [
            # pandas-stubs type itertuples' fields as any scalar
            (int(r.month), float(r.survival), _float(r.ci_lower), _float(r.ci_upper))  # type: ignore[arg-type]
            for r in followed.itertuples()
        ]
    region = curves.get(data.region_code, [])
    if cohort is not None and d.count(cohort["retention_12m_cohort"]) is None:
        region = []
        d.withhold("Behoudcurve", data.cohort_quarter.label_nl)
    return {
        "cohort_label": data.cohort_quarter.label_nl,
        "region": region,
        "national": curves.get(NATIONAL, []),
    }


def _factors(factors: pd.DataFrame, region_code: str, d: Disclosure) -> list[dict]:
    """Retention at 12 months per factor level, regional beside national. Within a factor
    the levels add up to all spells, so a hidden level count is protected by hiding a second
    one (secondary suppression); a level hidden that way keeps no rate either."""
    national = factors[factors["region_code"] == NATIONAL].set_index(["factor", "level"])
    rows = []
    regional = factors[factors["region_code"] == region_code]
    for factor, levels in regional.groupby("factor", sort=True):
        levels = levels.sort_values("level")
        hidden = cells_to_suppress(levels["spells"].tolist(), d.threshold)
        for (_, level), is_hidden in zip(levels.iterrows(), hidden, strict=True):
            label = f"{FACTOR_LABELS.get(str(factor), str(factor))}: {level['level']}"
            nl = (
                national.loc[(factor, level["level"])]
                if (factor, level["level"]) in national.index
                else None
            )
            if is_hidden:
                d.withhold("Kenmerken", label)
            rows.append(
                {
                    "label": label,
                    "spells": _factor_count(level["spells"], is_hidden, d),
                    "retention": None if is_hidden else _float(level["retention_12m"]),
                    "ci_lower": None if is_hidden else _float(level["retention_12m_ci_lower"]),
                    "ci_upper": None if is_hidden else _float(level["retention_12m_ci_upper"]),
                    "national": None if nl is None else _float(nl["retention_12m"]),
                }
            )
    return rows


def _factor_count(spells: int, is_hidden: bool, d: Disclosure) -> str:
    """'<10' for a small count, 'x' for one hidden to protect another (secondary)."""
    if not is_hidden:
        return d.show_count(spells)
    return f"<{d.threshold}" if spells < d.threshold else "x"


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
            d.rate(
                row[f"spinnenweb_{element}_mean"],
                row[f"spinnenweb_{element}_n"],
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
    regional_respondents = int(
        survey.loc[survey["region_code"] == region_code, "respondents"].sum()
    )
    return {
        "elements": list(SPINNENWEB_LABELS.values()),
        "perspectives": shown,
        "respondents": d.show_count(regional_respondents),
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
                "rows": f"{int(used['row_count'].iloc[-1]):,}".replace(",", ".")
                if not used.empty
                else "–",
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
    placements = d.show_count(current["placements_started"])
    losses = d.show_count(current["job_losses"])
    first = f"In {quarter} begonnen {placements} mensen uit de doelgroep aan een nieuwe baan"
    if year_ago is not None:
        before = d.count(year_ago["placements_started"])
        now = d.count(current["placements_started"])
        if before is not None and now is not None:
            direction = (
                "meer dan" if now > before else "minder dan" if now < before else "evenveel als"
            )
            first += f", {direction} een jaar eerder ({d.show_count(before)})"
    first += f"; {losses} mensen verloren hun baan."

    if cohort is None or pd.isna(cohort["retention_12m"]):
        second = "Hoeveel mensen na 12 maanden nog werken, is voor deze regio nog niet bekend."
    else:
        region = d.show_rate(cohort["retention_12m"], cohort["retention_12m_cohort"])
        national_rate = float(cohort["nl_retention_12m"])
        national = percentage(national_rate)
        if region.startswith("n<"):
            second = (
                f"Van de mensen die in {data.cohort_quarter.label_nl} begonnen, zijn er te "
                f"weinig om het behoud na 12 maanden te tonen; landelijk is dat {national}."
            )
        else:
            interval = _interval_at_12_months(data)
            lower, upper = interval if interval else (None, None)
            second = retention_sentence(
                data.cohort_quarter.label_nl,
                d.show_count(cohort["retention_12m_cohort"]),
                region,
                interval,
                compare(cohort["retention_12m"], lower, upper, national_rate),
                national,
            )

    if pd.isna(current["employment_rate"]):
        third = "Voor dit kwartaal zijn er nog geen cijfers uit het doelgroepregister."
    else:
        third = (
            f"Van de mensen in het doelgroepregister werkt "
            f"{d.show_rate(current['employment_rate'], current['register_total'])} "
            f"(landelijk {percentage(current['nl_employment_rate'])})"
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
    return None if value is None or pd.isna(value) else float(value)
