"""The reports' freshness gate: a quarter's reports go out only when every source the report
reads is loaded for that quarter and passed its checks, that is, has a `current` row in
meta.loads (a delivery that fails validation is recorded as `rejected`, never `current`),
and the published figures were built from that load: a load after the last transform that
passed (the marts' build failed, or has not run yet) holds the reports back as well.

Which sources the report reads is declared once, in dbt: the sources upstream of the
exposure `regional_report` in the dbt manifest the transform DAG is rendered from. Of those,
the gate expects the ones the deployment ingests (include/config/sources.yml): a source
taken out of that file is not waited for (the gate's log says so)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from duurzaam.errors import DuurzaamError
from duurzaam.settings import Settings, source_config
from duurzaam.transform.manifest import dbt_manifest, exposure_models, upstream_of
from duurzaam.transform.run import PUBLISHED_BUILD
from duurzaam.warehouse.database import Warehouse, open_warehouse

log = logging.getLogger(__name__)

REPORT_EXPOSURE = "regional_report"


class SourcesMissing(DuurzaamError):
    """A source the report reads is not loaded for the quarter: no report is sent."""


@dataclass(frozen=True)
class SourceCheck:
    source: str
    loaded: bool
    detail: str  # 'r2, 1,234 rows from <file>', or why it is missing


def report_sources(exposure: str = REPORT_EXPOSURE) -> list[str]:
    """The raw sources upstream of the dbt exposure, by their table names (not the estimates
    the transform itself writes)."""
    manifest = dbt_manifest()
    models = [f"model.duurzaam.{name}" for name in exposure_models(exposure, manifest)]
    seen = set(models).union(*(upstream_of(key, manifest["parent_map"]) for key in models))
    sources = [manifest["sources"][node] for node in seen if node.startswith("source.")]
    return sorted(source["name"] for source in sources if source["schema"] == "raw")


def source_checks(quarter: str, settings: Settings, sources: list[str]) -> list[SourceCheck]:
    """Per source: whether the quarter is loaded (its current revision) and the published
    figures were built from that load, else why not."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        quarter_loads = warehouse.quarter_loads(quarter)
        built = published_loads(warehouse)
    checks = []
    for source in sources:
        loads = [load for load in quarter_loads if load["source"] == source]
        current = [load for load in loads if load["status"] == "current"]
        rejected = [load for load in loads if load["status"] == "rejected"]
        if current:
            load = current[-1]
            revision, file = load["revision"], load["file_name"]
            if (load["load_id"], load["file_sha256"]) in built:
                checks.append(
                    SourceCheck(
                        source, True, f"r{revision}, {load['row_count']:,} rows from {file}"
                    )
                )
            else:
                checks.append(SourceCheck(source, False, NOT_PUBLISHED.format(file, revision)))
        elif rejected:
            checks.append(
                SourceCheck(
                    source,
                    False,
                    f"its delivery {rejected[-1]['file_name']} was rejected by validation "
                    "(see the alert of its validate task and meta.quarantine)",
                )
            )
        else:
            checks.append(SourceCheck(source, False, "not loaded: no extract was delivered"))
    return checks


NOT_PUBLISHED = (
    "{} (r{}) is loaded, but the published figures were not rebuilt from it: the transform "
    "since that load failed or has not finished (see its alert)"
)


def published_loads(warehouse: Warehouse) -> set[tuple[str, str]]:
    """(load_id, file_sha256) of the loads the published figures were last built from: the
    record the transform writes once a build passed its tests and the disclosure check
    (duurzaam.transform.run.record_published_build); none before the first such build."""
    schema, table = PUBLISHED_BUILD.split(".")
    if (schema, table) not in warehouse.existing_tables():
        return set()
    rows = warehouse.query(f"select load_id, file_sha256 from {PUBLISHED_BUILD}")
    return {(str(load_id), str(sha256)) for load_id, sha256 in rows}


def gate(quarter: str, settings: Settings, send_anyway: bool = False) -> list[str]:
    """The sources missing for the quarter's reports ([] when none). Raises SourcesMissing
    when one is missing, unless the operator chose to send anyway (the reports then say
    on their first page which source they lack)."""
    ingested = set(source_config(settings))
    read = report_sources()
    if not_ingested := [source for source in read if source not in ingested]:
        log.warning(
            "not checked, %s does not configure them: %s",
            settings.sources_config,
            ", ".join(not_ingested),
        )
    checks = source_checks(quarter, settings, [s for s in read if s in ingested])
    missing = [check for check in checks if not check.loaded]
    if missing and not send_anyway:
        raise SourcesMissing(
            f"The reports of {quarter} are not sent: "
            f"{len(missing)} source{'s' * (len(missing) != 1)} the report reads "
            f"{'are' if len(missing) != 1 else 'is'} missing for {quarter}:\n"
            + "".join(f"  - {check.source}: {check.detail}\n" for check in missing)
            + "What to do: deliver the missing extract and trigger duurzaam_ingest with "
            f'{{"quarter": "{quarter}"}}; the transform and the reports follow. A source '
            "loaded but not yet in the published figures waits for the transform: fix what "
            "failed there (its alert says what) and trigger duurzaam_transform. To send the "
            "reports without it, trigger duurzaam_report with "
            f'{{"quarter": "{quarter}", "send_with_missing_sources": true}}: each report '
            "then says on its first page which source it lacks."
        )
    return [check.source for check in missing]
