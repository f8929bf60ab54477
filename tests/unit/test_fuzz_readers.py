"""A short fuzzing run of each reader in every test run (`make fuzz` runs the long one): the
sample files mutated by Hypothesis end in a read or in the reader's own rejection, never in
another exception; and every input that once broke a reader still does neither."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzzing

# Two or three seconds per reader.
EXAMPLES = {"employer_survey": 150, "jobs_agreement": 150, "register": 200}
EXAMPLES_DEFAULT = 300


@pytest.mark.parametrize("source", fuzzing.SOURCES)
def test_mutated_sample_files_are_read_or_rejected_by_the_reader(source):
    seeds = fuzzing.seeds(source)
    outcomes: dict[str, int] = {}

    @settings(
        max_examples=EXAMPLES.get(source, EXAMPLES_DEFAULT),
        deadline=None,
        database=None,  # reproducible: the failing example is printed, then kept in the corpus
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        seed=st.sampled_from(seeds),
        steps=st.lists(st.integers(min_value=0, max_value=2**32), min_size=1, max_size=4),
    )
    def mutated(seed: bytes, steps: list[int]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            outcome = fuzzing.check(source, fuzzing.mutate(source, seed, steps), Path(folder))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    mutated()
    # the run reached both sides: files that read, and files the reader refused
    assert outcomes.get("read") and outcomes.get("rejected"), outcomes


# Inputs too large to keep as files: (source, content).
EXAMPLES_BROKEN_BEFORE = {
    # csv's field limit raised in the header, which the message for a short row reads first
    "placements/long-header-cell-and-a-short-row": (
        "placements",
        b"a" * 131_073 + b";persoon_id\nx;y;z\n",
    ),
}
CASES = {
    **{
        f"{path.parent.name}/{path.name}": (path.parent.name, path.read_bytes())
        for source in fuzzing.SOURCES
        for path in fuzzing.corpus(source)
    },
    **EXAMPLES_BROKEN_BEFORE,
}


@pytest.mark.parametrize("case", CASES)
def test_an_input_that_once_broke_a_reader_is_read_or_rejected(case, tmp_path):
    source, content = CASES[case]
    assert fuzzing.check(source, content, tmp_path) in ("read", "rejected")
