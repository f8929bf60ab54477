"""The layers of the duurzaam package (docs/architecture.md): each stage imports only the
stages below it, the reports and the dashboard never import each other, and Airflow is
imported only by the orchestration package (and by the demo runner and the benchmarks, which
drive whole DAG runs). Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.test_package_shape import _imported_modules, _modules, import_graph

# Bottom to top; a module may import its own stage and any stage of a lower level.
LEVELS = {
    "duurzaam.settings": 0,
    "duurzaam.errors": 0,
    "duurzaam.quarters": 0,
    "duurzaam.reference": 0,
    "duurzaam.employers": 0,
    "duurzaam.publication": 0,
    "duurzaam.warehouse": 1,
    "duurzaam.ingest": 2,
    "duurzaam.effects": 2,
    "duurzaam.transform": 3,
    "duurzaam.reports": 4,
    "duurzaam.dashboard": 4,
    "duurzaam.orchestration": 5,
    "duurzaam.synthetic": 6,
    "duurzaam.cli": 6,
    "duurzaam.demo": 6,
    "duurzaam.bench": 7,
}
NEVER_EACH_OTHER = ("duurzaam.reports", "duurzaam.dashboard")
MAY_IMPORT_AIRFLOW = ("duurzaam.orchestration", "duurzaam.demo", "duurzaam.bench")


def stage_of(module: str) -> str:
    """The stage a module belongs to: its package under duurzaam, or the module itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """One line per import that runs against the layers: `importer -> imported (why)`."""
    found = []
    for module, imported in sorted(graph.items()):
        if module == "duurzaam":
            continue
        own = stage_of(module)
        for target in sorted(imported):
            other = stage_of(target)
            if other == own or target == "duurzaam":
                continue
            if {own, other} == set(NEVER_EACH_OTHER):
                found.append(f"{module} -> {target} (the reports and the dashboard are apart)")
            elif LEVELS[other] > LEVELS[own]:
                found.append(f"{module} -> {target} ({other} is above {own})")
    return found


def airflow_importers(modules: dict[str, Path]) -> list[str]:
    """The modules outside MAY_IMPORT_AIRFLOW that import airflow anywhere in the file."""
    found = []
    for module, path in sorted(modules.items()):
        if module.startswith(MAY_IMPORT_AIRFLOW):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "airflow" or name.startswith("airflow.") for name in names):
                found.append(f"{module} imports {names[0]} (line {node.lineno})")
    return found


def test_every_stage_has_its_level() -> None:
    stages = {stage_of(module) for module in _modules() if module != "duurzaam"}
    assert stages <= set(LEVELS), f"stages without a level: {sorted(stages - set(LEVELS))}"


def test_each_stage_imports_only_the_stages_below_it() -> None:
    assert layer_violations(import_graph()) == []


def test_airflow_is_imported_by_the_orchestration_only() -> None:
    assert airflow_importers(_modules()) == []


@pytest.mark.parametrize(
    ("module", "text", "expected"),
    [
        (
            "duurzaam.reports.planted",
            "from duurzaam.dashboard.site import build_site\n",
            "duurzaam.reports.planted -> duurzaam.dashboard.site (the reports and the "
            "dashboard are apart)",
        ),
        (
            "duurzaam.ingest.planted",
            "def f():\n    from duurzaam.transform.run import transform\n",
            "duurzaam.ingest.planted -> duurzaam.transform.run (duurzaam.transform is above "
            "duurzaam.ingest)",
        ),
    ],
)
def test_a_planted_violation_is_named(tmp_path, module, text, expected) -> None:
    """A module planted beside the real ones (a file of its own: the package is not touched)."""
    planted = tmp_path / "planted.py"
    planted.write_text(text, encoding="utf-8")
    modules = _modules()
    graph = import_graph()
    graph[module] = _imported_modules(planted, module, {*modules, module})
    assert expected in layer_violations(graph)


def test_a_planted_airflow_import_is_named(tmp_path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from airflow.sdk import task\n", encoding="utf-8")
    modules = {**_modules(), "duurzaam.reports.planted": planted}
    found = airflow_importers(modules)
    assert found == ["duurzaam.reports.planted imports airflow.sdk (line 2)"]
