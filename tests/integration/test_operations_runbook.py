"""The procedures of docs/operations.md, run as an operator runs them (the `duurzaam` command,
with its settings in the environment) and checked against what the runbook promises:
rotating the pseudonymisation key, a warehouse lost and rebuilt from the landing zone or
restored from its backup, `ingest all` going on where a rejected file stopped it."""

from __future__ import annotations

import email
import hashlib
import hmac
import shutil
import subprocess
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest

from duurzaam.cli import main
from duurzaam.ingest.sources import SOURCES
from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import Settings
from duurzaam.synthetic import generate
from duurzaam.transform.manifest import folder_models
from duurzaam.warehouse.database import connection_parameters, duckdb_path, open_warehouse
from tests.conftest import (
    SAMPLE_QUARTERS,
    recipients_for,
    throwaway_database,
)
from tests.leaks import landing_bsns

FIRST, LAST = SAMPLE_QUARTERS.split(":")
ROTATED_QUARTERS = f"2024Q1:{LAST}"
REGIONS = ["AM01", "AM05"]  # the regions with recipients: a report run renders only these
MODELS = [f"marts.{m}" for m in folder_models("marts")] + [
    f"published.{m}" for m in folder_models("published")
]


def duurzaam(monkeypatch, capsys, settings: Settings, *arguments: str) -> tuple[int, str]:
    """The `duurzaam` command with the settings as its environment: exit code and output."""
    environment = {
        "DUURZAAM_WAREHOUSE_URL": settings.warehouse_url,
        "DUURZAAM_LANDING_DIR": str(settings.landing_dir),
        "DUURZAAM_OUTBOX_DIR": str(settings.outbox_dir),
        "DUURZAAM_WORK_DIR": str(settings.work_dir),
        "DUURZAAM_PSEUDONYM_KEY": (settings.pseudonym_key or b"").decode(),
        "DUURZAAM_SUPPRESS_BELOW": str(settings.suppress_below),
        "DUURZAAM_EMPLOYERS_FILE": str(settings.employers_config),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DUURZAAM_SMTP_URL", raising=False)  # reports to the outbox folder
    capsys.readouterr()
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def models(url: str, names: list[str] = MODELS) -> dict[str, list[tuple]]:
    """Every row of every mart and published model (or of `names`), in a fixed order,
    numbers to 9 places (DuckDB may add up in another order from one build to the next)."""

    def normal(value: object) -> object:
        return round(value, 9) if isinstance(value, float) else value

    with open_warehouse(url) as warehouse:
        return {
            model: sorted(
                (
                    tuple(normal(v) for v in row)
                    for row in warehouse.query(f"select * from {model}")
                ),
                key=repr,
            )
            for model in names
        }


def sent_reports(outbox: Path, quarter: str) -> dict[str, str]:
    """region -> Message-ID of each regional report written to the outbox folder (not the
    participating employers')."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((outbox / quarter).glob("*.eml"))
    ]
    return {m["X-Duurzaam-Region"]: m["Message-ID"] for m in messages if m["X-Duurzaam-Region"]}


@pytest.fixture
def operator(monkeypatch, tmp_path):
    """The reports of the regions in REGIONS only (their recipients), to keep runs short."""
    monkeypatch.setenv("DUURZAAM_RECIPIENTS_FILE", str(recipients_for(tmp_path, REGIONS)))


@pytest.mark.slow
def test_rotating_the_pseudonymisation_key_as_the_runbook_says(
    operator, monkeypatch, capsys, tmp_path
):
    """docs/operations.md, "Rotating the pseudonymisation key": on a landing zone whose
    placements carry BSNs, loaded and reported under the old key. With the new key set,
    raw.* and history.* truncated and meta.loads deleted, `ingest all` and `transform` give
    the same marts, every pseudonym is the new key's, and the reports are not sent again.
    Two quarters of the landing zone: a reload of each is what the procedure repeats."""
    landing = tmp_path / "landing"
    generate(landing, parse_quarter_range(SAMPLE_QUARTERS), seed=7, scale=0.05, identifier="bsn")
    old_key, new_key = b"old-" + b"0e5c7a91d2f3", b"new-" + b"b84d16f0c2a7"
    settings = Settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        landing_dir=landing,
        outbox_dir=tmp_path / "outbox",
        work_dir=tmp_path / "work",
        pseudonym_key=old_key,
        suppress_below=10,
    )
    steps = [
        ("ingest", "all", "--quarters", ROTATED_QUARTERS),
        ("transform",),
        ("report", "--quarter", LAST),
    ]
    for step in steps:
        assert duurzaam(monkeypatch, capsys, settings, *step)[0] == 0, step
    before = models(settings.warehouse_url)
    sent = sent_reports(settings.outbox_dir, LAST)
    assert sorted(sent) == REGIONS

    # 1. the new key; 2. raw and history truncated, the loads deleted
    rotated = replace(settings, pseudonym_key=new_key)
    with open_warehouse(settings.warehouse_url) as warehouse:
        for source in SOURCES:
            warehouse.execute(f"delete from raw.{source}")
            warehouse.execute(f"delete from history.{source}")
        warehouse.execute("delete from meta.loads")
    # 3. every quarter loaded before reloaded from the landing zone, then the transform
    for step in steps[:2]:
        assert duurzaam(monkeypatch, capsys, rotated, *step)[0] == 0, step

    after = models(settings.warehouse_url)
    assert after == before  # the marts hold no pseudonyms
    # every person id is the new key's HMAC of a BSN of the landing zone
    bsns = landing_bsns(landing)
    new_ids = {hmac.new(new_key, b.encode(), hashlib.sha256).hexdigest() for b in bsns}
    old_ids = {hmac.new(old_key, b.encode(), hashlib.sha256).hexdigest() for b in bsns}
    with open_warehouse(settings.warehouse_url) as warehouse:
        ids = {i for (i,) in warehouse.query("select distinct persoon_id from raw.placements")}
        kept = warehouse.query("select count(*) from history.placements")
    assert ids and ids <= new_ids and not ids & old_ids
    assert kept == [(0,)]
    # 4. the reports are not sent again: their content did not change
    code, output = duurzaam(monkeypatch, capsys, rotated, "report", "--quarter", LAST)
    assert code == 0 and f"{LAST}: 0 reports sent, 2 unchanged" in output
    assert sent_reports(settings.outbox_dir, LAST) == sent


@pytest.mark.slow
def test_a_lost_warehouse_rebuilt_from_the_landing_zone(
    operator, built_warehouses, monkeypatch, capsys, tmp_path
):
    """ "The warehouse is lost" without a backup: rebuilt from the landing zone with the
    backfill, the marts are those it had. Its meta.outbox is gone with it, so the reports are
    sent again, as the runbook says, and with the Message-IDs they had (a mail client shows
    each once)."""
    built = built_warehouses["duckdb"]
    file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built.warehouse_url), file)
    settings = replace(
        built,
        warehouse_url=f"duckdb:///{file}",
        outbox_dir=tmp_path / "outbox",
        work_dir=tmp_path / "work",
    )
    assert duurzaam(monkeypatch, capsys, settings, "report", "--quarter", LAST)[0] == 0
    sent = sent_reports(settings.outbox_dir, LAST)
    before = models(settings.warehouse_url)

    file.unlink()  # lost
    shutil.rmtree(settings.outbox_dir / LAST)  # the first mails, kept aside
    for step in (("ingest", "all", "--quarters", SAMPLE_QUARTERS), ("transform",)):
        assert duurzaam(monkeypatch, capsys, settings, *step)[0] == 0, step
    assert models(settings.warehouse_url) == before

    code, output = duurzaam(monkeypatch, capsys, settings, "report", "--quarter", LAST)
    assert code == 0 and f"{LAST}: 2 reports sent" in output
    assert sent_reports(settings.outbox_dir, LAST) == sent  # the same messages again


@pytest.mark.postgres
def test_a_lost_warehouse_restored_from_its_backup_sends_nothing_again(
    operator, role_built_postgres, monkeypatch, capsys, tmp_path
):
    """ "The warehouse is lost": restored from `pg_dump -Fc warehouse` into a new database,
    meta.outbox comes back with it, and no region gets its report a second time."""
    with throwaway_database(template=role_built_postgres.template) as url:
        settings = Settings(
            warehouse_url=url,
            landing_dir=tmp_path / "landing",
            outbox_dir=tmp_path / "outbox",
            work_dir=tmp_path / "work",
            pseudonym_key=None,
            suppress_below=10,
        )
        assert duurzaam(monkeypatch, capsys, settings, "report", "--quarter", LAST)[0] == 0
        sent = sent_reports(settings.outbox_dir, LAST)
        assert sorted(sent) == REGIONS
        before = models(url)
        backup = tmp_path / "warehouse.dump"
        subprocess.run([*pg_command("pg_dump", url), "-Fc", "-f", str(backup)], check=True)
    # the database is gone (dropped with everything in it); a new one gets the backup
    with throwaway_database() as restored:
        subprocess.run(
            [*pg_command("pg_restore", restored), "--exit-on-error", str(backup)], check=True
        )
        assert models(restored) == before
        settings = replace(settings, warehouse_url=restored)
        code, output = duurzaam(monkeypatch, capsys, settings, "report", "--quarter", LAST)
    assert code == 0 and f"{LAST}: 0 reports sent, 2 unchanged" in output
    assert sent_reports(settings.outbox_dir, LAST) == sent


def pg_command(program: str, url: str) -> list[str]:
    """pg_dump or pg_restore against the database of the URL."""
    parameters = connection_parameters(url)
    return [
        program,
        "-h",
        str(parameters["host"]),
        "-p",
        str(parameters["port"]),
        "-U",
        str(parameters["user"]),
        "-d",
        str(parameters["dbname"]),
    ]


@pytest.mark.slow
def test_ingest_all_goes_on_where_a_rejected_file_stopped_it(
    generated_landing, monkeypatch, capsys, tmp_path
):
    """docs/operations.md, "Backfilling a range": the first rejected file stops the run
    (exit 2) after its quarter; rerun once the file is corrected, it goes on where it
    stopped: what was loaded is recognised by its sha256 and not loaded again."""
    quarters = [str(q) for q in parse_quarter_range(SAMPLE_QUARTERS)][:3]
    landing = tmp_path / "landing"
    shutil.copytree(generated_landing, landing)
    broken = landing / "placements" / f"{quarters[1]}.csv"
    delivered = broken.read_bytes()
    broken.write_bytes(delivered.replace(b";vast;", b";flex;", 1))  # no such contract
    settings = Settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        landing_dir=landing,
        outbox_dir=tmp_path / "outbox",
        work_dir=tmp_path / "work",
        pseudonym_key=None,
        suppress_below=10,
    )
    span = f"{quarters[0]}:{quarters[-1]}"
    code, output = duurzaam(monkeypatch, capsys, settings, "ingest", "all", "--quarters", span)
    assert code == 2 and f"REJECTED {broken}" in output
    with open_warehouse(settings.warehouse_url) as warehouse:
        first_run = warehouse.query(
            "select load_id, file_sha256, finished_at from meta.loads where status = 'current'"
        )
    loaded = {load_id.rsplit("/", 1)[0] for load_id, _, _ in first_run}
    expected = {f"{s}/{quarters[0]}" for s in SOURCES}
    expected |= {f"{s}/{quarters[1]}" for s in SOURCES if s != "placements"}
    assert loaded == expected  # the stopped quarter's other sources, nothing of the next

    broken.write_bytes(delivered)  # the supplier's corrected file
    code, output = duurzaam(monkeypatch, capsys, settings, "ingest", "all", "--quarters", span)
    assert code == 0, output
    for source, quarter in (key.split("/") for key in expected):
        assert f"{source} {quarter}: unchanged" in output
    assert output.count(": unchanged") == len(expected)
    assert output.count(": loaded") == 5 * len(quarters) - len(expected)
    with open_warehouse(settings.warehouse_url) as warehouse:
        second_run = warehouse.query(
            "select load_id, file_sha256, finished_at from meta.loads where status = 'current'"
        )
        revisions = warehouse.query("select max(revision) from meta.loads")
    assert set(first_run) <= set(second_run)  # the loads of the first run, untouched
    assert len(second_run) == 5 * len(quarters) and revisions == [(1,)]


@pytest.mark.slow
def test_a_suppression_threshold_other_than_10_reaches_dbt(
    built_warehouses, monkeypatch, capsys, caplog, tmp_path
):
    """README, DUURZAAM_SUPPRESS_BELOW: "the published models are built with it: transform
    again after changing it". Set to 15: a placements count of 10 to 14 that the threshold of
    10 published is withheld, shown as '<15', and the transform's disclosure check attacks
    with 15."""
    built = built_warehouses["duckdb"]
    file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built.warehouse_url), file)
    settings = replace(built, warehouse_url=f"duckdb:///{file}", work_dir=tmp_path / "work")
    cells = (
        "select m.region_code, m.quarter, m.placements_started, p.placements_started, "
        "p.placements_started_suppressed from marts.mart_region_quarter m "
        "join published.pub_region_quarter p using (region_code, quarter) "
        "where m.placements_started between 10 and 14 order by 1, 2"
    )
    with open_warehouse(settings.warehouse_url) as warehouse:
        at_10 = warehouse.query(cells)
    shown = [(region, quarter) for region, quarter, _, value, _ in at_10 if value is not None]
    assert shown  # published under the threshold of 10

    caplog.set_level("INFO", logger="duurzaam.transform.disclosure.check")
    code, output = duurzaam(monkeypatch, capsys, replace(settings, suppress_below=15), "transform")
    assert code == 0, output[-2000:]
    assert "no recoverable count below 15" in caplog.text  # the checker used it too
    with open_warehouse(settings.warehouse_url) as warehouse:
        at_15 = warehouse.query(cells)
    assert [(r, q, n) for r, q, n, _, _ in at_15] == [(r, q, n) for r, q, n, _, _ in at_10]
    assert {(value, label) for _, _, _, value, label in at_15} == {(None, "<15")}


@pytest.mark.slow
def test_duurzaam_run_ingests_transforms_and_reports_the_quarter(
    operator, built_warehouses, generated_landing, monkeypatch, capsys, tmp_path
):
    """README, `duurzaam run --quarter`: ingest, transform, report per quarter. On the built
    warehouse without its last quarter, whose follow-up survey was not delivered: the
    other sources are loaded, the missing one is skipped with a notice, the marts are
    rebuilt (the region figures as a full load gives them) and the regions' reports sent."""
    built = built_warehouses["duckdb"]
    file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built.warehouse_url), file)
    landing = tmp_path / "landing"
    shutil.copytree(generated_landing, landing)
    (landing / "followup_survey" / f"{LAST}.csv").unlink()
    settings = replace(
        built,
        warehouse_url=f"duckdb:///{file}",
        landing_dir=landing,
        outbox_dir=tmp_path / "outbox",
        work_dir=tmp_path / "work",
    )
    region_quarter = ["marts.mart_region_quarter"]
    full = models(settings.warehouse_url, region_quarter)
    with open_warehouse(settings.warehouse_url) as warehouse:
        for source in SOURCES:
            warehouse.execute(f"delete from raw.{source} where quarter = %s", (LAST,))
        warehouse.execute("delete from meta.loads where quarter = %s", (LAST,))

    code, output = duurzaam(monkeypatch, capsys, settings, "run", "--quarter", LAST)
    assert code == 0, output[-3000:]
    for source in SOURCES:
        if source != "followup_survey":
            assert f"{source} {LAST}: loaded" in output
    assert f"followup_survey {LAST}: no extract delivered, skipped" in output
    assert f"{LAST}: 2 reports sent" in output
    assert sorted(sent_reports(settings.outbox_dir, LAST)) == REGIONS
    # then the participating employers' (the landing zone's employers' file)
    assert list((settings.outbox_dir / LAST).glob("werkgever-*.eml"))
    assert models(settings.warehouse_url, region_quarter) == full
