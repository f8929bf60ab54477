"""The chance that a placement's end is a move to a new job ("van werk naar werk"): a logistic
model with planted odds ratios (include/config/synthetic.yml, job_to_job.odds_ratios) on the
ending placement's instruments and contract type and on the length of the spell at its end,
in the bands the warehouse uses (int_job_ends). The support itself follows the risk of the
placement (simulation.py), its risk of a job loss and of a failed move alike, so a one-factor
comparison understates what support does."""

from __future__ import annotations

from typing import Any

import numpy as np

from duurzaam.synthetic.config import CONFIG_PATH, CONTRACTS, INSTRUMENTS, YES_NO

# The length of the spell at the end, in whole months (as dbt's whole_months_between): the
# band's lower edge is included. The same labels as int_job_ends' spell_length_band.
SPELL_BANDS = ("0-6", "6-12", "12-24", "24+")
SPELL_BAND_EDGES = (6, 12, 24)
SPELL_BAND = "spell_length_band"


def whole_months(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole calendar months from start to end (day numbers): 01-15 -> 02-14 is 0 months."""
    start_day, end_day = start.astype("datetime64[D]"), end.astype("datetime64[D]")
    start_month, end_month = start_day.astype("datetime64[M]"), end_day.astype("datetime64[M]")
    months = (end_month - start_month).astype(np.int64)
    day_of_start = (start_day - start_month.astype("datetime64[D]")).astype(np.int64)
    day_of_end = (end_day - end_month.astype("datetime64[D]")).astype(np.int64)
    return months - (day_of_end < day_of_start)


def spell_band_codes(spell_start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The code (index into SPELL_BANDS) of each spell's length at the end."""
    return np.searchsorted(np.array(SPELL_BAND_EDGES), whole_months(spell_start, end), "right")


class MoveChance:
    """Per ending placement, the chance its end is a move: the odds at the reference levels
    (job_to_job.probability) times the planted odds ratios of its levels."""

    def __init__(self, config: dict[str, Any]) -> None:
        settings = config["job_to_job"]
        probability = float(settings["probability"])
        self.log_odds = float(np.log(probability / (1 - probability)))
        levels = {"contractvorm": CONTRACTS, SPELL_BAND: SPELL_BANDS}
        levels |= dict.fromkeys(INSTRUMENTS, YES_NO)
        self.tables = {}
        for column, ratios in settings.get("odds_ratios", {}).items():
            if column not in levels:
                raise ValueError(f"{CONFIG_PATH.name}: no odds ratios possible for {column!r}")
            ratio = [float(ratios.get(level, 1.0)) for level in levels[column]]
            self.tables[column] = np.log(np.array(ratio))

    def __call__(
        self, codes: dict[str, np.ndarray], spell_start: np.ndarray, end: np.ndarray
    ) -> np.ndarray:
        log_odds = np.full(len(end), self.log_odds)
        bands = spell_band_codes(spell_start, end)
        for column, table in self.tables.items():
            log_odds = log_odds + table[bands if column == SPELL_BAND else codes[column]]
        return 1 / (1 + np.exp(-log_odds))

    def log_risk(self, contract: np.ndarray) -> np.ndarray:
        """What is known of a placement's risk of a failed move at its start: minus the log
        odds ratio of its contract type (0 for a permanent one); support follows it
        (shares.support_follows_move_risk), as it follows the hazard."""
        return -self.tables.get("contractvorm", np.zeros(len(CONTRACTS)))[contract]
