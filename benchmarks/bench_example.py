"""Benchmark: what the terms of the numeric example cost.

The example evaluates every chain expression; since the terms of sums are shown, it evaluates
each term of a step that is a sum as well (docgen/check/example.py, MAX_TERMS). This times
`evaluate_example` over the library with the terms (as shipped) and without them (MAX_TERMS = 0),
alternating, in one process, and prints medians and their ratio.

Usage: python benchmarks/bench_example.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docgen.check import example  # noqa: E402
from docgen.run.verify import load_corpus  # noqa: E402


def run(ders, max_terms: int) -> float:
    example.MAX_TERMS = max_terms
    start = time.process_time()
    for der in ders:
        example.evaluate_example(der)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    shipped = example.MAX_TERMS
    ders = [d for d in load_corpus([str(ROOT / "derivations")]).derivations if d.example]
    run(ders, shipped)  # warm SymPy's caches of imports
    with_terms, without = [], []
    for _ in range(args.repeat):
        with_terms.append(run(ders, shipped))
        without.append(run(ders, 0))
    a, b = statistics.median(with_terms), statistics.median(without)
    example.MAX_TERMS = shipped
    terms = sum(len(step) for d in ders for part in example.evaluate_example(d).terms.values()
                for step in part)
    print(f"{len(ders)} examples, {terms} term values; CPU seconds, medians of {args.repeat}: "
          f"with terms {a:.2f}, without {b:.2f}, ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
