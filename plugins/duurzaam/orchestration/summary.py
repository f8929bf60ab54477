"""The data engineers' summary of a quarter, mailed once its reports are sent: what was
loaded (meta.loads), what was withheld (rejected deliveries, missing sources, regions
without recipients, small counts) and which regions got their report (meta.outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from duurzaam.orchestration.alerts import Alert
from duurzaam.orchestration.assets import SOURCE_NAMES
from duurzaam.quarters import Quarter
from duurzaam.reports.build import regions_with_recipients
from duurzaam.reports.recipients import load_recipients
from duurzaam.settings import Settings
from duurzaam.warehouse.database import open_warehouse


@dataclass(frozen=True)
class QuarterSummary:
    alert: Alert  # the mail to the data engineers
    not_sent: list[str]  # the regions whose report was due and did not go out


def summarise_quarter(
    quarter: str, settings: Settings, missing_sources: Sequence[str] = ()
) -> QuarterSummary:
    """The summary of the quarter as it stands: every source, the regions with recipients."""
    regions, without = regions_with_recipients(Quarter.parse(quarter), settings)
    return quarter_summary(quarter, settings, SOURCE_NAMES, regions, without, missing_sources)


def quarter_summary(
    quarter: str,
    settings: Settings,
    sources: Sequence[str],
    regions: Sequence[str],
    without_recipients: Sequence[str] = (),
    missing_sources: Sequence[str] = (),
) -> QuarterSummary:
    """regions: those whose report was due (they have recipients); sources: every source."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        loads = warehouse.quarter_loads(quarter)
        outbox = warehouse.query(
            "select region_code, status, error from meta.outbox where quarter = %s "
            "order by claimed_at",
            (quarter,),
        )
    latest = {region: (status, error) for region, status, error in outbox}  # the last claim
    sent = [region for region in regions if latest.get(region, ("",))[0] == "sent"]
    not_sent = [region for region in regions if region not in sent]

    lines = [f"Quarter {quarter}: what the pipeline loaded, withheld and sent.", "", "Loaded:"]
    for source in sources:
        current = [
            load for load in loads if load["source"] == source and load["status"] == "current"
        ]
        if current:
            load = current[-1]
            lines.append(
                f"  - {source}: revision {load['revision']}, {load['row_count']:,} rows "
                f"({PurePath(load['file_name']).name})"
            )
        else:
            lines.append(f"  - {source}: nothing loaded for {quarter}")
    lines += ["", "Withheld:"]
    withheld = [
        f"  - {load['source']}: delivery {PurePath(load['file_name']).name} rejected by "
        "validation, not loaded (its rows are in meta.quarantine)"
        for load in loads
        if load["status"] == "rejected"
    ]
    if missing_sources:
        withheld.append(
            f"  - sent without {', '.join(missing_sources)} (the operator's choice); each "
            "report says so on its first page"
        )
    if without_recipients:
        withheld.append(f"  - no recipients configured, no report: {', '.join(without_recipients)}")
    withheld.append(
        f"  - in every report, counts below {settings.suppress_below} show as "
        f"<{settings.suppress_below} and rates over fewer people are not shown"
    )
    lines += withheld
    lines += ["", f"Reports: {len(sent)} of {len(regions)} regions got their report."]
    if sent:
        lines.append(f"  - sent: {', '.join(sent)}")
    for region in not_sent:
        status, error = latest.get(region, ("not attempted", None))
        reason = f": {str(error).splitlines()[0]}" if error else ""
        lines.append(f"  - NOT sent, {region} ({status}){reason}")
    if not_sent:
        lines.append(
            "What to do: each region not sent has an alert of its own saying why; once fixed, "
            "clear its send_report task (only what was not sent is sent)."
        )
    alert = Alert(
        f"summary {quarter}: {len(sent)} of {len(regions)} regional reports sent"
        + (f", {len(not_sent)} NOT sent" if not_sent else ""),
        "\n".join(lines) + "\n",
        f"summary-{quarter}",
    )
    return QuarterSummary(alert, not_sent)


def late_reports(quarter: str, settings: Settings, due_day: int) -> Alert | None:
    """On the quarter's due day: None when every region with recipients got its report;
    else the alert naming the regions without one, above the quarter's summary (what was
    loaded, what was sent). The regions come from the recipients, not from the marts: a
    quarter that never reached the marts is late too."""
    regions = sorted(code for code, addresses in load_recipients().items() if addresses)
    summary = quarter_summary(quarter, settings, SOURCE_NAMES, regions)
    if not summary.not_sent:
        return None
    late, due = len(summary.not_sent), Quarter.parse(quarter).next().start.replace(day=due_day)
    lines = [
        f"The reports of {quarter} were due by {due:%Y-%m-%d}; {late} of {len(regions)} "
        f"regions with recipients have not got theirs: {', '.join(summary.not_sent)}.",
        "Nothing needs to have failed for this: a source may still be missing (the reports "
        "wait for every source), the transform may not have run, or a DAG may be paused.",
        "What to do: load what is missing (below, what was loaded) and the chain runs on; "
        "when the regions should not wait, trigger duurzaam_report with "
        f'{{"quarter": "{quarter}", "send_with_missing_sources": true}}.',
        "",
        summary.alert.body,
    ]
    return Alert(
        f"reports late: {quarter}, {late} of {len(regions)} regions not sent by {due:%d-%m}",
        "\n".join(lines),
        f"late-{quarter}",
    )
