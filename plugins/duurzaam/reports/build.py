"""One report per region for a quarter: figures from marts.mart_region_quarter, suppressed
where small, rendered from the Jinja templates in include/templates, written as an .eml
message to the outbox folder, addressed to that region's recipients only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import pandas as pd

from duurzaam.errors import DuurzaamError
from duurzaam.privacy import percentage, suppress_count, suppress_rate
from duurzaam.quarters import Quarter
from duurzaam.reports.recipients import load_recipients
from duurzaam.settings import TEMPLATES_DIR, Settings
from duurzaam.warehouse import open_warehouse

SENDER = "Duurzaam Werk <rapportage@duurzaamwerk.example>"
TREND_QUARTERS = 8


@dataclass
class ReportRun:
    quarter: str
    written: list[Path] = field(default_factory=list)
    without_recipients: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{len(self.written)} reports for {self.quarter} written to "
                 f"{self.written[0].parent if self.written else '-'}"]
        if self.without_recipients:
            lines.append("no recipients configured (not sent) for: "
                         + ", ".join(self.without_recipients))
        return "\n".join(lines)


def latest_quarter(settings: Settings) -> str:
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query("select max(quarter) from marts.mart_region_quarter")
    if not rows or rows[0][0] is None:
        raise DuurzaamError("marts.mart_region_quarter is empty: load a quarter and transform")
    return str(rows[0][0])


def write_reports(quarter: str, settings: Settings) -> ReportRun:
    """Render and write the report of every region for `quarter`."""
    quarter_ = Quarter.parse(quarter)
    figures = _mart_rows(quarter_, settings)
    if figures.empty or str(quarter_) not in set(figures["quarter"]):
        raise DuurzaamError(
            f"marts.mart_region_quarter has no rows for {quarter_}: ingest that quarter and "
            "run `duurzaam transform` first"
        )
    recipients = load_recipients()
    run = ReportRun(str(quarter_))
    outbox = settings.outbox_dir / str(quarter_)
    outbox.mkdir(parents=True, exist_ok=True)
    environment = _templates()
    for region_code, region_rows in figures.groupby("region_code", sort=True):
        addresses = recipients.get(str(region_code), [])
        if not addresses:
            run.without_recipients.append(str(region_code))
            continue
        context = report_context(region_rows, quarter_, settings.suppress_below)
        message = _message(context, addresses, environment)
        path = outbox / f"{region_code}-{_slug(context['region_name'])}.eml"
        path.write_bytes(message.as_bytes())
        run.written.append(path)
    return run


def report_context(rows: pd.DataFrame, quarter: Quarter, threshold: int) -> dict[str, Any]:
    """The figures one region's report shows, already suppressed: nothing below the
    threshold leaves this function as a number."""
    by_quarter = rows.set_index("quarter")
    current = by_quarter.loc[str(quarter)]
    year_ago = by_quarter.loc[str(quarter - 4)] if str(quarter - 4) in by_quarter.index else None
    cohort = year_ago  # the cohort placed a year ago is the latest with 12 months observed

    def count(row: pd.Series | None, column: str) -> str:
        return suppress_count(None if row is None else row[column], threshold)

    headline = [
        {"label": label,
         "region": count(current, column),
         "year_ago": count(year_ago, column),
         "national": suppress_count(current[f"nl_{column}"], threshold)}
        for label, column in (
            ("Plaatsingen (nieuwe werkperiodes)", "placements_started"),
            ("Van werk naar werk", "job_to_job_moves"),
            ("Baanverlies", "job_losses"),
        )
    ]
    trend = [
        {"quarter": Quarter.parse(q).label_nl,
         "placements": suppress_count(row["placements_started"], threshold),
         "job_losses": suppress_count(row["job_losses"], threshold)}
        for q, row in by_quarter.sort_index().tail(TREND_QUARTERS).iterrows()
    ]
    retention = None
    if cohort is not None:
        retention = {
            "cohort": (quarter - 4).label_nl,
            "region": suppress_rate(cohort["retention_12m"], cohort["retention_12m_cohort"],
                                    threshold),
            "national": percentage(cohort["nl_retention_12m"]),
            "cohort_size": suppress_count(cohort["retention_12m_cohort"], threshold),
        }
    return {
        "region_code": current["region_code"],
        "region_name": current["region_name"],
        "quarter_label": quarter.label_nl,
        "data_date": quarter.end.strftime("%d-%m-%Y"),
        "headline": headline,
        "provisional_losses": count(current, "job_losses_provisional"),
        "retention": retention,
        "trend": trend,
        "threshold": threshold,
    }


def _mart_rows(quarter: Quarter, settings: Settings) -> pd.DataFrame:
    first = str(quarter - (TREND_QUARTERS - 1))
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame(
            "select * from marts.mart_region_quarter where quarter between %s and %s",
            (first, str(quarter)),
        )


def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _message(context: dict[str, Any], addresses: list[str], environment: Any) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = (
        f"Kwartaalrapportage Duurzaam Werk — {context['region_name']} — "
        f"{context['quarter_label']}"
    )
    message["From"] = SENDER
    message["To"] = ", ".join(addresses)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="duurzaamwerk.example")
    message["X-Duurzaam-Region"] = context["region_code"]
    message.set_content(environment.get_template("region_report.txt.j2").render(**context))
    message.add_alternative(
        environment.get_template("region_report.html.j2").render(**context), subtype="html"
    )
    return message


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
