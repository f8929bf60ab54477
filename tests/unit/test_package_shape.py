"""The shape of the duurzaam package: no import cycles (imports inside functions count too:
they only postpone the cycle to run time) and no module too long to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "plugins" / "duurzaam"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def _imported_modules(path: Path, module: str, modules: set[str]) -> set[str]:
    """The duurzaam modules an import statement anywhere in the file loads. `from a import b`
    reads package a (so a counts) and loads a.b when b is a module. `import a.b` and
    `from a.b import c` count as a.b only: counting every parent package would put a package
    __init__ that re-exports in a cycle with each module beneath it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            imported.add(base)
            imported.update(f"{base}.{alias.name}" for alias in node.names)
    return (imported & modules) - {module}


def import_graph() -> dict[str, set[str]]:
    """duurzaam module -> the duurzaam modules it imports."""
    modules = _modules()
    return {
        module: _imported_modules(path, module, set(modules)) for module, path in modules.items()
    }


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other (a package is a few dozen modules, so a
    reachability set per module is quick enough); modules in no cycle are left out."""
    reachable = {module: _reachable(graph, module) for module in graph}
    components: list[list[str]] = []
    placed: set[str] = set()
    for module in sorted(graph):
        if module in placed or module not in reachable[module]:
            continue
        component = sorted(m for m in reachable[module] if module in reachable[m])
        placed.update(component)
        components.append(component)
    return components


def test_the_package_has_no_import_cycles() -> None:
    graph = import_graph()
    assert "duurzaam.warehouse.database" in graph, "the package was not found"
    cycles = [
        f"{', '.join(component)} (for one: {_example_cycle(graph, component)})"
        for component in strongly_connected_components(graph)
    ]
    assert not cycles, "import cycles in plugins/duurzaam:\n" + "\n".join(cycles)


def _example_cycle(graph: dict[str, set[str]], component: list[str]) -> str:
    """The shortest path from the component's first module back to itself, for the message."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier and start not in previous:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    path = [start]
    while len(path) == 1 or path[-1] != start:
        path.append(previous[path[-1]])
    return " -> ".join(reversed(path))


def test_no_module_is_too_long() -> None:
    too_long = {
        str(path.relative_to(PACKAGE_DIR.parents[1])): lines
        for path in _modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split them by job): {too_long}"
