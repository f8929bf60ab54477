"""The published schema on both backends: nothing person-level, no count below the threshold
readable in any published model, every count with its `<column>_suppressed` beside it, and
a withheld value null wherever its marker says so (the rules themselves are dbt unit tests,
dbt_project/models/published/*.yml)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from duurzaam.orchestration.assets import PUBLISHED_ASSETS
from duurzaam.settings import load_settings
from duurzaam.warehouse.database import open_warehouse

# Reads the run's built warehouses (every source loaded, dbt built by the production roles
# on PostgreSQL).
pytestmark = pytest.mark.slow

# Integer columns that count no one (ph_df: a model's degrees of freedom), and differences of
# two published counts (withheld with either of them, checked by the dbt unit tests), which
# may be small.
NOT_COUNTS = {"month", "wave_number", "net_change", "nl_net_change", "ph_df"}
# Identifiers of people, placements or spells: none may be published.
PERSON_LEVEL = {"bsn", "persoon_id", "person_id", "plaatsing_id", "placement_id", "spell_id"}


def published_columns(url: str) -> dict[str, dict[str, str]]:
    """table -> column -> lower-case data type, of every table in the schema published."""
    with open_warehouse(url) as warehouse:
        rows = warehouse.query(
            "select table_name, column_name, lower(data_type) from information_schema.columns "
            "where table_schema = 'published' order by table_name, ordinal_position"
        )
    tables: dict[str, dict[str, str]] = defaultdict(dict)
    for table, column, data_type in rows:
        tables[table][column] = data_type
    return tables


def test_no_small_count_is_readable_in_the_published_schema(built_warehouse):
    published_url = built_warehouse.warehouse_url
    threshold = load_settings().suppress_below
    tables = published_columns(published_url)
    assert set(tables) == set(PUBLISHED_ASSETS)
    withheld = 0
    with open_warehouse(published_url) as warehouse:
        for table, columns in tables.items():
            assert not PERSON_LEVEL & set(columns), table
            counts = [
                column
                for column, data_type in columns.items()
                if data_type in ("bigint", "integer") and column not in NOT_COUNTS
            ]
            assert counts, table
            for column in counts:
                assert f"{column}_suppressed" in columns, f"{table}.{column} is never suppressed"
                ((small, hidden),) = warehouse.query(
                    f"select count(case when {column} < {threshold} then 1 end), "
                    f"count({column}_suppressed) from published.{table}"
                )
                assert small == 0, f"{table}.{column}: {small} counts below {threshold}"
                withheld += hidden
            for column in columns:
                if column.endswith("_suppressed"):
                    value = column.removesuffix("_suppressed")
                    ((both,),) = warehouse.query(
                        f"select count(*) from published.{table} "
                        f"where {value} is not null and {column} is not null"
                    )
                    assert both == 0, f"{table}.{value} is shown and marked withheld"
    assert withheld > 0  # the check is not about a warehouse without small cells
