"""The `duurzaam` command: the steps the DAGs run, for local runs, backfills and the demo.

Exit codes: 0 done or unchanged, 2 input rejected, 1 anything else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from duurzaam.errors import (
    DuurzaamError,
    InputRejected,
    QueryRefused,
    describe_database_error,
    describe_full_disk,
    refused_query,
)
from duurzaam.quarters import Quarter, parse_quarter_range

EXIT_OK, EXIT_FAILED, EXIT_REJECTED = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        arguments.command(arguments)
    except InputRejected as rejection:
        print(f"REJECTED {rejection}", file=sys.stderr)
        return EXIT_REJECTED
    except QueryRefused as refusal:
        print(f"REFUSED {refusal}", file=sys.stderr)
        return EXIT_REJECTED
    except Exception as error:
        if getattr(arguments, "debug", False):
            raise
        print(f"ERROR {_describe(error)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _describe(error: Exception) -> str:
    """One line for the user: ours say what to do; the database's get a hint; anything else
    is named as unexpected (the traceback is one --debug away)."""
    if isinstance(error, OSError) and (full := describe_full_disk(error, _setting_of(error))):
        return full
    if isinstance(error, DuurzaamError | ValueError | OSError):
        return str(error)
    described = describe_database_error(error)
    if described:
        return described
    return f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)"


def _setting_of(error: OSError) -> str | None:
    """The setting naming the folder the failed write was in (DUURZAAM_WORK_DIR, ...)."""
    from duurzaam.settings import load_settings

    written = error.filename2 or error.filename  # a copy names its source, then its target
    if not isinstance(written, str):
        return None
    settings = load_settings()
    folders = {
        "DUURZAAM_WORK_DIR": settings.work_dir,
        "DUURZAAM_OUTBOX_DIR": settings.outbox_dir,
        "DUURZAAM_DASHBOARD_DIR": settings.dashboard_dir,
    }
    return next(
        (name for name, folder in folders.items() if Path(written).is_relative_to(folder)), None
    )


def _parser() -> argparse.ArgumentParser:
    # --debug before or after the command: a traceback instead of the one-line message
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    parser = argparse.ArgumentParser(prog="duurzaam", description=__doc__, parents=[common])
    commands = _Commands(parser.add_subparsers(required=True, metavar="COMMAND"), common)

    generate = commands.add_parser("generate", help="write a synthetic landing zone")
    generate.add_argument("--out", type=Path, required=True, help="landing zone folder")
    generate.add_argument("--quarters", required=True, help="range, e.g. 2019Q1:2025Q4")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = national scale (about 6,000 placements a quarter)",
    )
    generate.add_argument("--identifier", choices=("persoon_id", "bsn"), default="persoon_id")
    generate.set_defaults(command=_generate)

    ingest = commands.add_parser(
        "ingest", help="pull, validate and load extracts; a range in order (backfill)"
    )
    ingest.add_argument("source", help="e.g. placements, or 'all' for every source")
    when = ingest.add_mutually_exclusive_group(required=True)
    when.add_argument("--quarter", help="e.g. 2024Q4")
    when.add_argument("--quarters", help="a range in order, e.g. 2019Q1:2025Q4")
    ingest.add_argument("--file", type=Path, help="load this file instead of the landing zone's")
    ingest.set_defaults(command=_ingest)

    transform = commands.add_parser("transform", help="dbt build: raw -> marts")
    transform.set_defaults(command=_transform)

    docs = commands.add_parser(
        "docs", help="dbt docs generate: one browsable page of models, tests and lineage"
    )
    docs.set_defaults(command=_docs)

    report = commands.add_parser(
        "report",
        help="send each region's report of a quarter to its recipients, once (--employers: "
        "each participating employer's)",
    )
    report.add_argument("--quarter", required=True)
    report.add_argument(
        "--region",
        action="append",
        dest="regions",
        metavar="CODE",
        help="only this region (e.g. AM05); repeat for more",
    )
    report.add_argument(
        "--employers",
        action="store_true",
        help="the participating employers' reports (include/config/employers.yml) instead",
    )
    report.set_defaults(command=_report)

    run = commands.add_parser("run", help="ingest every source, transform, report")
    run.add_argument("--quarter", required=True, help="a quarter or a range 2024Q1:2024Q4")
    run.set_defaults(command=_run)

    query = commands.add_parser("query", help="run SQL on the warehouse, print the result")
    query.add_argument("sql", help='e.g. "from published.pub_region_quarter limit 5"')
    query.add_argument(
        "--format",
        choices=("table", "csv", "parquet", "json"),
        default="table",
        help="table (default), csv, json (an array of records) or parquet (needs --output)",
    )
    query.add_argument("--output", type=Path, help="write the result to this file")
    query.set_defaults(command=_query)

    export = commands.add_parser(
        "export", help="the published figures of a quarter as Parquet and CSV files"
    )
    export.add_argument("--quarter", required=True, help="e.g. 2024Q4")
    export.add_argument("--out", type=Path, help="the folder (default: export/<quarter>)")
    export.set_defaults(command=_export)

    check = commands.add_parser(
        "check-disclosure",
        help="attack the published layer: exit 1 naming each count below the threshold "
        "that can be recovered from it",
    )
    check.set_defaults(command=_check_disclosure)

    dashboard = commands.add_parser(
        "dashboard", help="build the dashboard from the published layer, or serve it"
    )
    dashboard.add_argument("action", choices=("build", "serve"))
    dashboard.add_argument("--host", default="127.0.0.1", help="serve: the address to listen on")
    dashboard.add_argument("--port", type=int, default=8050, help="serve: the port")
    dashboard.set_defaults(command=_dashboard)

    demo = commands.add_parser(
        "demo", help="run the Airflow DAGs over the bundled sample quarters (embedded mode)"
    )
    demo.set_defaults(command=_demo)
    return parser


class _Commands:
    """The subcommands, each with the common options."""

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser):
        self.subparsers, self.common = subparsers, common

    def add_parser(self, name: str, **options: Any) -> argparse.ArgumentParser:
        return self.subparsers.add_parser(name, parents=[self.common], **options)


def _generate(arguments: argparse.Namespace) -> None:
    from duurzaam.synthetic import generate

    summary = generate(
        arguments.out,
        parse_quarter_range(arguments.quarters),
        seed=arguments.seed,
        scale=arguments.scale,
        identifier=arguments.identifier,
    )
    print(summary)


def _ingest(arguments: argparse.Namespace) -> None:
    from duurzaam.ingest.suite_process import start_suite_process

    start_suite_process()  # Great Expectations imports in it while this process starts
    from duurzaam.ingest.sources import SOURCES, get_source
    from duurzaam.ingest.steps import describe, ingest
    from duurzaam.settings import load_settings

    sources = list(SOURCES) if arguments.source == "all" else [arguments.source]
    for source in sources:
        get_source(source)  # an unknown name fails before anything runs
    quarters = parse_quarter_range(arguments.quarters or arguments.quarter)
    if arguments.file and (len(quarters) > 1 or len(sources) > 1):
        raise ValueError("--file goes with one source and one --quarter")
    settings = load_settings()
    steps = [(source, str(quarter)) for quarter in quarters for source in sources]
    if len(steps) == 1:
        print(describe(ingest(*steps[0], settings, arguments.file)))
        return
    from tqdm import tqdm

    from duurzaam.ingest.steps import backfill

    with tqdm(total=len(steps), unit="extract", file=sys.stderr) as progress:
        for outcome in backfill(sources, [str(quarter) for quarter in quarters], settings):
            progress.update()
            progress.write(describe(outcome))


def _transform(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings
    from duurzaam.transform.run import transform

    transform(load_settings())


def _docs(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings
    from duurzaam.transform.run import generate_docs

    print(f"Open in a browser: {generate_docs(load_settings())}")


def _report(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings

    quarter, settings = Quarter.parse(arguments.quarter), load_settings()
    if arguments.employers:
        if arguments.regions:
            raise DuurzaamError(
                "--employers and --region: choose one (an employer's report "
                "goes to the employer, whatever its region)"
            )
        _send_reports(quarter, settings, employers=True)
    else:
        _send_reports(quarter, settings, arguments.regions)


def _send_reports(
    quarter: Quarter, settings: Any, regions: list[str] | None = None, employers: bool = False
) -> None:
    """Every region's report to its recipients, or every participating employer's
    (DUURZAAM_SMTP_URL, or the outbox folder); exit 1 after all when any failed."""
    from duurzaam.reports.build import write_reports
    from duurzaam.reports.delivery import SmtpServer
    from duurzaam.reports.employer_reports import write_employer_reports

    server = SmtpServer.from_url(settings.smtp_url) if settings.smtp_url else None
    if employers:
        run = write_employer_reports(quarter, settings, server)
    else:
        run = write_reports(quarter, settings, server, regions=regions)
    print(run.describe())
    if run.failed:
        raise SystemExit(1)


def _run(arguments: argparse.Namespace) -> None:
    from duurzaam.ingest.sources import SOURCES
    from duurzaam.ingest.steps import describe, extract_available, ingest
    from duurzaam.settings import load_settings
    from duurzaam.transform.run import transform

    settings = load_settings()
    # A source without an extract for the quarter is skipped with a notice, not guessed.
    for quarter in parse_quarter_range(arguments.quarter):
        for source in SOURCES:
            if not extract_available(source, str(quarter), settings):
                print(f"{source} {quarter}: no extract delivered, skipped")
                continue
            print(describe(ingest(source, str(quarter), settings)))
        transform(settings)
        _send_reports(quarter, settings)
        _send_reports(quarter, settings, employers=True)


def _query(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings
    from duurzaam.warehouse.export import ExportRefused, encode, refuse_warehouse_path, write_output
    from duurzaam.warehouse.query import run_query, run_query_arrow

    settings = load_settings()
    url, output, file_format = settings.query_warehouse_url, arguments.output, arguments.format
    warehouses = (settings.warehouse_url, url)
    if output is not None:
        refuse_warehouse_path(output, warehouses)  # before anything runs
    elif file_format == "parquet":
        raise ExportRefused("--format parquet writes a binary file: use --output FILE")
    try:
        if file_format == "table":
            content = _as_text(run_query(url, arguments.sql))
        else:
            content = encode(run_query_arrow(url, arguments.sql), file_format)
    except Exception as error:
        # what the database refused (a write, a file, a table the login may not read)
        refusal = refused_query(error)
        if refusal is None:
            raise
        raise refusal from error
    if output is not None:
        write_output(content, output, warehouses)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()


def _as_text(frame: Any) -> bytes:
    """The rows as a printed table; nothing for a statement without a result (show, set)."""
    import pandas as pd

    if frame.columns.empty:
        return b""
    with pd.option_context("display.max_columns", None, "display.width", 200):
        return (frame.to_string(index=False) + "\n").encode("utf-8")


def _export(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings
    from duurzaam.transform.manifest import dbt_manifest, folder_models
    from duurzaam.warehouse.export import Column, ExportRefused, PublishedModel, export_published

    try:
        quarter = str(Quarter.parse(arguments.quarter))
    except ValueError as error:
        raise ExportRefused(str(error)) from error
    manifest = dbt_manifest()
    nodes = {node["name"]: node for node in manifest["nodes"].values()}
    models = [
        PublishedModel(
            name,
            nodes[name]["description"],
            tuple(
                Column(column["name"], column.get("data_type") or "", column["description"])
                for column in nodes[name]["columns"].values()
            ),
        )
        for name in folder_models("published", manifest)
    ]
    # what a withheld value is: the published layer's own documentation
    withheld = manifest["docs"]["doc.duurzaam.published_layer"]["block_contents"].strip()
    folder = arguments.out or Path("export") / quarter
    url = load_settings().query_warehouse_url
    print(export_published(url, quarter, folder, models, withheld).describe())


def _check_disclosure(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings
    from duurzaam.transform.disclosure.check import gate

    print(gate(load_settings()).describe())


def _dashboard(arguments: argparse.Namespace) -> None:
    from duurzaam.settings import load_settings

    settings = load_settings()
    if arguments.action == "build":
        from duurzaam.dashboard.site import build_site

        print(build_site(settings).describe(settings.dashboard_url))
    else:
        from duurzaam.dashboard.server import serve

        serve(settings.dashboard_dir, arguments.host, arguments.port)


def _demo(arguments: argparse.Namespace) -> None:
    from duurzaam.demo import run_demo

    run_demo()


if __name__ == "__main__":
    sys.exit(main())
