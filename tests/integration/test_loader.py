"""Loading on both backends: idempotent, transactional, revisions recorded, BSN never stored."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, replace

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from duurzaam.cli import main
from duurzaam.errors import InputRejected
from duurzaam.ingest.sources import raw_tables
from duurzaam.ingest.steps import ingest, pull, validate_and_load
from duurzaam.ingest.suite_process import data_docs_built_once
from duurzaam.settings import load_settings
from duurzaam.warehouse.database import LoadManifest, open_warehouse
from tests.extracts import (
    VALID_BSNS,
    eleven_proof_numbers,
    placement_row,
    with_bsn,
    write_extract,
)

QUARTER = "2024Q1"


@pytest.fixture
def landing(settings):
    return settings.landing_dir


def extract_path(landing):
    return landing / "placements" / f"{QUARTER}.csv"


def table(settings, sql):
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame(sql)


def test_same_file_twice_changes_nothing(settings, landing):
    write_extract(extract_path(landing), [placement_row(n) for n in range(1, 21)])
    first = ingest("placements", QUARTER, settings)
    before = table(settings, "select * from raw.placements order by plaatsing_id")
    second = ingest("placements", QUARTER, settings)

    assert first["status"] == "loaded" and first["rows"] == 20
    assert second["status"] == "unchanged"
    after = table(settings, "select * from raw.placements order by plaatsing_id")
    pd.testing.assert_frame_equal(before, after)
    loads = table(settings, "select load_id, status, revision from meta.loads")
    assert loads.values.tolist() == [["placements/2024Q1/r1", "current", 1]]


def test_revised_file_replaces_the_partition_and_keeps_the_record(settings, landing):
    write_extract(extract_path(landing), [placement_row(n) for n in range(1, 21)])
    ingest("placements", QUARTER, settings)
    revised = [placement_row(n) for n in range(1, 16)]
    revised[0] = placement_row(1, einddatum="2024-03-01", reden_einde="ontslag")
    write_extract(extract_path(landing), revised)
    outcome = ingest("placements", QUARTER, settings)

    assert outcome["revision"] == 2 and outcome["replaced"] == "placements/2024Q1/r1"
    rows = table(settings, "select plaatsing_id, einddatum, _load_id from raw.placements")
    assert len(rows) == 15 and set(rows["_load_id"]) == {"placements/2024Q1/r2"}
    end = rows.set_index("plaatsing_id").loc["PL000001", "einddatum"]
    assert pd.Timestamp(end) == pd.Timestamp("2024-03-01")
    loads = table(settings, "select load_id, status, row_count from meta.loads order by load_id")
    assert loads.values.tolist() == [
        ["placements/2024Q1/r1", "superseded", 20],
        ["placements/2024Q1/r2", "current", 15],
    ]
    # The replaced revision stays queryable, as it was.
    history = table(settings, "select plaatsing_id, einddatum, _load_id from history.placements")
    assert len(history) == 20 and set(history["_load_id"]) == {"placements/2024Q1/r1"}
    assert history.set_index("plaatsing_id")["einddatum"].isna().all()


def test_failure_mid_load_leaves_the_previous_partition(settings, landing):
    write_extract(extract_path(landing), [placement_row(n) for n in range(1, 11)])
    ingest("placements", QUARTER, settings)
    before = table(settings, "select * from raw.placements order by plaatsing_id")

    # A block the load cannot store, handed over once the old rows are gone: inside the
    # transaction the partition is empty when it fails.
    broken = before.drop(columns=["_row_number"]).assign(startdatum="not a date")
    manifest = LoadManifest(
        "placements/2024Q1/r2",
        "placements",
        QUARTER,
        "x.csv",
        "f" * 64,
        10,
        2,
        "current",
        None,
        pd.Timestamp.now(),
        pd.Timestamp.now(),
    )
    # DuckDB refuses the value in its insert; for PostgreSQL's binary COPY it is refused as
    # it is encoded as a date. Either way the error names the value, and nothing else (a
    # failing clean-up, a broken connection) takes its place.
    refused = {"duckdb": duckdb.ConversionException, "postgres": pa.ArrowInvalid}
    rows_left_when_it_failed = []
    with open_warehouse(settings.warehouse_url) as warehouse:

        def blocks():
            partition = "select count(*) from raw.placements where quarter = %s"
            rows_left_when_it_failed.append(warehouse.query(partition, (QUARTER,))[0][0])
            yield broken

        with pytest.raises(refused[settings.backend], match="not a date"):
            warehouse.replace_partition("placements", blocks(), manifest)
    assert rows_left_when_it_failed == [0]  # mid-load: the old rows were deleted

    after = table(settings, "select * from raw.placements order by plaatsing_id")
    pd.testing.assert_frame_equal(before, after)
    loads = table(settings, "select load_id, status from meta.loads")
    assert loads.values.tolist() == [["placements/2024Q1/r1", "current"]]
    assert table(settings, "select count(*) as n from history.placements")["n"].tolist() == [0]


def test_rejected_file_loads_nothing_and_quarantines_rows(settings, landing, capsys):
    write_extract(extract_path(landing), [placement_row(n) for n in range(1, 11)])
    ingest("placements", QUARTER, settings)
    rows = [placement_row(n) for n in range(1, 11)]
    rows[6] = placement_row(7, gemeente_code="GM9999")
    write_extract(extract_path(landing), rows)

    with pytest.raises(InputRejected) as rejection:
        ingest("placements", QUARTER, settings)
    message = str(rejection.value)
    assert str(extract_path(landing)) in message
    assert "column gemeente_code" in message and "row 8" in message and "GM9999" in message
    assert "expect_column_values_to_be_in_set" in message

    raw = table(settings, "select distinct _load_id from raw.placements")
    assert raw["_load_id"].tolist() == ["placements/2024Q1/r1"]
    quarantine = table(
        settings, "select row_number, column_name, value, record from meta.quarantine"
    )
    assert quarantine[["row_number", "column_name", "value"]].values.tolist() == [
        [8, "gemeente_code", "GM9999"]
    ]
    statuses = table(settings, "select status from meta.loads order by status")
    assert statuses["status"].tolist() == ["current", "rejected"]


def test_bsn_is_pseudonymised_and_never_stored(settings, landing):
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(VALID_BSNS, start=1)]
    write_extract(extract_path(landing), rows)
    ingest("placements", QUARTER, settings)
    # A revised file: the first placement ended, the last one withdrawn. The rows it
    # replaces move to history.placements.
    revised = [with_bsn(placement_row(1, einddatum="2024-03-01"), VALID_BSNS[0]), *rows[1:-1]]
    write_extract(extract_path(landing), revised)
    assert ingest("placements", QUARTER, settings)["revision"] == 2

    raw = table(settings, "select persoon_id from raw.placements")
    assert raw["persoon_id"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert len(table(settings, "select * from history.placements")) == len(rows)
    for schema_table in ("raw.placements", "history.placements", "meta.loads", "meta.quarantine"):
        dump = table(settings, f"select * from {schema_table}").to_csv()
        assert not any(bsn in dump for bsn in VALID_BSNS), schema_table

    # Nothing the ingest left in the work folder (the data docs, their stored results; the
    # pulled copies are removed once loaded) holds a BSN.
    written = [p for p in settings.work_dir.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert not any(bsn.encode() in path.read_bytes() for bsn in VALID_BSNS), path


def test_a_file_loaded_block_by_block_gives_each_row_the_pseudonym_of_its_own_bsn(
    settings, landing, monkeypatch
):
    """Blocks of three rows, the BSNs hashed in the child process, which hands them over a
    few at a time: each row still gets its own person's pseudonym (one person twice)."""
    monkeypatch.setattr("duurzaam.ingest.steps.SWAP_BLOCK_ROWS", 3)
    monkeypatch.setattr("duurzaam.ingest.privacy.HASH_HERE_BELOW", 0)
    monkeypatch.setattr("duurzaam.ingest.keyed_hash.DIGESTS_PER_WRITE", 2)
    bsns = eleven_proof_numbers(10)
    bsns.append(bsns[0])
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(bsns, start=1)]
    write_extract(extract_path(landing), rows)
    assert ingest("placements", QUARTER, settings)["rows"] == len(rows)

    raw = table(settings, "select persoon_id from raw.placements order by _row_number")
    key = settings.pseudonym_key
    assert raw["persoon_id"].tolist() == [
        hmac.new(key, bsn.encode(), hashlib.sha256).hexdigest() for bsn in bsns
    ]


