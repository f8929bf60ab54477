"""Builds the dashboard as static pages: index.html (the Netherlands), regio/<code>.html per
labour-market region and vergelijk.html (regions side by side), each with its figures as
JSON in the page and the figures of each chart and table as a CSV download beside it
(csv/), plus the scripts and styles they use (plotly.js from the plotly package, so nothing
is fetched from the internet). A build goes to a folder of its own; the `current`
link then moves to it in one step, so the server never shows half a build."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from duurzaam.dashboard.data import load_dashboard_data
from duurzaam.dashboard.downloads import (
    COMPARE,
    compare_downloads,
    download_path,
    region_downloads,
)
from duurzaam.dashboard.pages import compare_page, region_page
from duurzaam.publication.labels import NATIONAL, NATIONAL_NAME, page_path
from duurzaam.settings import PROJECT_ROOT, TEMPLATES_DIR, Settings

ASSETS_DIR = PROJECT_ROOT / "include" / "dashboard"
CURRENT = "current"  # the link to the build being served
BUILDS = "builds"


@dataclass(frozen=True)
class BuiltSite:
    folder: Path  # the build (dashboard_dir/builds/<digest>)
    pages: int
    changed: bool  # False when the same figures were built before

    def describe(self, base_url: str) -> str:
        what = "built" if self.changed else "unchanged"
        return f"dashboard {what}: {self.pages} pages in {self.folder}; open {base_url}"


def build_site(settings: Settings) -> BuiltSite:
    """Reads the published layer and publishes the pages under settings.dashboard_dir."""
    data = load_dashboard_data(settings)
    regions = [(NATIONAL, NATIONAL_NAME), *data.regions]
    navigation = [{"code": code, "name": name, "path": page_path(code)} for code, name in regions]
    pages: dict[str, str] = {}
    downloads: dict[str, bytes] = {}
    for code, name in regions:
        path = page_path(code)
        figures = region_page(data, code, name)
        pages[path] = _render(
            "region.html.j2",
            path,
            navigation,
            title=name if code == NATIONAL else f"{name} ({code})",
            data=figures,
            download=lambda file, code=code: download_path(code, file),
        )
        downloads.update(region_downloads(data, code, figures))
    figures = compare_page(data)
    pages["vergelijk.html"] = _render(
        "compare.html.j2",
        "vergelijk.html",
        navigation,
        title="Regio's vergeleken",
        data=figures,
        download=lambda file: download_path(None, file),
        compare=COMPARE,
    )
    downloads.update(compare_downloads(figures))
    return _publish(settings.dashboard_dir, pages, downloads)


def _render(template: str, path: str, navigation: list[dict], **context: Any) -> str:
    root = "../" * path.count("/")
    return _templates().get_template(template).render(root=root, navigation=navigation, **context)


def _assets() -> dict[str, Path]:
    """The files every page loads, by their path in the site."""
    # plotly.js as the plotly package ships it: found without importing the package
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.origin is not None, "the plotly package is not installed"
    bundled = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return {
        "assets/plotly.min.js": bundled,
        "assets/dashboard.js": ASSETS_DIR / "dashboard.js",
        "assets/dashboard.css": ASSETS_DIR / "dashboard.css",
    }


def _publish(root: Path, pages: dict[str, str], downloads: dict[str, bytes]) -> BuiltSite:
    assets = _assets()
    files = {**{path: html.encode() for path, html in pages.items()}, **downloads}
    digest = hashlib.sha256()
    for path, content in sorted(files.items()):
        digest.update(path.encode() + b"\0" + content)
    for path, source in sorted(assets.items()):
        digest.update(path.encode() + b"\0" + source.read_bytes())
    name = digest.hexdigest()[:16]
    folder = root / BUILDS / name
    current = root / CURRENT
    if folder.is_dir() and current.is_symlink() and os.readlink(current) == f"{BUILDS}/{name}":
        return BuiltSite(folder, len(pages), changed=False)
    staging = root / BUILDS / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    for path, html in pages.items():
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / path).write_text(html, encoding="utf-8")
    for path, content in downloads.items():
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / path).write_bytes(content)
    for path, source in assets.items():
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, staging / path)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    link = root / f".{CURRENT}.{name}"
    link.unlink(missing_ok=True)
    link.symlink_to(f"{BUILDS}/{name}", target_is_directory=True)
    previous = os.readlink(current) if current.is_symlink() else None
    link.replace(current)  # atomic: readers see the old build or the new one
    # keep the build just replaced (a reader may be loading its pages), drop older ones
    for old in (root / BUILDS).iterdir():
        if f"{BUILDS}/{old.name}" not in (previous, f"{BUILDS}/{name}"):
            shutil.rmtree(old, ignore_errors=True)
    return BuiltSite(folder, len(pages), changed=True)


@cache
def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "dashboard"),
        autoescape=select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
