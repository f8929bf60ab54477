"""The ingest steps for one (source, quarter): pull (duurzaam.ingest.extracts), then validate and
load
together. The DAG, the CLI and the tests call these same functions; what passes between them
is a small dict of names and paths (safe as an Airflow XCom), never a DataFrame."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, ExitStack, nullcontext, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from duurzaam import reference
from duurzaam.errors import DuurzaamError, InputRejected

# the pull step and what it hands on, where the DAG, the CLI and the tests find the steps
from duurzaam.ingest.extracts import Extract as Extract
from duurzaam.ingest.extracts import extract_available as extract_available
from duurzaam.ingest.extracts import pull as pull
from duurzaam.ingest.extracts import source_location as source_location
from duurzaam.ingest.privacy import Pseudonymisation, bsn_rows, masked_text, require_key_for_bsn
from duurzaam.ingest.sources import get_source, raw_tables
from duurzaam.ingest.sources.protocol import Source
from duurzaam.ingest.suite_process import SuiteProcess, suite_process
from duurzaam.ingest.validation import ValidationOutcome
from duurzaam.quarters import Quarter
from duurzaam.settings import Settings
from duurzaam.warehouse.database import LoadManifest, Warehouse, open_warehouse

logger = logging.getLogger(__name__)

# A quarter's extract smaller than this share of the previous one is probably cut off.
MIN_ROWS_SHARE_OF_PREVIOUS = 0.5


def validate_and_load(extract: Extract, settings: Settings) -> dict[str, Any]:
    """Validate and load the pulled extract (_validate_and_load); its copy in the work area is
    removed once the file is loaded, found unchanged or rejected. After any other failure it
    stays, so that a retry reads the same bytes (the next pull replaces it)."""
    try:
        outcome = _validate_and_load(extract, settings)
    except InputRejected:
        Path(extract.path).unlink(missing_ok=True)
        raise
    Path(extract.path).unlink(missing_ok=True)
    return outcome


def _validate_and_load(extract: Extract, settings: Settings) -> dict[str, Any]:
    """Validate the extract with its suite and load it into raw.<source>, both at once: the
    partition swap (the rows it replaces moved to history, the pseudonymised rows COPYed in)
    runs in a second thread while the suite runs, inside one transaction that commits only
    when the suite has passed. A failing file is recorded in meta.loads and meta.quarantine
    and InputRejected is raised; it, a failed load and a killed process leave the warehouse
    as it was. A file the warehouse holds already is 'unchanged'."""
    module = get_source(extract.source)
    started_at = datetime.now()
    _arrow_memory_kept_for_reuse()
    with ExitStack() as stack:
        warehouse = stack.enter_context(open_warehouse(settings.warehouse_url))
        warehouse.ensure_schema(raw_tables())
        current = warehouse.current_load(extract.source, extract.quarter)
        if current and current["file_sha256"] == extract.sha256:
            return _outcome(extract, "unchanged", load_id=current["load_id"])
        previous = warehouse.current_load(extract.source, str(Quarter.parse(extract.quarter) - 1))
        revision = warehouse.accepted_revisions(extract.source, extract.quarter) + 1
        if not Path(extract.path).is_file():
            raise DuurzaamError(
                f"{extract.path}: the pulled copy of {extract.origin} is gone (a copy is removed "
                "once its load is done). What to do: pull it again: rerun the quarter, or clear "
                "the pull task together with this one"
            )

        suite = stack.enter_context(suite_process())  # a new one starts importing GX now
        clock = Stopwatch(f"{extract.source} {extract.quarter}")
        try:
            text = module.read(Path(extract.path))
        except InputRejected as unreadable:
            _record_unreadable(warehouse, extract, unreadable, started_at)
            raise unreadable.of_file(extract.origin) from None
        clock.lap("read")
        require_key_for_bsn(text.columns, settings.pseudonym_key, extract.origin)
        with _pseudonymisation(text, settings.pseudonym_key) as pseudonyms:
            prepared = module.prepare_for_validation(text, Quarter.parse(extract.quarter))
            clock.lap("prepare")
            manifest = _manifest(
                extract, f"r{revision}", len(prepared), revision, "current", None, started_at
            )
            # the suite also checks that no BSN is outside the bsn column
            checked = prepared.assign(bsn_outside_bsn_column=bsn_rows(text))
            clock.lap("BSN scan")
            try:
                with warehouse.transaction():
                    with ThreadPoolExecutor(1, thread_name_prefix="load") as loader:
                        loading = loader.submit(
                            _swap_partition, warehouse, module, prepared, pseudonyms, manifest
                        )
                        outcome = _run_suite(suite, extract, checked, previous, settings)
                        clock.lap("Great Expectations (its process: the suite, data docs)")
                    clock.lap("waiting for the partition swap")
                    if not outcome.success:
                        raise _Rejected
                    loading.result()  # a load that failed on a valid file fails the ingest
                    warehouse.record_validation(manifest.load_id, json.dumps(outcome.summary()))
            except _Rejected:
                _reject(warehouse, extract, text, outcome, started_at)
            logger.debug("raw.%s: partition swap committed (%s)", extract.source, manifest.load_id)
            clock.lap("commit")
    return _outcome(
        extract,
        "loaded",
        load_id=manifest.load_id,
        rows=manifest.row_count,
        revision=revision,
        replaced=current["load_id"] if current else None,
    )


def _arrow_memory_kept_for_reuse() -> None:
    """Arrow's default allocator (mimalloc) hands freed memory back to the system at once,
    and the next column of a large file faults it in again: a third of the prepare step's
    time on a million rows, spent in the kernel. jemalloc keeps it a while for reuse.
    Where pyarrow was built without jemalloc, the default stays."""
    import pyarrow as pa

    with suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def _run_suite(
    suite: SuiteProcess,
    extract: Extract,
    prepared: pd.DataFrame,
    previous: dict[str, Any] | None,
    settings: Settings,
) -> ValidationOutcome:
    run_name = f"{extract.source} {extract.quarter} {extract.sha256[:12]}"
    return suite.validate(
        prepared,
        extract.source,
        _suite_parameters(extract, previous),
        data_docs=(run_name, data_docs_project(extract.source, settings)),
    )


# Rows per block of the partition swap: the first block is COPYed while the BSNs of the later
# ones are still being hashed.
SWAP_BLOCK_ROWS = 200_000


def _swap_partition(
    warehouse: Warehouse,
    module: Source,
    prepared: pd.DataFrame,
    pseudonyms: Pseudonymisation | None,
    manifest: LoadManifest,
) -> None:
    """The partition swap of a load, in the transaction the caller holds open (it runs in a
    thread of its own beside the suite: the COPY's server-side work uses the other core)."""
    clock = Stopwatch(f"{manifest.source} {manifest.quarter}")
    columns = [column for column, _ in module.RAW_COLUMNS]

    def raw_blocks() -> Iterator[pd.DataFrame]:
        for first in range(0, max(len(prepared), 1), SWAP_BLOCK_ROWS):  # an empty file: one
            raw = module.to_raw(prepared.iloc[first : first + SWAP_BLOCK_ROWS], pseudonyms)
            yield raw.assign(
                quarter=manifest.quarter,
                _load_id=manifest.load_id,
                _loaded_at=manifest.finished_at,
            )[columns]

    warehouse.replace_partition(manifest.source, raw_blocks(), manifest)
    clock.lap("partition swap: history, raw rows pseudonymised and COPYed (beside the suite)")


class _Rejected(Exception):
    """The suite failed: raised inside the transaction, so that it is rolled back."""


def _reject(
    warehouse: Warehouse,
    extract: Extract,
    text: pd.DataFrame,
    outcome: ValidationOutcome,
    started_at: datetime,
) -> None:
    """Records a failing file in meta.loads and meta.quarantine; raises InputRejected."""
    summary = json.dumps(outcome.summary())
    name = f"rejected-{extract.sha256[:12]}"
    manifest = _manifest(extract, name, len(text), None, "rejected", summary, started_at)
    warehouse.record_rejection(manifest, outcome.quarantine_rows(text))
    raise InputRejected(
        extract.origin,
        f"rejected: {len(outcome.failures)} of {outcome.evaluated} checks failed; "
        "nothing was loaded",
        "correct the export and deliver it again; every failing row is in meta.quarantine "
        f"with load_id '{manifest.load_id}'",
        [failure.message(text) for failure in outcome.failures],
    )


def _record_unreadable(
    warehouse: Warehouse, extract: Extract, rejection: InputRejected, started_at: datetime
) -> None:
    """A file its reader refused, recorded in meta.loads and meta.quarantine as a file the
    suite rejected is: its rule, row and column (BSN-shaped numbers in the words masked)."""
    rule = rejection.rule or "readable_file"
    column = None if rejection.column is None else masked_text(rejection.column)
    failed = {"rule": rule, "column": column, "rows": int(rejection.row is not None)}
    summary = {"suite": extract.source, "expectations_evaluated": 0, "failed": [failed]}
    name = f"rejected-{extract.sha256[:12]}"
    manifest = _manifest(extract, name, 0, None, "rejected", json.dumps(summary), started_at)
    quarantine = pd.DataFrame(
        {
            "row_number": pd.array([rejection.row], dtype="Int64"),
            "column_name": [column],
            "rule": [rule],
            "problem": [masked_text(rejection.problem)],
            "value": [None],
            "record": [None],
        }
    )
    warehouse.record_rejection(manifest, quarantine)


def _manifest(
    extract: Extract,
    name: str,
    rows: int,
    revision: int | None,
    status: str,
    summary: str | None,
    started_at: datetime,
) -> LoadManifest:
    """The meta.loads row of a load (`name`: its revision, r1, r2, ...) or a rejection."""
    return LoadManifest(
        load_id=f"{extract.source}/{extract.quarter}/{name}",
        source=extract.source,
        quarter=extract.quarter,
        file_name=extract.origin,
        file_sha256=extract.sha256,
        row_count=rows,
        revision=revision,
        status=status,
        validation_summary=summary,
        started_at=started_at,
        finished_at=datetime.now(),
    )


def _pseudonymisation(
    text: pd.DataFrame, key: bytes | None
) -> AbstractContextManager[Pseudonymisation | None]:
    """The pseudonyms of the file's BSNs, hashed from now on in a child process."""
    if "bsn" not in text.columns or not key:
        return nullcontext()
    return Pseudonymisation(text["bsn"], key)


def _outcome(extract: Extract, status: str, **details: Any) -> dict[str, Any]:
    return {"status": status, "source": extract.source, "quarter": extract.quarter, **details}


def ingest(source: str, quarter: str, settings: Settings, file: Path | None = None) -> dict:
    """Pull, validate and load one extract: what `duurzaam ingest` and the DAG's tasks run."""
    return validate_and_load(pull(source, quarter, settings, file), settings)


# Extracts of one quarter loaded at once in a backfill: one per core (each has a suite
# process of its own).
BACKFILL_LANES = 2


def backfill(
    sources: list[str], quarters: list[str], settings: Settings
) -> Iterator[dict[str, Any]]:
    """Ingest every source of every quarter, quarter after quarter (so each quarter's
    plausibility checks see the previous one loaded), the sources of a quarter two at a
    time; yields each outcome as it is done. Each data docs site is built once, at the end.
    A rejected file stops the backfill once the quarter's other extracts are done (running
    it again skips what is loaded already)."""
    from duurzaam.ingest.suite_process import data_docs_built_once

    # Kept open until the end: the lanes' DuckDB connections then share this one's database
    # instance. Without it, one lane closing the last connection while the other opens one
    # races in DuckDB's instance cache ("Unique file handle conflict").
    with (
        open_warehouse(settings.warehouse_url) as warehouse,
        data_docs_built_once(),
        ThreadPoolExecutor(BACKFILL_LANES) as lanes,
    ):
        warehouse.ensure_schema(raw_tables())  # before two lanes would both create it
        for quarter in quarters:
            running = [lanes.submit(ingest, source, quarter, settings) for source in sources]
            for done in as_completed(running):
                if done.exception() is None:
                    yield done.result()
            for done in running:
                done.result()  # the first failure, if any, in the order of the sources


class Stopwatch:
    """Logs (debug) how long each step of an ingest took: `make bench-ingest` prints them."""

    def __init__(self, what: str):
        self.what, self.last = what, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        logger.debug("%s: %s %.2f s", self.what, step, now - self.last)
        self.last = now


def describe(outcome: dict[str, Any]) -> str:
    where = f"{outcome['source']} {outcome['quarter']}"
    if outcome["status"] == "unchanged":
        return f"{where}: unchanged (this file is already loaded as {outcome['load_id']})"
    replaced = f", replaces {outcome['replaced']}" if outcome["replaced"] else ""
    return f"{where}: loaded {outcome['rows']:,} rows as {outcome['load_id']}{replaced}"


def data_docs_project(source: str, settings: Settings) -> Path:
    """The GX project holding a source's data docs: its site is
    <work>/data_docs/<source>/gx/uncommitted/data_docs/local_site/index.html."""
    return settings.work_dir / "data_docs" / source


def _suite_parameters(extract: Extract, previous: dict[str, Any] | None) -> dict[str, Any]:
    min_rows = 1
    if previous:
        min_rows = max(1, math.ceil(previous["row_count"] * MIN_ROWS_SHARE_OF_PREVIOUS))
    return {
        "municipality_codes": reference.municipality_codes(),
        "region_codes": reference.region_codes(),
        "min_rows": min_rows,
    }
