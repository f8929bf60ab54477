"""The content of a participating employer's report, in Dutch, for an HR manager: "Uw
plaatsingen" (its placements, job losses and moves beside its region and its sector type and
size class), "Hoe lang blijven uw medewerkers" (retention of its rolling year's placements),
"Wat helpt" (the instruments its placements used beside their adjusted effects) and "Het
Spinnenweb" (its own answers to the employer survey beside its region's:
employer_spinnenweb.py). Built only from what the published layer shows (employer_data.py);
every comparison follows effects.compare: a difference only where the 95% interval excludes
the other value."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.publication.labels import (
    FACTOR_LABELS,
    decimal,
    level_label,
    percentage,
    thousands,
)
from duurzaam.quarters import Quarter
from duurzaam.reports.effects import compare, effects_content
from duurzaam.reports.employer_data import INSTRUMENTS, EmployerReportData
from duurzaam.reports.employer_spinnenweb import spinnenweb_content
from duurzaam.reports.moves import wilson
from duurzaam.reports.withheld import Disclosure

PLACEMENTS, RETENTION, HELPS = "Uw plaatsingen", "Hoe lang blijven uw medewerkers", "Wat helpt"
COUNTS = {
    "placements_started": "Plaatsingen gestart",
    "in_work": "Aan het werk aan het eind van het kwartaal (afgerond op 10)",
    "job_losses": "Baanverlies",
    "job_to_job_moves": "Over naar ander werk",
}
INSTRUMENT_NAMES = {
    "jobcoach": "een jobcoach",
    "wage_cost_subsidy": "loonkostensubsidie",
    "no_risk_policy": "de no-riskpolis",
    "workplace_adaptation": "een werkplekaanpassing",
    "labour_expert": "een arbeidsdeskundige",
}


def employer_content(data: EmployerReportData, threshold: int) -> dict[str, Any]:
    """Everything the employer's report shows; a report that says so when the quarter's
    extracts hold none of its placements."""
    d = Disclosure(threshold)
    employer, quarter = data.employer, data.quarter
    own = data.own_row(quarter)
    region, sector = data.benchmark("region", quarter), data.benchmark("sector_size", quarter)
    sector_label = _sector_label(own)
    columns = ["Kerncijfer", "Uw organisatie", data.region_name, sector_label]
    content: dict[str, Any] = {
        "kind": "werkgever",
        "addressee": f"werkgever:{employer.employer_id}",
        "employer_id": employer.employer_id,
        "employer_name": employer.name,
        "region_code": employer.region_code,
        "region_name": data.region_name,
        "sector_label": sector_label,
        "quarter": str(quarter),
        "quarter_label": quarter.label_nl,
        "threshold": threshold,
        "has_figures": own is not None,
        "spinnenweb": spinnenweb_content(data, d),
    }
    if own is None:
        content |= {
            "absent": (
                f"In de gegevens van {quarter.label_nl} komt {employer.name} niet voor: er "
                "zijn geen plaatsingen bij u gestart, gelopen of geëindigd om over te "
                "rapporteren. Het volgende rapport gaat weer over uw plaatsingen zodra die "
                "er zijn."
            ),
            "placements": {}, "retention": {}, "helps": {}, "withheld": d.withheld,
        }  # fmt: skip
        return content
    content["placements"] = {
        "sentences": [_placements_sentence(own, quarter, d)],
        "columns": columns,
        "rows": [
            [label, *(_count(row, column, d) for row in (own, region, sector))]
            for column, label in COUNTS.items()
        ],
        "trend": [
            [Quarter.parse(str(row["quarter"])).label_nl]
            + [_count(row, c, d) for c in ("placements_started", "job_losses", "job_to_job_moves")]
            for _, row in data.own.iterrows()
        ],
    }
    cohort_quarter = quarter - 4  # the latest rolling year with 12 months observed
    cohort = data.own_row(cohort_quarter)
    benchmarks = [data.benchmark(kind, cohort_quarter) for kind in ("region", "sector_size")]
    content["retention"] = _retention(cohort, benchmarks, cohort_quarter, data.region_name, d)
    content["retention"]["columns"] = ["Na", "Uw organisatie", data.region_name, sector_label]
    content["helps"] = _helps(data, own, region, d)
    content["withheld"] = d.withheld
    return content


def _sector_label(own: pd.Series | None) -> str:
    if own is None:
        return "Sector en omvang"
    kind = {"markt": "Marktsector", "overheid": "Overheid"}.get(str(own["sector_kind"]))
    size = f"{level_label(own['size_class'])} medewerkers"
    return f"{kind or 'Sector onbekend'}, {size}"


def _count(row: pd.Series | None, column: str, d: Disclosure) -> str:
    return "–" if row is None else d.show_count(row, column)


def _placements_sentence(own: pd.Series, quarter: Quarter, d: Disclosure) -> str:
    """What happened to its placements in the quarter, in counts as the layer shows them."""
    started, losses, moves = (
        _in_words(own, c, d) for c in ("placements_started", "job_losses", "job_to_job_moves")
    )
    return (
        f"In {quarter.label_nl} begonnen {started} mensen uit het doelgroepregister bij u. "
        f"{losses.capitalize()} medewerkers verloren hun baan zonder binnen 3 maanden ander "
        f"werk te vinden; {moves} gingen over naar ander werk."
    )


def _in_words(row: pd.Series, column: str, d: Disclosure) -> str:
    """A count for a sentence: the number, 'minder dan 10' or 'een niet getoond aantal'."""
    marker = d.show_count(row, column, PLACEMENTS, COUNTS[column])
    if marker.startswith("<"):
        return f"minder dan {marker[1:]}"
    return "een niet getoond aantal" if marker in ("x", "–") else marker


def _retention(
    cohort: pd.Series | None,
    benchmarks: list[pd.Series | None],
    cohort_quarter: Quarter,
    region_name: str,
    d: Disclosure,
) -> dict[str, Any]:
    """Retention at 6 and 12 months of the placements started in the rolling year up to
    cohort_quarter: all of them are followed 12 months by now, so the share still in work
    is a proportion of the year's placements, and its Wilson interval carries the
    comparison with the benchmarks."""
    first = (cohort_quarter - 3).label_nl
    period = f"tussen {first} en {cohort_quarter.label_nl}"
    rows = [
        [f"{months} maanden"]
        + [
            "–" if row is None else d.show_rate(row, f"retention_{months}m", RETENTION, what)
            for row, what in ((cohort, f"uw behoud na {months} maanden"), *_none(benchmarks))
        ]
        for months in (6, 12)
    ]
    shown = cohort is not None and d.value(cohort, "retention_12m") is not None
    size = None if cohort is None else d.count(cohort, "rolling_year_placements")
    if not shown or not size:
        sentence = (
            f"Hoeveel van de mensen die {period} bij u begonnen na 12 maanden nog aan het werk "
            "zijn, wordt niet getoond: het zijn te weinig mensen, of het getal zou iemand "
            "herkenbaar maken."
        )
        return {"period": period, "rows": rows, "sentences": [sentence]}
    assert cohort is not None
    retention = float(cohort["retention_12m"])
    lower, upper = wilson(round(retention * size), size)
    sentence = (
        f"Van de {thousands(size)} mensen die {period} bij u begonnen, was na 12 maanden "
        f"{percentage(retention)} nog aan het werk (95%-interval {percentage(lower)} tot "
        f"{percentage(upper)})"
    )
    region = benchmarks[0]
    other = None if region is None else d.value(region, "retention_12m")
    if other is None:
        return {"period": period, "rows": rows, "sentences": [sentence + "."]}
    difference = compare(retention, lower, upper, other)
    of_region = f"de {percentage(other)} van alle werkgevers in {region_name}"
    if difference:
        sentence += f"; dat is {difference} {of_region}."
    else:
        sentence += f"; dat verschilt niet meetbaar van {of_region}."
    return {"period": period, "rows": rows, "sentences": [sentence]}


def _none(rows: list[pd.Series | None]) -> list[tuple[pd.Series | None, str]]:
    return [(row, "") for row in rows]


def _helps(
    data: EmployerReportData, own: pd.Series, region: pd.Series | None, d: Disclosure
) -> dict[str, Any]:
    """Per instrument: the share of its rolling year's placements that used it beside the
    region's, and the instrument's adjusted hazard ratio of a job loss (the region's own
    estimate where it has one, else the national one)."""
    labels = {factor: FACTOR_LABELS[factor] for factor in INSTRUMENTS.values()}
    effects = effects_content(data.effects, data.employer.region_code, labels, d)
    estimated = {row["label"].split(":")[0]: row for row in effects["rows"] if not row["reference"]}
    rows, sentences = [], []
    for stem, factor in INSTRUMENTS.items():
        effect = estimated.get(labels[factor])
        rows.append(
            {
                "label": labels[factor],
                "own": d.show_rate(own, f"{stem}_share", HELPS, f"{labels[factor]} (uw aandeel)"),
                "region": "–" if region is None else d.show_rate(region, f"{stem}_share"),
                "effect": "–" if effect is None else _effect_text(effect),
            }
        )
        if effect is not None:
            sentences.append(_effect_sentence(INSTRUMENT_NAMES[stem], effect))
    helpful = [sentence for sentence in sentences if sentence]
    if not helpful:
        helpful = [
            "Voor geen van de instrumenten is, met de andere kenmerken gelijk gehouden, een "
            "meetbaar verschil in het risico op baanverlies gevonden."
        ]
    return {"rows": rows, "sentences": helpful}


def _effect_text(effect: dict[str, Any]) -> str:
    text = effect["region_text"] if effect["region"] is not None else effect["national_text"]
    return text if effect["region"] is not None else f"{text} (landelijk)"


def _effect_sentence(name: str, effect: dict[str, Any]) -> str:
    """What the instrument goes with, the other factors held equal, only where the interval
    excludes 1 (no difference)."""
    estimate = effect["region"] or effect["national"]
    if estimate is None:
        return ""
    where = "in uw regio" if effect["region"] is not None else "landelijk"
    direction = compare(estimate["hr"], estimate["lower"], estimate["upper"], 1.0)
    if direction is None:
        return ""
    size = "groter" if direction == "hoger dan" else "kleiner"
    ratio, lower, upper = (decimal(estimate[k], 2) for k in ("hr", "lower", "upper"))
    return (
        f"Plaatsingen met {name} hebben {where}, met de andere kenmerken gelijk gehouden, een "
        f"{size} risico op baanverlies (hazard ratio {ratio}, 95%-interval {lower} tot {upper})."
    )
