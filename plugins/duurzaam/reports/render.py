"""A report as a mail: the HTML body from the Jinja template with the charts inline (cid
images, no external resources), a plain-text part, and the same HTML as a PDF attachment
(WeasyPrint). A region's report (content.py) or a participating employer's
(employer_content.py, content["kind"] == "werkgever": tables and its Spinnenweb)."""

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

from duurzaam.publication.cohorts import SurvivalPoint
from duurzaam.publication.labels import decimal, percentage, thousands
from duurzaam.reports import charts
from duurzaam.reports.effects import forest_rows
from duurzaam.reports.forest import forest_alt, forest_chart
from duurzaam.settings import TEMPLATES_DIR

SENDER = "Duurzaam Werk <rapportage@duurzaamwerk.example>"
# Tagged (structure tree, alternative texts, language, title): PDF/UA-1, ISO 14289-1
PDF_VARIANT = "pdf/ua-1"
EMPLOYER = "werkgever"  # content["kind"] of an employer's report


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


def is_employer_report(content: dict[str, Any]) -> bool:
    return content.get("kind") == EMPLOYER


def subject(content: dict[str, Any], correction: bool = False) -> str:
    if is_employer_report(content):
        title = f"Duurzaam Werk — {content['employer_name']} — {content['quarter_label']}"
    else:
        title = (
            f"Kwartaalrapportage Duurzaam Werk — {content['region_name']} — "
            f"{content['quarter_label']}"
        )
    return f"Correctie: {title}" if correction else title


def render(
    content: dict[str, Any], corrects: str | None = None, dashboard_link: str | None = None
) -> RenderedReport:
    """corrects: the date of the report this one replaces, for a correction; dashboard_link:
    the region's dashboard page, linked from the mail (not from the PDF, a document of its
    own)."""
    started = time.perf_counter()
    employer = is_employer_report(content)
    if employer:
        pngs, alts = spinnenweb_charts(content["spinnenweb"]["chart"])
    else:
        pngs, alts = draw_charts(content)
    context = {**content, "correction": corrects, "alts": alts}
    environment = _templates(content["threshold"])
    stem = "employer_report" if employer else "region_report"
    template = environment.get_template(f"{stem}.html.j2")
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

    pdf = HTML(string=html_for_pdf, base_url=str(TEMPLATES_DIR)).write_pdf(pdf_variant=PDF_VARIANT)
    return RenderedReport(
        subject=subject(content, correction=corrects is not None),
        html=html,
        text=environment.get_template(f"{stem}.txt.j2").render(
            **context, dashboard_link=dashboard_link
        ),
        pdf=pdf,
        charts=pngs,
        seconds=time.perf_counter() - started,
    )


