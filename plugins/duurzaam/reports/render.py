"""A region's report as a mail: the HTML body from the Jinja template with the charts inline
(cid images, no external resources), a plain-text part, and the same HTML as a PDF
attachment (WeasyPrint)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate
from functools import cache
from typing import Any

from duurzaam.ingest.privacy import percentage, thousands
from duurzaam.reports import charts
from duurzaam.reports.effects import forest_rows
from duurzaam.reports.forest import forest_chart
from duurzaam.settings import TEMPLATES_DIR

SENDER = "Duurzaam Werk <rapportage@duurzaamwerk.example>"


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    html: str  # the mail body, charts as cid: references
    text: str
    pdf: bytes
    charts: dict[str, bytes]  # PNG per chart name (the cid)
    seconds: float  # how long rendering took (benchmarks print it)


def content_hash(content: dict[str, Any]) -> str:
    """Identifies what a report says: the same figures give the same hash on every run."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def subject(content: dict[str, Any], correction: bool = False) -> str:
    title = (
        f"Kwartaalrapportage Duurzaam Werk — {content['region_name']} — {content['quarter_label']}"
    )
    return f"Correctie: {title}" if correction else title


def render(
    content: dict[str, Any], corrects: str | None = None, dashboard_link: str | None = None
) -> RenderedReport:
    """corrects: the date of the report this one replaces, for a correction; dashboard_link:
    the region's dashboard page, linked from the mail (not from the PDF, a document of its
    own)."""
    started = time.perf_counter()
    pngs = draw_charts(content)
    context = {**content, "correction": corrects}
    environment = _templates(content["threshold"])
    template = environment.get_template("region_report.html.j2")
    html = template.render(
        **context, images={name: f"cid:{name}" for name in pngs}, dashboard_link=dashboard_link
    )
    html_for_pdf = template.render(
        **context,
        images={
            name: "data:image/png;base64," + base64.b64encode(png).decode()
            for name, png in pngs.items()
        },
    )
    from weasyprint import HTML  # heavy: only when a report is rendered

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per font table else

    pdf = HTML(string=html_for_pdf, base_url=str(TEMPLATES_DIR)).write_pdf()
    return RenderedReport(
        subject=subject(content, correction=corrects is not None),
        html=html,
        text=environment.get_template("region_report.txt.j2").render(
            **context, dashboard_link=dashboard_link
        ),
        pdf=pdf,
        charts=pngs,
        seconds=time.perf_counter() - started,
    )


def draw_charts(content: dict[str, Any]) -> dict[str, bytes]:
    trend, survival = content["trend"], content["survival"]
    pngs = {
        "trend": charts.trend_chart(
            trend["labels"],
            trend["placements"],
            trend["job_losses"],
            suppressed_label=f"<{content['threshold']}",
        ),
        "survival": charts.survival_chart(
            content["region_name"],
            survival["region"],
            survival["national"],
            region_label=(
                f"{content['region_name']} (voortschrijdend jaar)"
                if survival["is_rolling_year"]
                else None
            ),
        ),
        "factors": charts.factor_chart(
            [row for row in content["factors"] if row["retention"] is not None]
        ),
    }
    forest = forest_rows(content["effects"])
    if forest:
        pngs["effects"] = forest_chart(content["region_name"], forest)
    spinnenweb = content["spinnenweb"]
    if spinnenweb and spinnenweb["perspectives"]:
        pngs["spinnenweb"] = charts.spinnenweb_chart(
            spinnenweb["elements"], spinnenweb["perspectives"]
        )
    return pngs


def build_message(
    report: RenderedReport, content: dict[str, Any], recipients: list[str], message_id: str
) -> EmailMessage:
    """One message to the region's own recipients: text and HTML alternatives, the charts
    related to the HTML part, the PDF attached."""
    message = EmailMessage()
    message["Subject"] = report.subject
    message["From"] = SENDER
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["X-Duurzaam-Region"] = content["region_code"]
    message["X-Duurzaam-Quarter"] = content["quarter"]
    message.set_content(report.text)
    message.add_alternative(report.html, subtype="html")
    parts = message.get_payload()
    assert isinstance(parts, list)  # multipart since add_alternative
    html_part = parts[1]
    assert isinstance(html_part, MIMEPart)
    for name, png in report.charts.items():
        html_part.add_related(
            png, "image", "png", cid=f"<{name}>", filename=f"{name}.png", disposition="inline"
        )
    message.add_attachment(report.pdf, "application", "pdf", filename=pdf_name(content))
    return message


def pdf_name(content: dict[str, Any]) -> str:
    return f"Duurzaam-Werk-{content['region_code']}-{content['quarter']}.pdf"


@cache
def _templates(threshold: int) -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # a count the content module withheld is None: it shows as '<10'
    environment.filters["count"] = lambda value: (
        f"<{threshold}" if value is None else thousands(int(value))
    )
    environment.filters["rate"] = percentage
    return environment
