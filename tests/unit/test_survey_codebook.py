"""The dbt project names the employer survey options in a macro; they must be the codebook's."""

import re

from duurzaam.ingest.sources.employer_survey import codebook
from duurzaam.settings import DBT_PROJECT_DIR


def test_the_dbt_macro_lists_exactly_the_codebook_options_in_order():
    macro = (DBT_PROJECT_DIR / "macros" / "employer_survey_options.sql").read_text()
    book = codebook()
    for question, spec in book["multiple"].items():
        listed = re.search(rf"'{spec['prefix']}': \[([^\]]*)\]", macro)
        assert listed, question
        keys = [item["key"] for item in spec["items"].values()]
        assert re.findall(r"'([a-z_]+)'", listed.group(1)) == keys
    elements = re.search(r"spinnenweb_elements.*?\[([^\]]*)\]", macro, re.S).group(1)
    assert re.findall(r"'([a-z_]+)'", elements) == [
        item["key"] for item in book["scale"]["spinnenweb"]["items"].values()
    ]
