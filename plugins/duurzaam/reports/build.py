"""The regional reports of a quarter, from the marts to the region's own recipients, each sent
exactly once (meta.outbox). The Airflow DAG maps `deliver_report` over the regions; the
command line runs it for every region in turn. A region that fails does not stop the others.
What sends a report (send_prepared, send_all) serves the employers' reports too
(employer_reports.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.context import BaseContext

from duurzaam.errors import DuurzaamError
from duurzaam.publication.labels import SOURCE_LABELS, page_url
from duurzaam.quarters import Quarter
from duurzaam.reports import outbox
from duurzaam.reports.content import report_content
from duurzaam.reports.data import latest_quarter, load_report_data, report_regions
from duurzaam.reports.delivery import (
    DeliveryError,
    PartialDelivery,
    SmtpServer,
    send,
    write_to_folder,
)
from duurzaam.reports.recipients import load_recipients
from duurzaam.reports.render import RenderedReport, build_message, content_hash, render
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse

__all__ = [
    "Delivery",
    "ReportRun",
    "deliver_report",
    "latest_quarter",
    "regions_with_recipients",
    "write_reports",
]


@dataclass(frozen=True)
class Delivery:
    addressee: str  # the region code, or 'werkgever:<id>'
    status: str  # sent | correction | unchanged
    where: str  # the server or the .eml file
    render_seconds: float = 0.0

    def describe(self) -> str:
        what = {
            "sent": "sent",
            "correction": "sent as a correction",
            "unchanged": "already sent (unchanged), not sent again",
        }[self.status]
        return f"{self.addressee}: {what} -> {self.where}"


@dataclass
class ReportRun:
    quarter: str
    deliveries: list[Delivery] = field(default_factory=list)
    without_recipients: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        sent = sum(d.status != "unchanged" for d in self.deliveries)
        lines = [
            f"{self.quarter}: {sent} reports sent, "
            f"{len(self.deliveries) - sent} unchanged since they were sent"
        ]
        if self.without_recipients:
            lines.append(
                "no recipients configured (not sent) for: " + ", ".join(self.without_recipients)
            )
        lines += [f"FAILED {region}: {error}" for region, error in self.failed.items()]
        return "\n".join(lines)


def regions_with_recipients(quarter: Quarter, settings: Settings) -> tuple[list[str], list[str]]:
    """The regions to report on for the quarter: those with recipients, and those without
    (reported, never sent anywhere else)."""
    recipients = load_recipients()
    regions = report_regions(settings, quarter)
    return (
        [r for r in regions if recipients.get(r)],
        [r for r in regions if not recipients.get(r)],
    )


@dataclass(frozen=True)
class PreparedReport:
    """A report's content and where it stands in the outbox, before rendering: a region's,
    or a participating employer's (employer_reports.py)."""

    addressee: str  # the outbox's key: the region code, or 'werkgever:<id>'
    file_name: str  # the .eml's name in the outbox folder, without the suffix
    content: dict
    content_hash: str
    recipients: list[str]
    state: outbox.OutboxState
    dashboard_link: str | None = None  # the region's page; not part of the content hash


def prepare_report(
    warehouse: Warehouse,
    quarter: Quarter,
    region_code: str,
    settings: Settings,
    missing_sources: Sequence[str] = (),
) -> PreparedReport:
    """missing_sources: the sources the operator chose to send without (the freshness gate,
    duurzaam.reports.freshness); the report names them on its first page."""
    addresses = load_recipients().get(region_code)
    if not addresses:
        raise DuurzaamError(
            f"region {region_code} has no recipients in include/config/recipients.yml: "
            "its report is not sent (add its addresses to send it)"
        )
    content = report_content(
        load_report_data(warehouse, quarter, region_code), settings.suppress_below
    )
    if missing_sources:  # only then: the content (and hash) of a complete report is as before
        content["missing_sources"] = [SOURCE_LABELS.get(s, s) for s in missing_sources]
    digest = content_hash(content)
    return PreparedReport(
        region_code,
        f"{region_code}-{slug(content['region_name'])}",
        content,
        digest,
        addresses,
        outbox.state(warehouse, region_code, str(quarter), digest),
        page_url(settings.dashboard_url, region_code),
    )


def render_prepared(prepared: PreparedReport) -> RenderedReport:
    return render(
        prepared.content, corrects=prepared.state.corrects, dashboard_link=prepared.dashboard_link
    )


