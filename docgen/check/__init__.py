"""One link to a verdict: exact arithmetic at concrete sizes (exact, rational, concrete), the proof
for every size (allsizes, sums), NumPy with complex-step derivatives (numeric), the worked example
(example); checker runs them on each link.

Takes a Derivation; gives Link verdicts with evidence (verdict). Pure: no files, no processes.
May import docgen.model and docgen.lang.
"""
