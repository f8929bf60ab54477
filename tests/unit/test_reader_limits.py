"""The bounds the readers promise (docs/sources.md, "What a reader accepts") hold at their
edge: what is at the limit is read, what is one over it is rejected by its rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from duurzaam.errors import InputRejected
from duurzaam.ingest.sources import files, jobs_agreement, placements, register
from tests.extracts import placement_row, write_extract


def rule_of(read, path: Path) -> str | None:
    try:
        read(path)
    except InputRejected as rejection:
        return rejection.rule
    return None


@pytest.mark.parametrize(
    ("module", "limit", "name"),
    [
        (placements, "duurzaam.ingest.sources.files.MAX_FILE_BYTES", "extract.csv"),
        (register, "duurzaam.ingest.sources.register.MAX_FILE_BYTES", "register.json"),
        (jobs_agreement, "duurzaam.ingest.sources.jobs_agreement.MAX_FILE_BYTES", "book.xlsx"),
    ],
    ids=["delimited", "register", "workbook"],
)
def test_a_file_over_its_size_limit_is_rejected(module, limit, name, tmp_path, monkeypatch):
    path = tmp_path / name
    path.write_bytes(b"x" * 1000)
    monkeypatch.setattr(limit, 999)
    assert rule_of(module.read, path) == "file_size_limit"
    monkeypatch.setattr(limit, 1000)
    assert rule_of(module.read, path) != "file_size_limit"


def test_a_cell_at_the_limit_is_read_and_one_byte_more_is_rejected(tmp_path):
    at_limit = "x" * files.MAX_CELL_BYTES
    path = write_extract(tmp_path / "at.csv", [placement_row(1, werkgever_id=at_limit)])
    assert placements.read(path).loc[2, "werkgever_id"] == at_limit
    path = write_extract(tmp_path / "over.csv", [placement_row(1, werkgever_id=at_limit + "x")])
    with pytest.raises(InputRejected) as rejection:
        placements.read(path)
    assert (rejection.value.rule, rejection.value.row, rejection.value.column) == (
        "cell_size_limit",
        2,
        "werkgever_id",
    )


def test_json_at_the_nesting_limit_is_parsed_and_one_level_deeper_is_not(tmp_path):
    def nested(depth: int) -> bytes:
        inner = depth - 3  # {"value": [{"x": ...}]} is three levels
        return b'{"value": [{"RegioS": ' + b"[" * inner + b"]" * inner + b"}]}"

    path = tmp_path / "register.json"
    path.write_bytes(nested(register.MAX_DEPTH))
    assert rule_of(register.read, path) == "json_flat_rows"  # parsed, then its row refused
    path.write_bytes(nested(register.MAX_DEPTH + 1))
    assert rule_of(register.read, path) == "json_nesting_limit"