def send_prepared(
    warehouse: Warehouse,
    prepared: PreparedReport,
    report: RenderedReport,
    settings: Settings,
    server: SmtpServer | None,
) -> Delivery:
    """Claims, sends (or writes to the outbox folder) and marks the rendered report."""
    quarter = prepared.content["quarter"]
    claim = outbox.claim(
        warehouse,
        prepared.addressee,
        quarter,
        prepared.content_hash,
        prepared.recipients,
        report.subject,
    )
    where = repr(server) if server else str(settings.outbox_dir / quarter)
    if claim is None:  # sent meanwhile by another attempt
        return Delivery(prepared.addressee, "unchanged", where)
    if claim.corrects != prepared.state.corrects:  # the outbox changed meanwhile
        report = render(
            prepared.content, corrects=claim.corrects, dashboard_link=prepared.dashboard_link
        )
    transport = "smtp" if server else "folder"
    pending = claim.pending(prepared.recipients)  # all, unless an attempt delivered to some
    try:
        message = build_message(report, prepared.content, prepared.recipients, claim.message_id)
        if not server:
            folder = settings.outbox_dir / quarter
            where = str(
                write_to_folder(message, report.pdf, report.html, folder, prepared.file_name)
            )
        elif pending:
            send(message, server, to=pending)
    except PartialDelivery as error:
        delivered = [address for address in pending if address not in error.refused]
        outbox.mark_partial(warehouse, claim, transport, delivered, str(error)[:2000])
        raise
    except Exception as error:
        outbox.mark_failed(warehouse, claim, transport, error=str(error)[:2000])
        raise
    outbox.mark_sent(warehouse, claim, transport, pending)
    status = "correction" if claim.corrects else "sent"
    return Delivery(prepared.addressee, status, where, report.seconds)


def deliver_report(
    quarter: Quarter,
    region_code: str,
    settings: Settings,
    server: SmtpServer | None,
    missing_sources: Sequence[str] = (),
) -> Delivery:
    """One region's report to its own recipients, unless this exact report was sent before
    (what a mapped Airflow task runs). Without a server it goes to the outbox folder."""
    return deliver(
        lambda warehouse: prepare_report(
            warehouse, quarter, region_code, settings, missing_sources
        ),
        settings,
        server,
    )


def deliver(
    prepare: Callable[[Warehouse], PreparedReport], settings: Settings, server: SmtpServer | None
) -> Delivery:
    """The report `prepare` makes, rendered and sent unless this exact report was sent before."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        prepared = prepare(warehouse)
        if prepared.state.already_sent:
            return Delivery(prepared.addressee, "unchanged", repr(server) if server else "outbox")
        return send_prepared(warehouse, prepared, render_prepared(prepared), settings, server)


def write_reports(
    quarter: Quarter,
    settings: Settings,
    server: SmtpServer | None = None,
    workers: int = 2,
    regions: list[str] | None = None,
) -> ReportRun:
    """Every region's report of the quarter (or only `regions`'), each sent once (send_all)."""
    with_recipients, without = regions_with_recipients(quarter, settings)
    if regions is not None:
        unknown = set(regions) - set(with_recipients) - set(without)
        if unknown:
            raise DuurzaamError(f"no such region in the marts: {', '.join(sorted(unknown))}")
        with_recipients = [r for r in with_recipients if r in regions]
        without = [r for r in without if r in regions]
    run = ReportRun(str(quarter), without_recipients=without)

    def prepared(warehouse: Warehouse) -> Iterator[PreparedReport]:
        for region in with_recipients:
            yield prepare_report(warehouse, quarter, region, settings)

    return send_all(run, prepared, settings, server, workers)


def send_all(
    run: ReportRun,
    prepared: Callable[[Warehouse], Iterable[PreparedReport]],
    settings: Settings,
    server: SmtpServer | None,
    workers: int = 2,
) -> ReportRun:
    """Sends each report `prepared` yields that was not sent before. Rendering (charts, PDF)
    runs in `workers` processes; the warehouse and the server are used from this one. A
    report that fails is recorded and does not keep the others from theirs."""
    with (
        open_warehouse(settings.warehouse_url) as warehouse,
        ProcessPoolExecutor(workers, mp_context=_rendering_context()) as pool,
    ):
        rendering = []  # rendering starts while the next reports are prepared
        for report in prepared(warehouse):
            if report.state.already_sent:
                run.deliveries.append(Delivery(report.addressee, "unchanged", "-"))
            else:
                rendering.append((report, pool.submit(render_prepared, report)))
        for report, rendered in rendering:
            try:
                run.deliveries.append(
                    send_prepared(warehouse, report, rendered.result(), settings, server)
                )
            except (DeliveryError, outbox.AlreadyClaimed) as error:
                run.failed[report.addressee] = str(error)
    return run


def _rendering_context() -> BaseContext:
    """Rendering processes forked from a server that imported the rendering libraries once
    (not once per process), and never from this process, which holds the warehouse
    connection and its threads."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["duurzaam.reports.render", "weasyprint"])
    return context


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
