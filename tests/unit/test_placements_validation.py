"""The placements suite rejects each kind of bad row, says where, and accepts good files."""

from __future__ import annotations

from pathlib import Path

import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.sources import placements
from duurzaam.ingest.validation import validate
from duurzaam.reference import municipality_codes
from tests.extracts import placement_row, with_bsn, write_extract

PARAMETERS = {"municipality_codes": municipality_codes(), "min_rows": 1}


def check(path: Path, parameters: dict | None = None):
    frame = placements.prepare_for_validation(placements.read(path))
    return validate(frame, "placements", parameters or PARAMETERS)


def test_a_good_file_passes_in_both_date_formats_and_encodings(tmp_path):
    rows = [
        placement_row(1),
        placement_row(2, startdatum="05-10-2024", einddatum="01-12-2024", reden_einde="ontslag"),
        placement_row(3, gemeente_code="GM1900"),
    ]  # Súdwest-Fryslân
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        outcome = check(write_extract(tmp_path / f"{encoding}.csv", rows, encoding))
        assert outcome.success, outcome.failures


@pytest.mark.parametrize(
    ("cells", "column", "rule"),
    [
        ({"gemeente_code": "GM9999"}, "gemeente_code", "expect_column_values_to_be_in_set"),
        ({"gemeente_code": "GM0305"}, "gemeente_code", "expect_column_values_to_be_in_set"),
        ({"startdatum": "2024-02-30"}, "startdatum", "expect_column_values_to_match_regex"),
        ({"startdatum": "gisteren"}, "startdatum", "expect_column_values_to_match_regex"),
        (
            {"startdatum": "0024-01-05"},
            "startdatum",  # a real date, not a real start
            "expect_column_values_to_match_regex",
        ),
        ({"einddatum": "31-04-2024"}, "einddatum", "expect_column_values_to_match_regex"),
        (
            {"einddatum": "2024-01-01"},
            "einddatum",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        ({"uren_per_week": "0"}, "uren_per_week", "expect_column_values_to_be_between"),
        ({"uren_per_week": "60,5"}, "uren_per_week", "expect_column_values_to_be_between"),
        ({"uren_per_week": "veel"}, "uren_per_week", "expect_column_values_to_not_be_null"),
        ({"contractvorm": "flex"}, "contractvorm", "expect_column_values_to_be_in_set"),
        ({"grondslag": ""}, "grondslag", "expect_column_values_to_not_be_null"),
        ({"jobcoach": "misschien"}, "jobcoach", "expect_column_values_to_be_in_set"),
        ({"werkgever_grootte": "groot"}, "werkgever_grootte", "expect_column_values_to_be_in_set"),
        ({"sector": "Z"}, "sector", "expect_column_values_to_match_regex"),
        ({"plaatsing_id": "PL000001"}, "plaatsing_id", "expect_column_values_to_be_unique"),
    ],
)
def test_each_kind_of_bad_row_is_found_with_its_row_and_column(tmp_path, cells, column, rule):
    rows = [placement_row(n) for n in range(1, 6)]
    rows[3] = placement_row(4, **cells)  # spreadsheet row 5
    outcome = check(write_extract(tmp_path / "bad.csv", rows))
    failures = {(f.column, f.rule): f for f in outcome.failures}
    assert (column, rule) in failures, outcome.failures
    assert 5 in failures[(column, rule)].rows


def test_invalid_bsn_is_rejected_and_masked_in_quarantine(tmp_path):
    rows = [with_bsn(placement_row(1), "111222333"), with_bsn(placement_row(2), "123456789")]
    path = write_extract(tmp_path / "bsn.csv", rows)
    text = placements.read(path)
    outcome = validate(placements.prepare_for_validation(text), "placements", PARAMETERS)
    assert [(f.column, f.rows) for f in outcome.failures] == [("bsn_11proef", [3])]
    quarantine = outcome.quarantine_rows(text)
    assert "123456789" not in quarantine.to_csv()
    assert "111222333" not in quarantine.to_csv()


def test_missing_column_is_named(tmp_path):
    rows = [{k: v for k, v in placement_row(1).items() if k != "contractvorm"}]
    outcome = check(write_extract(tmp_path / "missing.csv", rows))
    assert [(f.rule, f.column) for f in outcome.failures] == [
        ("expect_column_to_exist", "contractvorm")
    ]


def test_implausibly_small_file_is_rejected(tmp_path):
    outcome = check(
        write_extract(tmp_path / "cut.csv", [placement_row(1)]), {**PARAMETERS, "min_rows": 500}
    )
    assert [f.rule for f in outcome.failures] == ["expect_table_row_count_to_be_between"]
    assert "1 rows" in outcome.failures[0].problem


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest-of-a-zip", "ZIP/XLSX"),
        (b"\x00\x01\x02binary", "binary"),
        (b"plaatsing_id,persoon_id,gemeente_code\nPL1,P1,GM0363\n", "','"),
        (b"plaatsing_id;gemeente_code\nPL1;GM0363\n", "no person identifier"),
        (b"plaatsing_id;persoon_id\nPL1;P1;extra;cells\nPL2;P2\n", "row 2: 4 cells where"),
        (b"plaatsing_id;persoon_id;gemeente_code\nPL1;P1;GM0363\nPL2;P2", "row 3: .* cut off"),
    ],
)
def test_unreadable_files_get_their_own_message(tmp_path, content, message):
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    with pytest.raises(InputRejected, match=message) as rejection:
        placements.read(path)
    assert str(path) in str(rejection.value) and "What to do" in str(rejection.value)


def test_dutch_diacritics_survive_windows_1252(tmp_path):
    rows = [placement_row(1, werkgever_id="Bakkerij Súdwest-Fryslân")]
    frame = placements.read(write_extract(tmp_path / "cp.csv", rows, "cp1252"))
    assert frame.loc[2, "werkgever_id"] == "Bakkerij Súdwest-Fryslân"
