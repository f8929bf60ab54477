"""What the reports and the dashboard both show, in Dutch: the country's code and name, the
labels of the factors, perspectives, Spinnenweb aspects and sources, and where each page of
the dashboard is (under the site root and at its public address), and Dutch number formats."""

from __future__ import annotations

import pandas as pd

NATIONAL = "NL"
NATIONAL_NAME = "Nederland"

FACTOR_LABELS = {
    "jobcoach": "Jobcoach",
    "loonkostensubsidie": "Loonkostensubsidie",
    "no_riskpolis": "No-riskpolis",
    "werkplekaanpassing": "Werkplekaanpassing",
    "proefplaatsing": "Proefplaatsing",
    "arbeidsdeskundige": "Arbeidsdeskundige betrokken",
    "contractvorm": "Contract",
    "sector_type": "Sector",
    "werkgever_grootte": "Werkgever (medewerkers)",
    "grondslag": "Grondslag",
    "uren_band": "Uren per week",
}
# A move from work to work is also looked at by how long the job that ended had lasted.
SPELL_LENGTH = "spell_length_band"
MOVE_FACTOR_LABELS = {**FACTOR_LABELS, SPELL_LENGTH: "Maanden aan het werk bij het einde"}
SPINNENWEB_LABELS = {
    "kennis_doelgroep": "Kennis doelgroep",
    "informatie_regelingen": "Informatie regelingen",
    "selectie_matching": "Selectie en matching",
    "ondersteuning_werkgevers": "Ondersteuning werkgevers",
    "samenwerking_actoren": "Samenwerking actoren",
    "praktische_ondersteuning": "Praktische ondersteuning",
    "administratie_digitalisering": "Administratie en digitalisering",
}
PERSPECTIVES = {"werkgever": "Werkgevers", "professional": "Professionals"}
SOURCE_LABELS = {
    "placements": "Plaatsingen",
    "register": "Doelgroepregister",
    "jobs_agreement": "Banenafspraak",
    "employer_survey": "Werkgeversenquête",
    "followup_survey": "Vervolgmeting",
}


def level_label(level: object) -> str:
    """A factor's level as a reader sees it: '<10' employees or '<12' hours in words, so that
    a level never looks like the published layer's '<10' for a withheld count."""
    text = str(level)
    return f"minder dan {text[1:]}" if text.startswith("<") else text


def page_path(code: str) -> str:
    """A region's page under the site root; the country's page is the start page."""
    return "index.html" if code == NATIONAL else f"regio/{code}.html"


def page_url(base_url: str, code: str) -> str | None:
    """The public address of a region's page (the report mail links to it); None when no
    dashboard address is configured."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{page_path(code)}"


def thousands(count: int) -> str:
    """6123 -> '6.123' (Dutch grouping)."""
    return f"{count:,}".replace(",", ".")


def percentage(rate: float | None) -> str:
    """0.625 -> '62,5%' (Dutch decimal comma); unknown -> '–'."""
    if rate is None or pd.isna(rate):
        return "–"
    return f"{100 * rate:.1f}%".replace(".", ",")


def decimal(value: float, places: int) -> str:
    """3.25 -> '3,3' (Dutch decimal comma)."""
    return f"{value:.{places}f}".replace(".", ",")
