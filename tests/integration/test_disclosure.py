"""The disclosure checker on warehouses: the built ones (both backends) publish no
recoverable count; a leak planted in a copy is found, exactly; `duurzaam check-disclosure`
and `duurzaam transform` refuse a leaking published layer (exit 1, each finding named)."""

from __future__ import annotations

import shutil

import pytest

from duurzaam.cli import main
from duurzaam.transform.disclosure.attack import unsatisfied
from duurzaam.transform.disclosure.check import check_warehouse, published_tables
from duurzaam.warehouse.database import duckdb_path, open_warehouse

LEAKING = (
    "create schema published",
    "create table published.pub_followup (region_code text, wave_number integer, "
    "labour_expert_role text, placements_followed bigint, placements_followed_suppressed text)",
    "insert into published.pub_followup values ('AM05', 1, 'coach', 40, null), "
    "('AM06', 1, 'coach', null, '<10'), ('NL', 1, 'coach', 43, null)",
)


@pytest.fixture
def warehouse_file(tmp_path, monkeypatch):
    """A DuckDB warehouse of the test's own, which the command line uses."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", url)
    return url


def build(url: str, *statements: str) -> None:
    with open_warehouse(url) as warehouse:
        for statement in statements:
            warehouse.execute(statement)


def test_check_disclosure_names_each_recoverable_count_and_exits_1(warehouse_file, capsys):
    build(warehouse_file, *LEAKING)
    assert main(["check-disclosure"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR 1 counts below 10 can be recovered")
    # NL 43 - AM05 40: AM06 holds 3, however it is withheld (the rest of no region is 0 at most)
    assert "  pub_followup NL 1 coach sum(AM06 1 coach placements_followed" in err
    assert "Traceback" not in err


def test_check_disclosure_on_a_clean_published_layer_says_so_in_one_line(warehouse_file, capsys):
    build(warehouse_file, *LEAKING[:2])
    build(
        warehouse_file,
        "insert into published.pub_followup values ('AM05', 1, 'coach', 40, null), "
        "('AM06', 1, 'coach', null, '<10'), ('AM07', 1, 'coach', null, '<10'), "
        "('NL', 1, 'coach', 60, null)",
    )
    assert main(["check-disclosure"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("no recoverable count below 10 in 4 published cells")


def test_transform_refuses_a_leaking_published_layer(warehouse_file, monkeypatch, capsys):
    """The gate runs after dbt (stubbed here: it would rebuild the published layer from the
    marts; the leak stands for what a faulty disclosure rule would publish)."""
    build(warehouse_file, *LEAKING)
    ran: list[list[str]] = []
    monkeypatch.setattr("duurzaam.transform.run.run_dbt", lambda args, settings: ran.append(args))
    monkeypatch.setattr("duurzaam.effects.store.fit_retention_effects", lambda settings: None)
    assert main(["transform"]) == 1
    assert len(ran) == 2  # both builds ran, then the check refused
    err = capsys.readouterr().err
    assert "can be recovered from the published layer" in err and "transform again" in err


@pytest.mark.slow
def test_the_built_published_layer_leaks_no_count(built_warehouse):
    result = check_warehouse(built_warehouse)
    assert result.cells > 0
    assert result.findings == [], result.describe()


@pytest.mark.slow
def test_what_the_attacker_knows_holds_on_the_marts(built_warehouses):
    """Every relation of the spec holds exactly where every value is known: a relation that
    did not would make the checker find counts that are not there (or miss them)."""
    with open_warehouse(built_warehouses["duckdb"].warehouse_url, read_only=True) as warehouse:
        names = [
            row[0]
            for row in warehouse.query(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            )
        ]
        marts = {
            name.replace("mart_", "pub_", 1): warehouse.query_frame(f"select * from marts.{name}")
            for name in names
        }
    assert unsatisfied(marts) == []


@pytest.mark.slow
def test_a_planted_leak_is_found_exactly(built_warehouses, tmp_path, monkeypatch, capsys):
    """In a copy of the built warehouse, the at-risk number of a curve's last published point
    is made to show 5: the checker finds that cell, and nothing else that it did not find
    before."""
    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), copy)
    url = f"duckdb:///{copy}"
    before = {str(f.cell) for f in check_warehouse(url).findings}
    with open_warehouse(url) as warehouse:
        survival = published_tables(warehouse)["pub_cohort_survival"]
        curve_keys = [c for c in ("region_code", "cohort_quarter", "cohort_kind") if c in survival]
        shown = survival.dropna(subset=["at_risk", "survival"])
        last = shown.loc[shown.groupby(curve_keys)["month"].idxmax()]
        published = survival[survival["at_risk"].notna() | survival["survival"].notna()]
        latest = published.groupby(curve_keys)["month"].max().rename("latest")
        last = last.join(latest, on=curve_keys)
        point = last[last["month"] == last["latest"]].sort_values("at_risk").iloc[-1]
        where = " and ".join(f"{k} = '{point[k]}'" for k in curve_keys)
        warehouse.execute(
            f"update published.pub_cohort_survival set at_risk = 5 "
            f"where {where} and month = {int(point['month'])}"
        )
    findings = check_warehouse(url).findings
    planted = [f for f in findings if str(f.cell) not in before]
    values = " ".join(str(point[k]) for k in curve_keys)
    assert [str(f.cell) for f in planted] == [
        f"pub_cohort_survival {values} {int(point['month'])} at_risk"
    ]
    assert planted[0].attack == "shown" and planted[0].value == 5
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", url)
    assert main(["check-disclosure"]) == 1
    assert str(planted[0]) in capsys.readouterr().err or len(findings) > 50


@pytest.mark.slow
def test_transform_refuses_a_published_layer_built_with_a_broken_rule(
    built_warehouses, tmp_path, monkeypatch
):
    """The real transform on a copy of the built warehouse, with a leak planted in the
    published layer itself: dbt builds it as if the threshold were 1 (no count withheld),
    while the pipeline's threshold is 10. The gate refuses it and names the cells."""
    from dataclasses import replace

    import duurzaam.transform.run
    from duurzaam.errors import DisclosureLeak
    from duurzaam.transform.run import transform

    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), copy)
    settings = replace(built_warehouses["duckdb"], warehouse_url=f"duckdb:///{copy}")
    assert settings.suppress_below == 10
    pipeline_environment = duurzaam.transform.run.dbt_environment

    def broken_rule(settings):
        return {**pipeline_environment(settings), "DUURZAAM_SUPPRESS_BELOW": "1"}

    monkeypatch.setattr(duurzaam.transform.run, "dbt_environment", broken_rule)
    # run_dbt exports dbt's environment: put the process's threshold back afterwards
    monkeypatch.setenv("DUURZAAM_SUPPRESS_BELOW", str(settings.suppress_below))
    with pytest.raises(DisclosureLeak) as leak:
        transform(settings)
    assert "counts below 10 can be recovered from the published layer" in str(leak.value)
    assert "(shown: " in str(leak.value)
