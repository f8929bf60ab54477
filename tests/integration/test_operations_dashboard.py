"""The dashboard's switch of `current` (README, "The dashboard": "a build goes to
builds/<digest>/ and the current link then moves to it in one step: the server never shows
half a build"): a rebuild that fails midway leaves `current` on the last whole build, and a
reader going through `current` while a rebuild runs sees one whole build or the other."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from duurzaam.dashboard.site import CURRENT, build_site
from duurzaam.settings import Settings
from duurzaam.warehouse.database import duckdb_path, open_warehouse

# On the run's built warehouse (dbt builds it when no other test did): slow the first time.
pytestmark = pytest.mark.slow


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file of a build by its path in the site."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def site_settings(built_warehouses, tmp_path) -> Settings:
    """A copy of the run's built DuckDB warehouse (its figures are changed below) and a
    dashboard folder of the test's own."""
    file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), file)
    return replace(
        built_warehouses["duckdb"],
        warehouse_url=f"duckdb:///{file}",
        dashboard_dir=tmp_path / "dashboard",
    )


def new_figures(settings: Settings, step: int) -> None:
    """The next transform's figures: every region's register stock changed, which every
    page shows (a region's, and the country's as their sum)."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.execute(
            "update published.pub_region_quarter set register_total = register_total + %s",
            (step,),
        )


def test_a_build_that_fails_midway_leaves_current_on_the_last_whole_build(
    site_settings, monkeypatch
):
    current = site_settings.dashboard_dir / CURRENT
    first = build_site(site_settings)
    served = site_files(current)
    assert len([name for name in served if name.endswith(".html")]) == 37

    new_figures(site_settings, 1)
    written = []
    write_text = Path.write_text

    def disk_full_after_ten_pages(path: Path, *arguments, **options) -> int:
        if len(written) == 10:
            raise OSError(28, "No space left on device")
        written.append(path)
        return write_text(path, *arguments, **options)

    monkeypatch.setattr(Path, "write_text", disk_full_after_ten_pages)
    with pytest.raises(OSError, match="No space left"):
        build_site(site_settings)
    monkeypatch.undo()
    assert len(written) == 10  # the failed build had written part of its pages

    assert os.readlink(current) == f"builds/{first.folder.name}"
    assert site_files(current) == served  # the whole last build, as it was
    # the next build that succeeds replaces it, and what the failed one left is gone
    second = build_site(site_settings)
    assert second.changed and os.readlink(current) == f"builds/{second.folder.name}"
    assert site_files(current) != served
    builds = sorted(path.name for path in (site_settings.dashboard_dir / "builds").iterdir())
    assert builds == sorted([first.folder.name, second.folder.name])


def test_a_reader_during_a_rebuild_sees_only_whole_pages(site_settings):
    """A reader that opens every page through `current`, over and over, as the server does,
    while the site is rebuilt with other figures: every page it opens is there and whole,
    first of the build before, then of the new one."""
    current = site_settings.dashboard_dir / CURRENT
    build_site(site_settings)
    pages = sorted(name for name in site_files(current) if name.endswith(".html"))
    new_figures(site_settings, 1000)

    visits: list[set[str]] = []
    problems: list[str] = []
    rebuilt = threading.Event()

    def read_every_page() -> None:
        while True:
            last = rebuilt.is_set()  # this visit starts after the rebuild: the last one
            builds_seen = set()
            for page in pages:
                try:
                    text = (current / page).read_text(encoding="utf-8")
                except OSError as error:
                    problems.append(f"{page}: {error}")
                    continue
                if not text.rstrip().endswith("</html>"):
                    problems.append(f"{page}: cut off")
                builds_seen.add(os.readlink(current))
            visits.append(builds_seen)
            if last:
                return

    reader = threading.Thread(target=read_every_page)
    reader.start()
    try:
        build_site(site_settings)
    finally:
        rebuilt.set()
        reader.join(timeout=120)
    assert problems == []
    assert len(visits) >= 2 and {len(seen) for seen in visits} <= {1, 2}
    # the switch happened while the reader read: it saw the build before and the one after
    assert len(set().union(*visits)) == 2
