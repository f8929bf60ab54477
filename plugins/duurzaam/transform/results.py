"""What a dbt run did, read once: each node's status, what failed and why, and what dbt skipped
because of it. The transform DAG's tasks report from it (as an XCom), `duurzaam transform`
names the failed nodes from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from duurzaam.transform.manifest import upstream_of

# dbt's statuses of a node that went well: a model built, a test passed (or only warned)
PASSED = frozenset({"success", "pass", "warn", "no-op"})


def build_outcome(results: Any) -> dict[str, Any]:
    """The XCom of a build: `nodes` (unique id -> dbt's status), `failed` (unique id -> name,
    resource type, dbt's message, failing rows of a test, the nodes it reads), `skipped`
    (unique id of a skipped model -> the failed nodes upstream of it that made dbt skip it)."""
    nodes: dict[str, str] = {}
    failed: dict[str, dict[str, Any]] = {}
    done = getattr(results, "results", None) or []
    graph = {
        result.node.unique_id: tuple(getattr(result.node.depends_on, "nodes", None) or ())
        for result in done
    }
    for result in done:
        status = str(getattr(result.status, "value", result.status))
        unique_id = result.node.unique_id
        nodes[unique_id] = status
        if status not in PASSED and status != "skipped":
            failed[unique_id] = {
                "name": result.node.name,
                "resource_type": str(result.node.resource_type),
                "status": status,
                "message": result.message or status,
                "failures": result.failures,
                "parents": list(graph.get(unique_id, ())),
            }
    skipped = {
        unique_id: skip_causes(unique_id, failed, graph)
        for unique_id, status in nodes.items()
        if status == "skipped" and unique_id.startswith("model.")
    }
    return {"nodes": nodes, "failed": failed, "skipped": skipped}


def skip_causes(
    unique_id: str, failed: Mapping[str, Any], graph: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """The failed nodes that made dbt skip a node: a failed node upstream of it, or a failed
    test of nodes upstream of it."""
    upstream = upstream_of(unique_id, graph)
    return sorted(
        cause
        for cause, failure in failed.items()
        if cause in upstream or (failure["parents"] and set(failure["parents"]) <= upstream)
    )