def draw_charts(content: dict[str, Any]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Each chart as PNG and its alternative text, both from the same published figures."""
    trend, survival, region = content["trend"], content["survival"], content["region_name"]
    withheld = f"<{content['threshold']}"
    region_label = f"{region} (voortschrijdend jaar)" if survival["is_rolling_year"] else region
    factors = [row for row in content["factors"] if row["retention"] is not None]
    pngs = {
        "trend": charts.trend_chart(
            trend["labels"], trend["placements"], trend["job_losses"], suppressed_label=withheld
        ),
        "survival": charts.survival_chart(
            region, survival["region"], survival["national"], region_label=region_label
        ),
        "factors": charts.factor_chart(factors),
    }
    alts = {
        "trend": trend_alt(region, trend, withheld),
        "survival": survival_alt(region_label, survival["region"], survival["national"]),
        "factors": factors_alt(region, factors, len(content["factors"])),
    }
    forest = forest_rows(content["effects"])
    if forest:
        pngs["effects"] = forest_chart(region, forest)
        alts["effects"] = forest_alt(region, forest)
    spinnenweb, spinnenweb_text = spinnenweb_charts(content["spinnenweb"])
    return pngs | spinnenweb, alts | spinnenweb_text


def spinnenweb_charts(web: dict[str, Any] | None) -> tuple[dict[str, bytes], dict[str, str]]:
    """The Spinnenweb chart (a region's, or an employer's own beside its region's) and its
    alternative text; none without a score to draw."""
    if not web or not web["perspectives"]:
        return {}, {}
    elements, series = web["elements"], web["perspectives"]
    return {"spinnenweb": charts.spinnenweb_chart(elements, series)}, {
        "spinnenweb": spinnenweb_alt(elements, series)
    }


# Alternative texts: what each chart shows and its main figures, in words, from the values
# the chart draws. A withheld value is said to be withheld, never derived from others.
TABLE_BELOW = "Alle cijfers staan in de tabel onder de grafiek."


def trend_alt(region: str, trend: dict[str, list], withheld: str) -> str:
    labels = trend["labels"]
    what = f"Lijngrafiek van plaatsingen en baanverlies per kwartaal in {region}"
    if not labels:
        return f"{what}: nog te weinig gegevens."

    def quarter(index: int) -> str:
        counts = [
            f"{name} {withheld} (niet getoond vanwege privacy)"
            if value is None
            else f"{name} {thousands(value)}"
            for name, value in (
                ("plaatsingen", trend["placements"][index]),
                ("baanverlies", trend["job_losses"][index]),
            )
        ]
        return f"{labels[index]}: {' en '.join(counts)}"

    shown = [quarter(0)] if len(labels) == 1 else [quarter(0), quarter(-1)]
    span = labels[0] if len(labels) == 1 else f"{labels[0]} tot en met {labels[-1]}"
    return f"{what}, {span}. {'; '.join(shown)}. {TABLE_BELOW}"


def survival_alt(
    region_label: str, region: list[SurvivalPoint], national: list[SurvivalPoint]
) -> str:
    what = (
        "Trapgrafiek van het aandeel dat nog aan het werk is per maand na plaatsing "
        "(Kaplan-Meier, met 95%-betrouwbaarheidsinterval)"
    )
    if not region and not national:
        return f"{what}: nog te weinig gegevens."
    lines = [
        f"{region_label}: {_curve(region)}"
        if region
        else f"{region_label}: geen curve getoond (te weinig mensen om te tonen)",
    ]
    if national:
        lines.append(f"Nederland: {_curve(national)}")
    return f"{what}, {region_label} en Nederland. {'; '.join(lines)}."


def _curve(points: list[SurvivalPoint]) -> str:
    """The curve at 12 months (where it reaches that far) and at its last published month."""
    last = points[-1][0]
    months = [month for month in (12, last) if month <= last]
    said = [
        f"na {month} maanden nog {percentage(next(p[1] for p in points[::-1] if p[0] <= month))}"
        for month in dict.fromkeys(months)
    ]
    return ", ".join(said) + " aan het werk"


def factors_alt(region: str, drawn: list[dict], rows: int) -> str:
    what = "Puntgrafiek van het behoud na 12 maanden per kenmerk van de plaatsing"
    if not drawn:
        return f"{what}: voor {region} nog te weinig gegevens om te tonen."
    ordered = sorted(drawn, key=lambda row: row["retention"], reverse=True)
    high, low = ordered[0], ordered[-1]
    text = (
        f"{what}, {region} (punt met 95%-betrouwbaarheidsinterval) en Nederland (ruit). "
        f"Hoogste behoud in {region}: {high['label']} ({percentage(high['retention'])})"
    )
    if len(ordered) > 1:
        text += f"; laagste: {low['label']} ({percentage(low['retention'])})"
    text += "."
    left_out = rows - len(drawn)
    if left_out:
        which = "1 kenmerk staat" if left_out == 1 else f"{left_out} kenmerken staan"
        text += f" {which} niet in de grafiek: het behoud wordt daar niet getoond."
    return f"{text} {TABLE_BELOW}"


def spinnenweb_alt(elements: list[str], perspectives: dict[str, list[float | None]]) -> str:
    parts = [
        f"Radargrafiek van het Spinnenweb: de score (1 = zeer slecht, 5 = zeer goed; van een "
        f"groep het gemiddelde) op {len(elements)} onderdelen, voor {', '.join(perspectives)}."
    ]
    for name, scores in perspectives.items():
        scored = sorted(
            (
                (score, element)
                for element, score in zip(elements, scores, strict=True)
                if score is not None
            ),
            reverse=True,
        )
        if not scored:
            parts.append(f"{name}: geen getoonde scores (te weinig antwoorden).")
            continue
        line = f"{name}: hoogste {scored[0][1]} ({decimal(scored[0][0], 1)})"
        if len(scored) > 1:
            line += f", laagste {scored[-1][1]} ({decimal(scored[-1][0], 1)})"
        if len(scored) < len(elements):
            line += f"; {len(elements) - len(scored)} onderdelen zonder getoonde score"
        parts.append(line + ".")
    parts.append("Alle scores staan in de tabel onder de grafiek.")
    return " ".join(parts)


def build_message(
    report: RenderedReport, content: dict[str, Any], recipients: list[str], message_id: str
) -> EmailMessage:
    """One message to the report's own recipients (the region's, or the employer's): text
    and HTML alternatives, the charts related to the HTML part, the PDF attached."""
    message = EmailMessage()
    message["Subject"] = report.subject
    message["From"] = SENDER
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    if is_employer_report(content):
        message["X-Duurzaam-Employer"] = content["employer_id"]
    else:
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
    whose = content["employer_id"] if is_employer_report(content) else content["region_code"]
    return f"Duurzaam-Werk-{whose}-{content['quarter']}.pdf"


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
    environment.filters["score"] = lambda value: "–" if value is None else decimal(value, 1)
    return environment
