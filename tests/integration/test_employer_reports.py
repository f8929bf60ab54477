"""The participating employers' reports through a real SMTP server, from a DuckDB and from a
PostgreSQL warehouse built from the tests' landing zone with its employers' file: each
employer that takes part gets one report, to its own addresses, with its own figures and
its benchmarks only (the published figures' rules: tests/integration/test_employer_figures.py);
a rerun sends nothing; an id in the employers' file that no extract has is refused, naming
it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from duurzaam.employers import EmployersConfigError, load_employers
from duurzaam.reports.delivery import SmtpServer
from duurzaam.reports.employer_reports import write_employer_reports
from tests.integration.test_reports import QUARTER, Inbox, pdf_text, receiving, report_settings

pytestmark = pytest.mark.slow
__all__ = ["report_settings"]  # the fixture: a fresh copy of the built warehouse per test


@pytest.fixture
def employer_settings(report_settings, generated_landing):
    """The report settings with the employers' file the warehouse was built with (the one
    the generator wrote beside the landing zone's extracts)."""
    return replace(report_settings, employers_config=generated_landing / "employers.yml")


def test_each_participating_employer_gets_its_own_report_once(employer_settings, smtp_port):
    employers = load_employers(employer_settings.employers_config)
    taking_part = {e.employer_id: e for e in employers.values() if e.takes_part_in(QUARTER)}
    left = [e for e in employers.values() if not e.takes_part_in(QUARTER)]
    assert left and len(taking_part) >= 5  # the sample file has one that left
    server = SmtpServer("127.0.0.1", smtp_port)
    with receiving(Inbox(), smtp_port) as inbox:
        run = write_employer_reports(QUARTER, employer_settings, server)
        rerun = write_employer_reports(QUARTER, employer_settings, server)
    assert not run.failed and {d.status for d in rerun.deliveries} == {"unchanged"}
    received = {message["X-Duurzaam-Employer"]: message for message in inbox.messages}
    assert len(inbox.messages) == len(received) == len(taking_part)  # each once, none twice
    assert set(received) == set(taking_part)  # not the one that left
    names = {e.employer_id: e.name for e in employers.values()}
    for employer_id, message in received.items():
        employer = taking_part[employer_id]
        assert message["To"] == ", ".join(employer.addresses)
        assert message["Subject"] == f"Duurzaam Werk — {employer.name} — {QUARTER.label_nl}"
        text = pdf_text(message)
        assert employer.name in text and "Uw plaatsingen" in text
        others = [n for other, n in names.items() if other != employer_id and n not in text]
        assert len(others) == len(names) - 1, employer_id  # no other employer is named
        plain = message.get_body(("plain",)).get_content()
        assert "Hoe lang blijven uw medewerkers" in plain or "komt" in plain


def test_an_unknown_employer_id_is_refused_naming_it(employer_settings, tmp_path):
    path = tmp_path / "employers.yml"
    path.write_text(
        "employers:\n  WG999999:\n    naam: Tikfout BV\n    regio: AM05\n"
        "    adressen: hr@tikfout.example\n    deelname_vanaf: 2023Q1\n",
        encoding="utf-8",
    )
    with pytest.raises(EmployersConfigError, match="WG999999"):
        write_employer_reports(QUARTER, replace(employer_settings, employers_config=path))
