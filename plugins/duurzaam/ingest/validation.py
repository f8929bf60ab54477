"""Runs a source's Great Expectations suite (expectations/<source>.json) on its extract and
turns the outcome into messages a supplier can act on and rows for meta.quarantine."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from duurzaam.ingest.privacy import BSN_MASK, mask_bsn_like
from duurzaam.ingest.sources.files import ROW_INDEX
from duurzaam.settings import EXPECTATIONS_DIR

# Columns whose values never leave this module unmasked.
MASKED_COLUMNS = ("bsn",)
ROWS_IN_MESSAGE = 10


@dataclass
class Failure:
    rule: str
    column: str | None
    problem: str
    unexpected_count: int
    rows: list[int] = field(default_factory=list)

    def message(self, text: pd.DataFrame) -> str:
        where = f"column {self.column}" if self.column else "file"
        line = f"{where}: {self.problem} [{self.rule}]"
        if self.rows:
            shown = self.rows[:ROWS_IN_MESSAGE]
            more = f" and {len(self.rows) - len(shown)} more" if len(self.rows) > len(shown) else ""
            values = ""
            if self.column in text.columns:
                samples = [_masked(self.column, text.at[row, self.column]) for row in shown[:3]]
                values = " (values: " + ", ".join(repr(v) for v in samples) + ")"
            line += f"; row {', '.join(map(str, shown))}{more}{values}"
        return line


@dataclass
class ValidationOutcome:
    suite: str
    evaluated: int
    failures: list[Failure]

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> dict[str, Any]:
        """What meta.loads keeps: counts per rule, no values."""
        return {
            "suite": self.suite,
            "expectations_evaluated": self.evaluated,
            "failed": [
                {"rule": f.rule, "column": f.column, "rows": f.unexpected_count}
                for f in self.failures
            ],
        }

    def quarantine_rows(self, text: pd.DataFrame) -> pd.DataFrame:
        """One row per (failing row, rule): what failed, the offending value and the whole
        record as JSON, with any BSN masked."""
        records: list[dict[str, Any] | pd.DataFrame] = []
        for failure in self.failures:
            if not failure.rows:
                records.append(
                    {
                        "row_number": None,
                        "column_name": failure.column,
                        "rule": failure.rule,
                        "problem": failure.problem,
                        "value": None,
                        "record": None,
                    }
                )
                continue
            rows = text.loc[failure.rows]
            masked = _mask_frame(rows)
            value = masked.get(failure.column)
            records.append(
                pd.DataFrame(
                    {
                        "row_number": failure.rows,
                        "column_name": failure.column,
                        "rule": failure.rule,
                        "problem": failure.problem,
                        "value": value.to_numpy() if value is not None else None,
                        "record": [
                            json.dumps(record, ensure_ascii=False)
                            for record in masked.to_dict(orient="records")
                        ],
                    }
                )
            )
        frames = [r if isinstance(r, pd.DataFrame) else pd.DataFrame([r]) for r in records]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_suite(source: str) -> dict[str, Any]:
    return json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))


def validate(
    frame: pd.DataFrame,
    source: str,
    parameters: dict[str, Any],
    data_docs: tuple[str, Path] | None = None,
    build_site: bool = True,
) -> ValidationOutcome:
    """Validate the prepared extract. Expectations on columns the file lacks are left out:
    the suite's expect_column_to_exist rules report those, and an optional column (like bsn
    versus persoon_id) only has its rules applied when present. With data_docs (run name,
    GX project folder) the run is added to that data docs site: its result stored, the site
    rebuilt at once or, without build_site, by build_pending_data_docs()."""
    suite_config = load_suite(source)
    applicable = [e for e in suite_config["expectations"] if _columns_present(e, frame)]
    # Counts per expectation are all that a passing file and the data docs need. The rows
    # behind a failure (messages, meta.quarantine) come from a second run over the failed
    # expectations alone: GX's COMPLETE format copies the whole frame several times for
    # every expectation, which doubles the run over a large file that passes.
    result, ids = _run_suite(source, applicable, frame, parameters, "BASIC")
    failed = [ids[str(r.expectation_config.id)] for r in result.results if not r.success]
    if failed:
        detailed, detailed_ids = _run_suite(
            f"{source}-failed", [applicable[i] for i in failed], frame, parameters, "COMPLETE"
        )
        by_position = {
            failed[detailed_ids[str(r.expectation_config.id)]]: r for r in detailed.results
        }
        result.results = [
            by_position.get(ids[str(r.expectation_config.id)], r) for r in result.results
        ]
    failures = [_failure(r) for r in result.results if not r.success]
    if data_docs:
        write_data_docs(result, source, *data_docs, build_site=build_site)
    return ValidationOutcome(suite=source, evaluated=len(applicable), failures=failures)


def _run_suite(
    name: str,
    expectations: list[dict[str, Any]],
    frame: pd.DataFrame,
    parameters: dict[str, Any],
    result_format: str,
) -> tuple[Any, dict[str, int]]:
    """One GX run of `expectations` over the frame; returns the result and, per expectation
    id, its position in `expectations`."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # slow import: only where validation happens
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under this many bytes (an md5 over pandas' hash of each
    # row: 2.3 s for a million rows) only to label the batch in the result; the run's name
    # carries the file's sha256, which says the same.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
    )
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    # A validation definition fetches the batch once (fetching fingerprints the whole frame;
    # Batch.validate fetches it a second time).
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        # the rows as a list, not also as a query text repeating them
        result_format={"result_format": result_format, "return_unexpected_index_query": False},
    )
    return result, {str(e.id): i for i, e in enumerate(suite.expectations)}


