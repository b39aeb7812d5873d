"""Benchmark: KaTeX in Node against KaTeX in embedded V8 (mini-racer), on the library's math.

Collects every formula a full HTML build of derivations/ renders (the batches exactly as the
build sends them, by wrapping katex.render_math during `build(..., {"html"})` into a temporary
folder), then, in one process run, for each repetition and each engine in turn:
  - startup: a fresh engine process started and answering one one-formula request
    (process start, KaTeX loaded, first render);
  - render: every batch of the build sent again to that warm process; per formula = total / N.
Both engines' HTML is compared (it must be byte-identical). Prints, and writes to
benchmarks/results/katex.md, the medians and the ratio node / mini-racer, with the load average
(the machine may be shared: ratios are the figures to compare).

Usage: python benchmarks/bench_katex.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from docgen.publish.build import build  # noqa: E402
from docgen.render import katex  # noqa: E402

ENGINES = ("node", "mini-racer")


def collect() -> list[list[tuple[str, bool]]]:
    """The batches of formulas a full HTML build of derivations/ sends to KaTeX."""
    batches: list[list[tuple[str, bool]]] = []
    real = katex.render_math

    def recording(formulas, engine=None):
        batches.append([(str(t), bool(d)) for t, d in formulas])
        return real(formulas, engine)

    katex.render_math = recording
    try:
        with tempfile.TemporaryDirectory() as tmp:
            build([str(ROOT / "derivations")], {"html"}, Path(tmp) / "out", cache=Path(tmp) / "c")
    finally:
        katex.render_math = real
        katex.stop()
    return [b for b in batches if b]


def run_once(engine: str, batches) -> tuple[float, float, list[str]]:
    """(startup seconds, render seconds for all batches, the HTML) with a fresh process."""
    katex.stop()
    t0 = time.perf_counter()
    katex.render_math([("x", False)], engine)
    t1 = time.perf_counter()
    html: list[str] = []
    for batch in batches:
        html += katex.render_math(batch, engine)
    t2 = time.perf_counter()
    katex.stop()
    return t1 - t0, t2 - t1, html


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    missing = [e for e in ENGINES if katex.engine_command(e) is None]
    if missing:
        print(f"needs both engines; not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    batches = collect()
    n = sum(map(len, batches))
    print(f"{n} formulas in {len(batches)} batches (a full HTML build of derivations/)")
    startup: dict[str, list[float]] = {e: [] for e in ENGINES}
    render: dict[str, list[float]] = {e: [] for e in ENGINES}
    outputs: dict[str, list[str]] = {}
    for _ in range(args.repeat):
        for engine in ENGINES:  # interleaved, so that load changes hit both alike
            s, r, html = run_once(engine, batches)
            startup[engine].append(s)
            render[engine].append(r)
            if outputs.setdefault(engine, html) != html:
                raise SystemExit(f"{engine} gave different HTML in two runs")
    identical = outputs["node"] == outputs["mini-racer"]
    med = {e: (statistics.median(startup[e]), statistics.median(render[e])) for e in ENGINES}
    rows = ["| engine | startup (ms) | all formulas (ms) | per formula (µs) | startup + all (ms) |",
            "|---|---:|---:|---:|---:|"]
    for e in ENGINES:
        s, r = med[e]
        rows.append(f"| {e} | {s * 1e3:.1f} | {r * 1e3:.1f} | {r / n * 1e6:.1f} | "
                    f"{(s + r) * 1e3:.1f} |")
    (ns, nr), (ms_, mr) = med["node"], med["mini-racer"]
    ratio = (f"node / mini-racer: startup {ns / ms_:.2f}, per formula {nr / mr:.2f}, "
             f"startup + all {(ns + nr) / (ms_ + mr):.2f} (below 1: Node faster)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    text = "\n".join([
        "# KaTeX engines: Node vs mini-racer (embedded V8)", "",
        f"`python benchmarks/bench_katex.py --repeat {args.repeat}`: {n} formulas in "
        f"{len(batches)} batches (a full HTML build of derivations/), medians of {args.repeat} "
        f"fresh engine processes each, run interleaved. {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load}.", "",
        *rows, "", ratio, "",
        f"HTML byte-identical between the engines: {'yes' if identical else 'NO'}", ""])
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "katex.md").write_text(text, "utf-8")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
