"""The participating employers' reports of a quarter: each employer that takes part in it
(include/config/employers.yml, duurzaam.employers) gets its report on its own placements, in
Dutch, as HTML mail and PDF, sent exactly once to its own addresses through the same outbox
as the regional reports (meta.outbox, keyed 'werkgever:<id>'). The report DAG maps
`deliver_employer_report` over them after the regional reports; `duurzaam report
--employers` sends them all (write_employer_reports). It reads only the published layer."""

from __future__ import annotations

from collections.abc import Iterator

from duurzaam.employers import Employer, EmployersConfigError, load_employers, unknown_employers
from duurzaam.quarters import Quarter
from duurzaam.reports import outbox
from duurzaam.reports.build import (
    Delivery,
    PreparedReport,
    ReportRun,
    deliver,
    send_all,
    slug,
)
from duurzaam.reports.delivery import SmtpServer
from duurzaam.reports.employer_content import employer_content
from duurzaam.reports.employer_data import load_employer_data
from duurzaam.reports.render import content_hash
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse


def participating_employers(quarter: Quarter, settings: Settings) -> list[Employer]:
    """The employers that take part in the quarter. An id among them that the published
    layer has never had (a typing error, an id of another supplier) is refused, naming it:
    its report would never say anything. One that takes part only later is not asked
    about: its figures start with its participation."""
    employers = {
        employer_id: employer
        for employer_id, employer in load_employers(settings.employers_config).items()
        if employer.takes_part_in(quarter)
    }
    with open_warehouse(settings.warehouse_url) as warehouse:
        known = {
            str(employer_id)
            for (employer_id,) in warehouse.query(
                "select distinct employer_id from published.pub_employer_quarter"
            )
        }
    unknown_employers(employers, known)
    return list(employers.values())


def prepare_employer_report(
    warehouse: Warehouse, quarter: Quarter, employer: Employer, settings: Settings
) -> PreparedReport:
    content = employer_content(
        load_employer_data(warehouse, quarter, employer), settings.suppress_below
    )
    digest = content_hash(content)
    addressee = content["addressee"]
    return PreparedReport(
        addressee,
        f"werkgever-{employer.employer_id}-{slug(employer.name)}",
        content,
        digest,
        list(employer.addresses),
        outbox.state(warehouse, addressee, str(quarter), digest),
    )


def deliver_employer_report(
    quarter: Quarter, employer_id: str, settings: Settings, server: SmtpServer | None
) -> Delivery:
    """One employer's report to its own addresses, unless this exact report was sent before
    (what a mapped Airflow task runs)."""
    employer = load_employers(settings.employers_config).get(employer_id)
    if employer is None or not employer.takes_part_in(quarter):
        raise EmployersConfigError(
            f"employer {employer_id} does not take part in {quarter} (employers' file)"
        )
    return deliver(
        lambda warehouse: prepare_employer_report(warehouse, quarter, employer, settings),
        settings,
        server,
    )


def write_employer_reports(
    quarter: Quarter, settings: Settings, server: SmtpServer | None = None, workers: int = 2
) -> ReportRun:
    """Every participating employer's report of the quarter, each sent once."""
    employers = participating_employers(quarter, settings)

    def prepared(warehouse: Warehouse) -> Iterator[PreparedReport]:
        for employer in employers:
            yield prepare_employer_report(warehouse, quarter, employer, settings)

    return send_all(ReportRun(str(quarter)), prepared, settings, server, workers)
