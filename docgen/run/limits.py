"""The limits a run accepts from its user: seconds per link and megabytes per worker.

Shared by every front end (the command line, the pytest plugin): a value outside them is a
usage error with the same words wherever it was given.
"""

from __future__ import annotations

MIN_BUDGET, MAX_BUDGET = 0.01, 600.0  # seconds per link, as check.budget in a file (≤ 600)
MIN_MEMORY_MB, MAX_MEMORY_MB = 256, 1 << 20  # a worker needs ~200 MB to start; 1 TB


def budget_seconds(text: str) -> float:
    """A finite number of seconds in [MIN_BUDGET, MAX_BUDGET]; ValueError says what is wrong."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of seconds") from None
    if not MIN_BUDGET <= value <= MAX_BUDGET:  # also refuses nan and inf
        raise ValueError(f"{text} s: choose from {MIN_BUDGET:g} to {MAX_BUDGET:g} s")
    return value


def memory_megabytes(text: str) -> int:
    """Whole megabytes in [MIN_MEMORY_MB, MAX_MEMORY_MB] (no 0-means-unlimited); ValueError
    says what is wrong."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number of megabytes") from None
    if not MIN_MEMORY_MB <= value <= MAX_MEMORY_MB:
        raise ValueError(f"{text} MB: choose from {MIN_MEMORY_MB} (a checking worker needs about "
                         f"200 MB to start) to {MAX_MEMORY_MB} MB")
    return value