def write_data_docs(
    result: Any, source: str, run_name: str, project_dir: Path, build_site: bool = True
) -> Path:
    """Add this run to the source's GX data docs site (`project_dir`/gx/uncommitted/data_docs/
    local_site/index.html lists every run). The stored result keeps counts and rates per
    expectation but no cell values and no row lists: no BSN or other cell content reaches the
    site or its stored results. Without build_site the site (whose index lists every run) is
    built later, once for all the runs stored until then: build_pending_data_docs()."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    for expectation in result.results:
        for key in [k for k in expectation.result if k in _VALUE_KEYS or "index" in k]:
            expectation.result.pop(key)
    if project_dir not in _DATA_DOCS_CONTEXTS:
        _DATA_DOCS_CONTEXTS[project_dir] = gx.get_context(
            mode="file", project_root_dir=str(project_dir)
        )
    context = _DATA_DOCS_CONTEXTS[project_dir]
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=source),
        run_id=RunIdentifier(run_name=run_name),
        batch_identifier=source,
    )
    context.validation_results_store.set(key, result)
    if build_site:
        context.build_data_docs(resource_identifiers=[key])
    else:
        _PENDING_SITES.setdefault(project_dir, []).append(key)
    return project_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def build_pending_data_docs() -> None:
    """Build each data docs site that has runs stored without it."""
    while _PENDING_SITES:
        project_dir, keys = _PENDING_SITES.popitem()
        _DATA_DOCS_CONTEXTS[project_dir].build_data_docs(resource_identifiers=keys)


# Per data docs project: its GX context (made once per process), and the runs stored since
# its site was last built.
_DATA_DOCS_CONTEXTS: dict[Path, Any] = {}
_PENDING_SITES: dict[Path, list[Any]] = {}


# What a GX result may carry of the cells themselves.
_VALUE_KEYS = ("partial_unexpected_list", "unexpected_list", "partial_unexpected_counts", "details")


def outcome_from_dict(data: dict[str, Any]) -> ValidationOutcome:
    return ValidationOutcome(
        suite=data["suite"],
        evaluated=data["evaluated"],
        failures=[Failure(**f) for f in data["failures"]],
    )


def outcome_to_dict(outcome: ValidationOutcome) -> dict[str, Any]:
    return asdict(outcome)


def _columns_present(expectation: dict[str, Any], frame: pd.DataFrame) -> bool:
    if expectation["type"] == "expect_column_to_exist":
        return True
    kwargs = expectation["kwargs"]
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return all(column in frame.columns for column in columns)


def _failure(result: Any) -> Failure:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column")
    if "column_A" in kwargs:
        column = kwargs["column_A"]
    error = _raised_exception(result.exception_info)
    if error:
        return Failure(config.type, column, f"could not be checked: {error}", 0)
    # With a named index GX reports each row as {index name: row, column: value}.
    rows = [
        int(i[ROW_INDEX] if isinstance(i, dict) else i)
        for i in result.result.get("unexpected_index_list") or []
    ]
    count = int(result.result.get("unexpected_count") or len(rows))
    problem = config.description or config.type
    if config.type == "expect_table_row_count_to_be_between":
        problem += f" (the file has {result.result.get('observed_value')} rows)"
    return Failure(config.type, column, problem, count, sorted(rows))


def _raised_exception(info: dict[str, Any] | None) -> str | None:
    """GX reports an exception either directly or per metric in a nested dict."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return str(nested[0].get("exception_message")) if nested else None


def _masked(column: str | None, value: Any) -> Any:
    if value is None or pd.isna(value):
        return None
    if column in MASKED_COLUMNS:
        return BSN_MASK
    return mask_bsn_like(pd.Series([str(value)])).iat[0] if isinstance(value, str) else value


def _mask_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as they may be stored: the BSN column masked, BSN-shaped numbers in any
    other text masked too."""
    masked = rows.astype(object).where(rows.notna(), None)
    for column in masked.columns:
        if column in MASKED_COLUMNS:
            masked[column] = masked[column].map(lambda v: BSN_MASK if v is not None else None)
        elif rows[column].dtype == object or pd.api.types.is_string_dtype(rows[column]):
            text = rows[column].astype("str")
            masked[column] = mask_bsn_like(text).where(rows[column].notna(), None).astype(object)
    return masked
