"""What one region's report reads from the warehouse: its rows and the national ones ('NL')
from the published models (the marts with disclosure control applied), and what the
quarter's loads and validations recorded in meta."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from duurzaam.errors import DuurzaamError
from duurzaam.publication.labels import NATIONAL
from duurzaam.quarters import Quarter
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse
from duurzaam.warehouse.meta_tables import LOAD_COLUMNS

TREND_QUARTERS = 8


@dataclass(frozen=True)
class ReportData:
    quarter: Quarter
    region_code: str
    region_quarters: pd.DataFrame  # pub_region_quarter, the last 8 quarters of the region
    survival: pd.DataFrame  # pub_cohort_survival, the cohort of a year ago, region and NL
    factors: pd.DataFrame  # pub_retention_factors, region and NL
    survey: pd.DataFrame  # pub_employer_survey, the quarter's wave, region and NL
    loads: pd.DataFrame  # meta.loads of the quarter, every source and attempt
    # pub_retention_effects, region and NL
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    # pub_move_factors and pub_move_effects, region and NL
    moves: pd.DataFrame = field(default_factory=pd.DataFrame)
    move_effects: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def region_name(self) -> str:
        return str(self.region_quarters["region_name"].iloc[-1])

    @property
    def cohort_quarter(self) -> Quarter:
        """The latest cohort with 12 months observed: the one placed a year earlier."""
        return self.quarter - 4


def report_regions(settings: Settings, quarter: Quarter) -> list[str]:
    """The regions pub_region_quarter has for the quarter (all 35 once it is loaded)."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query(
            "select region_code from published.pub_region_quarter where quarter = %s "
            "order by region_code",
            (str(quarter),),
        )
    if not rows:
        raise DuurzaamError(
            f"published.pub_region_quarter has no rows for {quarter}: ingest that quarter and "
            "run `duurzaam transform` first"
        )
    return [str(code) for (code,) in rows]


def latest_quarter(settings: Settings) -> Quarter:
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query("select max(quarter) from published.pub_region_quarter")
    if not rows or rows[0][0] is None:
        raise DuurzaamError("published.pub_region_quarter is empty: load a quarter and transform")
    return Quarter.parse(rows[0][0])


def load_report_data(warehouse: Warehouse, quarter: Quarter, region_code: str) -> ReportData:
    regions = (region_code, NATIONAL)
    region_quarters = warehouse.query_frame(
        "select * from published.pub_region_quarter "
        "where region_code = %s and quarter between %s and %s order by quarter",
        (region_code, str(quarter - (TREND_QUARTERS - 1)), str(quarter)),
    )
    if region_quarters.empty or region_quarters["quarter"].iloc[-1] != str(quarter):
        raise DuurzaamError(
            f"published.pub_region_quarter has no row for region {region_code} in {quarter}: "
            "check the region code, or ingest the quarter and run `duurzaam transform`"
        )
    return ReportData(
        quarter=quarter,
        region_code=region_code,
        region_quarters=region_quarters,
        survival=warehouse.query_frame(
            "select * from published.pub_cohort_survival "
            "where region_code in (%s, %s) and cohort_quarter = %s and is_observable "
            "order by region_code, month",
            (*regions, str(quarter - 4)),
        ),
        factors=warehouse.query_frame(
            "select * from published.pub_retention_factors where region_code in (%s, %s)",
            regions,
        ),
        effects=warehouse.query_frame(
            "select * from published.pub_retention_effects where region_code in (%s, %s)",
            regions,
        ),
        moves=warehouse.query_frame(
            "select * from published.pub_move_factors where region_code in (%s, %s)", regions
        ),
        move_effects=warehouse.query_frame(
            "select * from published.pub_move_effects where region_code in (%s, %s)", regions
        ),
        survey=warehouse.query_frame(
            "select * from published.pub_employer_survey "
            "where region_code in (%s, %s) and wave = %s",
            (*regions, str(quarter)),
        ),
        loads=pd.DataFrame(warehouse.quarter_loads(str(quarter)), columns=LOAD_COLUMNS).sort_values(
            ["source", "finished_at"], kind="stable"
        ),
    )
