"""The BSN scan of a whole ingest: good files with BSN-looking digits load, a BSN anywhere
outside the bsn column still rejects the file (both warehouses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.privacy import is_valid_bsn
from duurzaam.ingest.steps import ingest
from duurzaam.warehouse.database import open_warehouse
from tests.extracts import VALID_BSNS, placement_row, write_extract

QUARTER = "2024Q1"
ROWS = 300


def hex_pseudonyms(n: int) -> list[str]:
    """16-character hexadecimal ids from a source system, some with a nine-digit run that
    passes the 11-proef (the first few on purpose, the rest as chance gives)."""
    rng = np.random.default_rng(11)
    ids = [bytes(rng.integers(0, 256, 8, dtype=np.uint8)).hex() for _ in range(n)]
    for i, bsn in enumerate(VALID_BSNS):
        ids[i] = f"a{bsn}{ids[i][:6]}"
    return ids


def numeric_ids(n: int) -> list[str]:
    numbers = np.random.default_rng(5).choice(np.arange(100_000_000, 999_999_999), n, False)
    return [str(number) for number in numbers]


def loaded_rows(settings) -> int:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query("select count(*) from raw.placements")[0][0]


def test_hex_pseudonyms_and_nine_digit_placement_ids_load(settings):
    persons, placements = hex_pseudonyms(ROWS), numeric_ids(ROWS)

    assert is_valid_bsn(pd.Series(placements)).sum() > 10  # chance passes the 11-proef
    rows = [
        placement_row(n, plaatsing_id=placements[n], persoon_id=persons[n]) for n in range(ROWS)
    ]
    write_extract(settings.landing_dir / "placements" / f"{QUARTER}.csv", rows)

    assert ingest("placements", QUARTER, settings)["status"] == "loaded"
    assert loaded_rows(settings) == ROWS


def test_a_column_of_bsns_under_another_name_rejects_the_file(settings):
    rows = [placement_row(n, werkgever_id=VALID_BSNS[n % 5]) for n in range(1, 31)]
    write_extract(settings.landing_dir / "placements" / f"{QUARTER}.csv", rows)

    with pytest.raises(InputRejected, match="bsn_outside_bsn_column"):
        ingest("placements", QUARTER, settings)
    assert loaded_rows(settings) == 0
