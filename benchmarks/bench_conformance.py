"""SymPy conformance corpus: the verdict and the time of every ported assertion at each size.

For every ported assertion of tests/conformance/sympy/TABLE.csv, the claim is checked at k = 2
and at k = 3 separately (the file with `sizes: [2]`, then `[3]`), as a worker checks it
(docgen.check.checker.Checker: the exact stage, the proof for every size, the numeric check),
`--runs` times; the median time is reported. Then the same again while `--load` CPU-bound
processes (`python -c "while True: pass"`) run beside it, and any verdict that differs is
listed. Targets (issue 14): every assertion decided (none undecided), each < 2 s per size, the
same verdicts under load.

Usage: python benchmarks/bench_conformance.py [--runs 3] [--load 2] [--budget 10]
       [--out benchmarks/results/conformance.md]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from corpus import Row, ported  # noqa: E402
from docgen.check.checker import Checker  # noqa: E402
from docgen.check.verdict import UNDECIDED, chain_links  # noqa: E402
from docgen.read.load import Document, load_file  # noqa: E402
from docgen.read.spec import build_derivation  # noqa: E402

SIZES = (2, 3)
TARGET = 2.0  # seconds per assertion and size


def at_size(row: Row, size: int):  # noqa: ANN201
    """The assertion's derivation with k checked at `size` only."""
    doc = load_file(row.path)
    data = copy.deepcopy(doc.data)
    data["dims"]["k"]["sizes"] = [size]
    return build_derivation(Document(doc.path, data, doc.marks, doc.digest))


def check_once(row: Row, size: int, budget: float) -> tuple[str, float]:
    der = at_size(row, size)
    link = [k for k in chain_links(der) if k.kind == "claim"][0]
    t0 = time.perf_counter()
    Checker(der, budget).check(link)
    return link.status, time.perf_counter() - t0


def measure(rows: list[Row], runs: int, budget: float) -> dict[tuple[int, int], tuple[list[str], float]]:
    """(line, size) -> (the verdict of each run, the median seconds)."""
    out = {}
    for row in rows:
        for size in SIZES:
            verdicts, times = [], []
            for _ in range(runs):
                v, s = check_once(row, size, budget)
                verdicts.append(v)
                times.append(s)
            out[(row.line, size)] = (verdicts, statistics.median(times))
    return out


def busy(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def summary(rows: list[Row], res: dict) -> dict:
    verdicts = [v for (vs, _) in res.values() for v in vs]
    worst = max(res.items(), key=lambda kv: kv[1][1])
    return {"checks": len(verdicts), "undecided": verdicts.count(UNDECIDED),
            "unstable": sum(1 for vs, _ in res.values() if len(set(vs)) > 1),
            "over": sum(1 for _, t in res.values() if t >= TARGET),
            "worst": (worst[0], worst[1][1]), "total": sum(t for _, t in res.values())}


def report(rows: list[Row], quiet: dict, loaded: dict, args: argparse.Namespace, seconds: float) -> str:
    q, l = summary(rows, quiet), summary(rows, loaded)
    changed = [key for key in quiet if set(quiet[key][0]) != set(loaded[key][0])]
    lines = ["# SymPy conformance corpus: verdicts and times", "",
             f"`python benchmarks/bench_conformance.py --runs {args.runs} --load {args.load} --budget {args.budget:g}`"
             f" on {os.cpu_count()} cores, {seconds:.0f} s. {len(rows)} ported assertions of SymPy 1.14.0's "
             "test_derivatives.py, each checked at k = 2 and at k = 3 separately (the claim link as a "
             "worker checks it: exact stage, proof for every size, numeric check); times are medians of "
             f"{args.runs} runs.", "",
             "| | quiet | beside 2 CPU-bound processes |" if args.load == 2 else
             f"| | quiet | beside {args.load} CPU-bound processes |", "|---|---|---|",
             f"| checks (assertion × size × run) | {q['checks']} | {l['checks']} |",
             f"| undecided | {q['undecided']} | {l['undecided']} |",
             f"| verdict differs between runs | {q['unstable']} | {l['unstable']} |",
             f"| median ≥ {TARGET:g} s | {q['over']} | {l['over']} |",
             f"| slowest (line, k) | line {q['worst'][0][0]}, k = {q['worst'][0][1]}: {q['worst'][1]:.2f} s | "
             f"line {l['worst'][0][0]}, k = {l['worst'][0][1]}: {l['worst'][1]:.2f} s |",
             f"| sum of medians | {q['total']:.1f} s | {l['total']:.1f} s |", "",
             f"Verdicts that differ under load: {len(changed)}"
             + (": " + ", ".join(f"line {a} k = {b}" for a, b in changed) if changed else "."), "",
             "| SymPy line | k = 2 | s | k = 3 | s | loaded k = 2 | s | loaded k = 3 | s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = []
        for res in (quiet, loaded):
            for size in SIZES:
                vs, t = res[(row.line, size)]
                cells += ["/".join(sorted(set(vs))), f"{t:.2f}"]
        lines.append(f"| {row.line} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--load", type=int, default=2, help="CPU-bound processes beside the second pass")
    p.add_argument("--budget", type=float, default=10.0, help="seconds per link (docgen's default)")
    p.add_argument("--lines", default="", help="only these SymPy lines (comma-separated)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "conformance.md"))
    args = p.parse_args(argv)
    rows = ported()
    if args.lines:
        keep = {int(x) for x in args.lines.split(",")}
        rows = [r for r in rows if r.line in keep]
    t0 = time.perf_counter()
    quiet = measure(rows, args.runs, args.budget)
    procs = busy(args.load)
    try:
        loaded = measure(rows, args.runs, args.budget)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    text = report(rows, quiet, loaded, args, time.perf_counter() - t0)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print("\n".join(text.splitlines()[:14]))
    print(f"wrote {args.out}")
    q, l = summary(rows, quiet), summary(rows, loaded)
    changed = any(set(quiet[k][0]) != set(loaded[k][0]) for k in quiet)
    return 1 if q["undecided"] or l["undecided"] or q["over"] or changed else 0


if __name__ == "__main__":
    sys.exit(main())
