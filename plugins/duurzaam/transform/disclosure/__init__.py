"""The disclosure attack checker: an attacker's view of the schema `published`.

It reads every published table and tries to recover a count of people below the threshold
from what is shown, with what the attacker knows of the definitions
(duurzaam.transform.disclosure.spec):
shown small counts, a rate times its denominator, the steps of a Kaplan-Meier curve, and
linear relations between cells (totals and parts, the country and its regions, quarters)
solved with propagation. `duurzaam check-disclosure` runs it; the transform runs it as a gate
(duurzaam.transform.disclosure.check.gate) before the published layer is announced."""
