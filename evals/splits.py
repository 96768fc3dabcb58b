"""The gold sets' splits, in report order; ``evals/gold/README.md`` says what each is for.

A module of its own so the CLI can offer them without importing the suite.
"""

TUNING = ("dev", "test")  # what the composer was tuned on
HOLDOUTS = (
    "holdout",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout_official",  # on the official documents (issue 13)
    "holdout5",  # all documents, written 2026-12-06
)  # written unseen; measured, never tuned on
SPLITS = (*TUNING, *HOLDOUTS, "all")
