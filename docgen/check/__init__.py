"""One link to a verdict: exact arithmetic at concrete sizes (exact, concrete), the proof for every
size (allsizes, sums), NumPy and finite differences (numeric), the worked example (example).

Takes a Derivation; gives Link verdicts with evidence (verdict). Pure: no files, no processes.
May import docgen.model and docgen.lang.
"""
