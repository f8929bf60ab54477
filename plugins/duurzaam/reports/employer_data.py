"""What one participating employer's report reads from the warehouse: only the published
layer (the marts with disclosure control applied): its own rows of pub_employer_quarter, the
benchmarks of its region and of its sector type and size class (pub_employer_benchmarks),
the adjusted effects of the instruments (pub_retention_effects, its region and NL), and its
own Spinnenweb answers of its latest wave (pub_employer_survey_answers) beside its region's
and the country's means of that wave (pub_employer_survey)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from duurzaam.employers import Employer
from duurzaam.publication.labels import NATIONAL
from duurzaam.quarters import Quarter
from duurzaam.warehouse.database import Warehouse

TREND_QUARTERS = 8
# The instruments a placement may use: the published column's stem and the factor of the
# retention effects (macros/employer_figures.sql, employer_instruments).
INSTRUMENTS = {
    "jobcoach": "jobcoach",
    "wage_cost_subsidy": "loonkostensubsidie",
    "no_risk_policy": "no_riskpolis",
    "workplace_adaptation": "werkplekaanpassing",
    "labour_expert": "arbeidsdeskundige",
}


@dataclass(frozen=True)
class EmployerReportData:
    quarter: Quarter
    employer: Employer
    region_name: str
    own: pd.DataFrame  # pub_employer_quarter: the employer's rows, the last 8 quarters
    benchmarks: pd.DataFrame  # pub_employer_benchmarks: its region and its sector and size
    effects: pd.DataFrame  # pub_retention_effects of the instruments, its region and NL
    # pub_employer_survey_answers: its answers of the latest wave of the 8 quarters it
    # responded in (none: it did not), and pub_employer_survey of that wave (else the
    # quarter's), its region and NL
    answers: pd.DataFrame = field(default_factory=pd.DataFrame)
    survey: pd.DataFrame = field(default_factory=pd.DataFrame)
    # (code, name) of the region its answers count in (the municipality it answered from),
    # where that is not the region it takes part in: the mean its scores stand beside
    answered_from: tuple[str, str] | None = None

    @property
    def survey_region(self) -> tuple[str, str]:
        """(code, name) of the region whose Spinnenweb its section shows."""
        return self.answered_from or (self.employer.region_code, self.region_name)

    @property
    def survey_wave(self) -> Quarter:
        """The wave its Spinnenweb section is about."""
        return (
            Quarter.parse(str(self.answers["wave"].iloc[0])) if len(self.answers) else self.quarter
        )

    def own_row(self, quarter: Quarter) -> pd.Series | None:
        """The employer's row of the quarter; None when it had no placements to report on."""
        rows = self.own[self.own["quarter"] == str(quarter)]
        return None if rows.empty else rows.iloc[0]

    def benchmark(self, kind: str, quarter: Quarter) -> pd.Series | None:
        """The region's ('region') or the sector and size class's ('sector_size') row."""
        rows = self.benchmarks[
            (self.benchmarks["benchmark"] == kind) & (self.benchmarks["quarter"] == str(quarter))
        ]
        return None if rows.empty else rows.iloc[0]


def load_employer_data(
    warehouse: Warehouse, quarter: Quarter, employer: Employer
) -> EmployerReportData:
    first = str(quarter - (TREND_QUARTERS - 1))
    own = warehouse.query_frame(
        "select * from published.pub_employer_quarter where employer_id = %s "
        "and quarter between %s and %s order by quarter",
        (employer.employer_id, first, str(quarter)),
    )
    # its sector type and size class: the latest of its own rows (from its placements)
    kind = own.iloc[-1] if not own.empty else None
    benchmarks = warehouse.query_frame(
        "select * from published.pub_employer_benchmarks where quarter between %s and %s "
        "and ((benchmark = 'region' and region_code = %s) or (benchmark = 'sector_size' "
        "and sector_kind = %s and size_class = %s)) order by benchmark, quarter",
        (
            first,
            str(quarter),
            employer.region_code,
            None if kind is None else str(kind["sector_kind"]),
            None if kind is None else str(kind["size_class"]),
        ),
    )
    factors = list(INSTRUMENTS.values())
    effects = warehouse.query_frame(
        "select * from published.pub_retention_effects where region_code in (%s, %s) "
        f"and factor in ({', '.join(['%s'] * len(factors))})",
        (employer.region_code, NATIONAL, *factors),
    )
    answers = warehouse.query_frame(
        "select * from published.pub_employer_survey_answers where employer_id = %s "
        "and wave between %s and %s order by wave desc limit 1",
        (employer.employer_id, first, str(quarter)),
    )
    wave = str(answers["wave"].iloc[0]) if len(answers) else str(quarter)
    answered_in = answers["survey_region_code"].iloc[0] if len(answers) else None
    survey_region = answered_in if isinstance(answered_in, str) else employer.region_code
    survey = warehouse.query_frame(
        "select * from published.pub_employer_survey where wave = %s and region_code in (%s, %s)",
        (wave, survey_region, NATIONAL),
    )

    def region_name(code: str) -> str:
        names = warehouse.query(
            "select region_name from published.pub_region_quarter where region_code = %s "
            "and quarter = %s",
            (code, str(quarter)),
        )
        return str(names[0][0]) if names else code

    answered_from = None
    if survey_region != employer.region_code:
        answered_from = (survey_region, region_name(survey_region))
    return EmployerReportData(
        quarter,
        employer,
        region_name(employer.region_code),
        own,
        benchmarks,
        effects,
        answers,
        survey,
        answered_from,
    )