def test_a_bsn_outside_the_bsn_column_rejects_the_file_and_is_stored_masked(settings, landing):
    rows = [placement_row(n) for n in range(1, 11)]
    rows[3] = placement_row(4, werkgever_id="123.456.782")  # a BSN, dotted, in an id column
    rows[5] = placement_row(6, persoon_id="P 111222333")
    write_extract(extract_path(landing), rows)

    with pytest.raises(InputRejected) as rejection:
        ingest("placements", QUARTER, settings)
    message = str(rejection.value)
    assert "bsn_outside_bsn_column" in message and "row 5, 7" in message
    assert "123.456.782" not in message and "111222333" not in message

    quarantine = table(settings, "select * from meta.quarantine").to_csv()
    assert "*********" in quarantine
    for bsn in ("123.456.782", "123456782", "111222333"):
        assert bsn not in quarantine
    assert table(settings, "select count(*) as n from raw.placements")["n"].tolist() == [0]


def test_bsn_without_key_is_rejected_by_the_cli(settings, landing, monkeypatch, capsys):
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(VALID_BSNS, start=1)]
    write_extract(extract_path(landing), rows)
    for name, value in (
        ("DUURZAAM_WAREHOUSE_URL", settings.warehouse_url),
        ("DUURZAAM_LANDING_DIR", str(landing)),
        ("DUURZAAM_WORK_DIR", str(settings.work_dir)),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DUURZAAM_PSEUDONYM_KEY", raising=False)

    assert main(["ingest", "placements", "--quarter", QUARTER]) == 2
    assert "DUURZAAM_PSEUDONYM_KEY" in capsys.readouterr().err
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.ensure_schema(raw_tables())
        assert warehouse.query("select count(*) from raw.placements") == [(0,)]


def test_steps_pass_only_plain_values_between_them(settings, landing):
    """What the DAG puts in XCom: names, paths and counts; no rows."""
    write_extract(extract_path(landing), [placement_row(n) for n in range(1, 4)])
    extract = pull("placements", QUARTER, settings)
    outcome = validate_and_load(extract, settings)
    for value in (*asdict(extract).values(), *outcome.values()):
        assert isinstance(value, str | int | type(None))


def test_every_validation_run_is_in_the_data_docs_without_any_bsn(settings, landing):
    rows = [with_bsn(placement_row(n), bsn) for n, bsn in enumerate(VALID_BSNS, start=1)]
    write_extract(extract_path(landing), rows)
    ingest("placements", QUARTER, settings)
    rows[2] = with_bsn(placement_row(3), "123456789")  # fails the 11-proef
    write_extract(extract_path(landing), rows)
    with pytest.raises(InputRejected):
        ingest("placements", QUARTER, settings)

    site = settings.work_dir / "data_docs" / "placements" / "gx" / "uncommitted"
    index = (site / "data_docs" / "local_site" / "index.html").read_text()
    assert index.count(f"placements {QUARTER} ") >= 2  # both runs, by source, quarter, sha
    assert "'Failed'" in index and "'Success'" in index
    everything = "".join(p.read_text(errors="replace") for p in site.rglob("*") if p.is_file())
    for bsn in [*VALID_BSNS, "123456789"]:
        assert bsn not in everything


def test_a_backfill_builds_the_data_docs_once_at_its_end_even_when_a_file_stops_it(tmp_path):
    """`duurzaam ingest all --quarters` validates inside data_docs_built_once: each run is
    stored at once, the site (its index listing every run) built when the backfill ends."""
    settings = replace(
        load_settings(),
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        landing_dir=tmp_path / "landing",
        work_dir=tmp_path / "work",
    )
    site = settings.work_dir / "data_docs" / "placements" / "gx" / "uncommitted"
    index = site / "data_docs" / "local_site" / "index.html"
    rows = [placement_row(n) for n in range(1, 21)]
    with pytest.raises(InputRejected), data_docs_built_once():
        write_extract(settings.landing_dir / "placements" / "2024Q1.csv", rows)
        assert ingest("placements", "2024Q1", settings)["status"] == "loaded"
        assert not index.exists()
        assert len(list((site / "validations").rglob("*.json"))) == 1  # stored already
        rows[4] = placement_row(5, contractvorm="flex")
        write_extract(settings.landing_dir / "placements" / "2024Q2.csv", rows)
        ingest("placements", "2024Q2", settings)
    page = index.read_text()
    assert "placements 2024Q1 " in page and "placements 2024Q2 " in page
    assert "'Failed'" in page and "'Success'" in page
