"""Benchmark: docgen's checker against naive SymPy, incremental builds, scaling, many files.

Prints, in one run (`make bench`), and writes benchmarks/results/bench.md and
benchmarks/results/scaling.png:
  1. per link: docgen's checker (exact checks at the declared sizes, then the numeric check)
     and the naive check (`simplify(A - B)` on every entry at the same sizes, same expanded
     matrices), each a median of REPEAT runs, with the ratio; building the explicit matrices
     (shared by both) is timed separately;
  2. cold and warm `make verify` and `make`, and one edited derivation re-verified and
     re-rendered (HTML and Markdown, no PDF), in a temporary copy of the repository (the
     tracked files as they are in the working tree; .venv linked), so the
     user's build/ and .docgen-cache/ are never touched;
  3. scaling of one derivation (the Softmax Jacobian claim): the exact check at n = 2..8
     (docgen vs naive simplify, capped) and the numeric check at n = 10..1000;
  4. a synthetic corpus (benchmarks/synthetic.py) of 10, 100 and 500 derivations verified
     cold (empty cache) and warm on 1 and 2 workers.
Wall times are medians of several runs on a machine that may be shared: the load average is
recorded with the results. Ratios (both sides on the same machine, at the same time) are the
figures to compare across machines.

Usage: python benchmarks/bench_verify.py [--quick] [--only 1,2,3,4] [--repeat N] [--naive-cap S]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

import synthetic  # noqa: E402
from docgen.check.budget import Timeout, budget  # noqa: E402
from docgen.check.checker import Checker  # noqa: E402
from docgen.run.verify import load_corpus  # noqa: E402

PY = sys.executable


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def ms(t: float) -> str:
    return f"{t * 1e3:.1f}"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child and its children, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        print(f"  ! {' '.join(cmd)} exited {proc.returncode}: {' | '.join(tail)}", flush=True)
    return wall, cpu, proc.returncode


def tracked_derivations() -> list[str]:
    """The derivation files git tracks (in-progress, untracked files are left out)."""
    out = subprocess.run(["git", "ls-files", "derivations"], cwd=ROOT, capture_output=True, text=True,
                         check=False).stdout.split()
    files = [f for f in out if f.endswith((".yaml", ".yml")) and (ROOT / f).is_file()]
    return files or ["derivations"]


# -- 1. per link -------------------------------------------------------------------------------
def prepared(der, link_index: int):
    """A fresh checker whose matrices for the link are already built (timed separately)."""
    checker = Checker(der)
    link = checker.links()[link_index]
    clear_cache()  # SymPy's global cache would favour whichever side runs second
    t0 = time.perf_counter()
    if link.kind != "identification":
        for sizes in der.size_assignments():
            checker.sides(link, sizes)
    return checker, link, time.perf_counter() - t0


def time_docgen(der, link_index: int, repeat: int) -> tuple[float, float, str, float]:
    """(whole check, building the matrices, verdict, the exact decision alone)."""
    times, evals, status, exact = [], [], "", []
    for _ in range(repeat):
        checker, link, ev = prepared(der, link_index)
        evals.append(ev)
        t0 = time.perf_counter()
        checker.check(link)
        times.append(time.perf_counter() - t0)
        status = link.status
        if link.kind != "identification":  # the same exact stage without the numeric witness
            checker, link, _ = prepared(der, link_index)
            # like for like: the checks at the declared sizes, not the extra proof for every size
            checker._all_sizes = lambda link, deadline: False
            t0 = time.perf_counter()
            checker._exact(link)
            exact.append(time.perf_counter() - t0)
    return median(times), median(evals), status, median(exact)


def naive_check(checker, link, sizes_list, cap: float) -> tuple[float, str]:
    t0 = time.perf_counter()
    outcome = "0"
    try:
        with budget(cap):
            for sizes in sizes_list:
                _, elim = checker.evaluator(sizes)
                A, B = checker.sides(link, sizes)
                for a, b in zip(A, B):
                    if sp.simplify((a - b).xreplace(elim)) != 0:
                        outcome = "not 0"
    except Timeout:
        outcome = f"> {cap:g} s (capped)"
    return time.perf_counter() - t0, outcome


def time_naive(der, link_index: int, repeat: int, cap: float) -> tuple[float, str, int]:
    """Median of `repeat` runs; a single run when the first is capped or takes over 5 s."""
    times, outcome = [], ""
    for _ in range(repeat):
        checker, link, _ = prepared(der, link_index)
        t, outcome = naive_check(checker, link, der.size_assignments(), cap)
        times.append(t)
        if outcome.startswith(">") or t > 5:
            break
    return median(times), outcome, len(times)


def section_links(paths: list[str], repeat: int, cap: float) -> dict:
    corpus = load_corpus(paths)
    rows = []
    for der in corpus.derivations:
        for i, link in enumerate(Checker(der).links()):
            if link.kind == "identification":
                continue
            ours, ev, status, exact = time_docgen(der, i, repeat)
            naive, outcome, runs = time_naive(der, i, repeat, cap)
            name = f"{der.id} {link.part}:{link.kind}{'' if link.kind == 'claim' else ' ' + str(link.index)}"
            rows.append((name, ev, ours, status, naive, outcome, runs, exact))
            print(f"  {name:55s} build {ms(ev):>7} ms | docgen {ms(ours):>7} ms, exact {ms(exact):>7} ms ({status:10s}) "
                  f"naive {ms(naive):>8} ms ({outcome}, {runs} run{'s' * (runs > 1)})  "
                  f"x{naive / ours if ours else float('nan'):.1f}", flush=True)
    ours_total = sum(r[2] for r in rows)
    naive_total = sum(r[4] for r in rows)
    hard = [r for r in rows if r[4] > 0.05]
    hard_ratio = sum(r[4] for r in hard) / max(sum(r[2] for r in hard), 1e-9)
    capped = sum(1 for r in rows if r[5].startswith(">"))
    exact_total = sum(r[7] for r in rows)
    hard_exact = sum(r[4] for r in hard) / max(sum(r[7] for r in hard), 1e-9)
    return {"exact": exact_total, "exact_ratio": naive_total / max(exact_total, 1e-9),
            "hard_exact_ratio": hard_exact, "rows": rows, "derivations": len(corpus.derivations), "ours": ours_total,
            "naive": naive_total, "ratio": naive_total / max(ours_total, 1e-9),
            "build": sum(r[1] for r in rows), "hard": len(hard), "hard_ratio": hard_ratio,
            "per_link_median": median([r[4] / r[2] for r in rows if r[2] > 0]), "capped": capped,
            "repeat": repeat, "cap": cap}


def lines_links(res: dict) -> list[str]:
    out = [
        "## 1. Per link: docgen's checker vs naive `simplify(A - B)`",
        "",
        f"{res['derivations']} derivations (the tracked files under derivations/), {len(res['rows'])} links; "
        f"docgen: median of {res['repeat']} runs; naive: median of {res['repeat']} runs (one run when "
        f"the first takes over 5 s or hits the cap of {res['cap']:g} s per link). Both checkers get the "
        "same explicit matrices of both sides at the declared sizes; building them (SymPy "
        "differentiation, shared work) is timed separately as 'build'. docgen = probes, exact normal "
        "form, simplify only where needed, then the numeric check at the numeric size. Naive = "
        "`sympy.simplify(A - B)` on every entry at the same sizes.",
        "",
        "'docgen' is the whole check: exact stage at the declared sizes, the proof for every size "
        "in index notation where it applies (up to 3 s per link), and the numeric witness. "
        "'docgen exact' is the exact stage at the declared sizes alone, without the proof for "
        "every size and without the numeric witness (what the naive check does too): the "
        "like-for-like comparison.",
        "",
        "| link | build (ms) | docgen (ms) | docgen exact (ms) | verdict | naive simplify (ms) | naive outcome | ratio | ratio, exact |",
        "|---|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    for name, ev, ours, status, naive, outcome, runs, exact in res["rows"]:
        out.append(f"| {name} | {ms(ev)} | {ms(ours)} | {ms(exact)} | {status} | {ms(naive)} | {outcome}"
                   f"{'' if runs > 1 else ' (1 run)'} | {naive / ours:.1f}× | {naive / max(exact, 1e-9):.1f}× |")
    out += [
        "",
        f"Sum of medians: build {res['build']:.2f} s (shared); docgen {res['ours']:.2f} s, naive "
        f"{res['naive']:.2f} s{' (capped links count at the cap)' if res['capped'] else ''}: "
        f"**ratio {res['ratio']:.1f}×**; median per-link ratio {res['per_link_median']:.1f}×. "
        f"Exact stage alone: docgen {res['exact']:.2f} s, **ratio {res['exact_ratio']:.1f}×**.",
        f"Links where naive simplify takes over 50 ms ({res['hard']}): ratio of sums {res['hard_ratio']:.1f}× "
        f"(exact stage alone {res['hard_exact_ratio']:.1f}×). "
        "On the other links both sides are already equal once built (SymPy's automatic canonical "
        "form) and both checkers finish at once; docgen's time there is mostly its numeric check.",
        "",
    ]
    return out


# -- 2. make, in a copy of the repository ------------------------------------------------------
def repo_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if not name:
            continue
        src = ROOT / name
        if not src.is_file():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)  # keeps mtimes: make sees the same order as in the repository
    for link in (".venv",):
        if (ROOT / link).exists():
            (dest / link).symlink_to(ROOT / link)
    return dest


def citers(paths: list[Path]) -> dict[str, set[str]]:
    corpus = load_corpus([str(p) for p in paths])
    out: dict[str, set[str]] = {d.id: set() for d in corpus.derivations}
    for d in corpus.derivations:
        for by, _ in d.citations():
            if by in out:
                out[by].add(d.id)
    return out


def _first_step_line(lines: list[str], key: str) -> int:
    """The index of the first line `- key:` or `key:` inside the chain (after `steps:`/`parts:`)."""
    chain = next(i for i, line in enumerate(lines) if line.startswith(("steps:", "parts:")))
    for i in range(chain, len(lines)):
        body = lines[i].strip().removeprefix("- ")
        if body.startswith(f"{key}:"):
            value = body[len(key) + 1:].strip()
            if key == "note" or (value and value[0] not in ">|'\"" and "#" not in value):
                return i
    raise ValueError(f"no {key} in the chain")


def edit_note(text: str, n: int) -> str:
    """Prose only: the first step note gets a sentence more (re-render, nothing to re-check)."""
    lines = text.split("\n")
    i = _first_step_line(lines, "note")
    if lines[i].rstrip().endswith((">-", ">", "|", "|-")):
        i += 1  # a block: its first line
    lines[i] += f" (Edited {n} times.)"
    return "\n".join(lines)


def step_line(der) -> int | None:  # noqa: ANN001
    """The 0-based line of the first step expression written inline that is not its part's last
    (the last must stay the claim's right side)."""
    for part in der.parts:
        for step in part.steps[:-1]:
            if step.expr.loc.column:
                return step.expr.loc.line - 1
    return None


def edit_step(text: str, n: int, line: int) -> str:
    """Math: a step's expression E becomes an equivalent, never-seen expression, its n-fold
    double transpose ((E).T.T ...), which the checker must decide again."""
    lines = text.split("\n")
    head, value = lines[line].split("expr:", 1)
    value = value.split(" #")[0].strip()
    lines[line] = f"{head}expr: ({value})" + ".T.T" * n
    return "\n".join(lines)


def section_make(runs: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        repo = repo_copy(tmp / "repo")
        # never remake the shared venv from the copy
        make = ["make", "-s", "-o", ".venv/.installed"]
        res: dict = {}

        def clean() -> None:
            shutil.rmtree(repo / ".docgen-cache", ignore_errors=True)
            shutil.rmtree(repo / "build", ignore_errors=True)

        def series(key: str, cmd: list[str], n: int, before=None) -> None:  # noqa: ANN001
            walls, cpus = [], []
            for _ in range(n):
                if before:
                    before()
                w, c, _ = timed(cmd, repo)
                walls.append(w)
                cpus.append(c)
            res[key] = (median(walls), median(cpus), walls)
            print(f"  {key:42s} median {median(walls):7.3f} s wall, {median(cpus):7.3f} s CPU "
                  f"({', '.join(f'{w:.2f}' for w in walls)})", flush=True)

        series("make verify, cold", [*make, "verify"], runs, clean)
        series("make verify, warm", [*make, "verify"], runs)
        series("make (all formats, PDF included), cold", make, max(1, runs - 1), clean)
        series("make, nothing changed", make, max(5, runs))
        # one edited derivation: a leaf (cited by nobody) and the most cited one
        ders = sorted((repo / "derivations").glob("*.y*ml"))
        cited = citers(ders)
        loaded = load_corpus([str(p) for p in ders]).derivations
        corpus = {d.id: Path(d.path) for d in loaded}
        lines = {d.id: step_line(d) for d in loaded}
        leafs = [i for i in cited if not cited[i]]
        chosen = []
        if "softmax-cross-entropy" in leafs:
            chosen.append("softmax-cross-entropy")
        elif leafs:
            chosen.append(leafs[0])
        most = max(cited, key=lambda i: (len(cited[i]), i))
        if cited[most] and most not in chosen:
            chosen.append(most)
        build = [PY, "-m", "docgen", "build", "derivations", "--format", "html,md", "--out", "build"]
        timed(build, repo)  # HTML and Markdown outputs and verdicts exist before the edits
        for did in chosen:
            who = f"{did} ({len(cited[did])} citer{'s' * (len(cited[did]) != 1)})"
            at = lines[did]
            kinds = [("note", edit_note)]
            if at is not None:  # one-step chains have no step that can change alone
                kinds.append(("step", lambda text, n, at=at: edit_step(text, n, at)))
            for kind, change in kinds:
                counter = [0]

                def edit(did: str = did, counter: list[int] = counter, change=change) -> None:  # noqa: ANN001
                    counter[0] += 1
                    path = corpus[did]
                    path.write_text(change(path.read_text("utf-8"), counter[0]), "utf-8")

                label = f"edit a {kind} of {who}"
                series(label, build, runs, edit)
                res.setdefault("edits", []).append((label, did, sorted(cited[did]), kind))
        res["derivations"] = len(ders)
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def lines_make(res: dict, runs: int) -> list[str]:
    out = [
        "## 2. `make verify`, `make`, and one edited derivation",
        "",
        f"In a temporary copy of the repository ({res['derivations']} tracked derivations; .venv "
        "linked). Cold = after `rm -rf .docgen-cache build`; warm = immediately again. "
        "`make` builds every format (LaTeX, PDF with XeLaTeX, HTML with KaTeX, Markdown). Two kinds "
        "of edit, each followed by `python -m docgen build derivations --format html,md --out build`: "
        "a *note* edit adds a sentence to the first step's note (prose: its pages are re-rendered, "
        "nothing needs re-checking); a *step* edit rewrites the first step's expression E as an "
        "equivalent one never seen before, (E).T.T, then ((E).T.T).T.T, ... (its links, claim and "
        f"example are re-checked, its pages re-rendered). Medians of {runs} runs ({max(5, runs)} for the no-op `make`; "
        f"{max(1, runs - 1)} for the cold full build); CPU = user + system time of the processes.",
        "",
        "| what | median wall (s) | median CPU (s) | runs (s) |",
        "|---|---:|---:|---|",
    ]
    for key, value in res.items():
        if isinstance(value, tuple):
            wall, cpu, walls = value
            out.append(f"| {key} | {wall:.3f} | {cpu:.3f} | {', '.join(f'{w:.2f}' for w in walls)} |")
    cited = {did: who for _, did, who, _ in res.get("edits", []) if who}
    for did, who in cited.items():
        out.append(f"\n{did} is cited by {', '.join(who)}: an edit of it re-checks none of them (only "
                   "whether it still verifies matters to them, and that is decided afresh every run).")
    out.append("")
    return out


# -- 3. scaling of one derivation --------------------------------------------------------------
def at_size(der, n: int):
    dims = {name: dataclasses.replace(spec, sizes=(n,), numeric=n) for name, spec in der.dims.items()}
    return dataclasses.replace(der, dims=dims)


# The Softmax Jacobian against its quotient-rule form (diag(e) u - e eᵀ) / u², e = exp(x),
# u = 1ᵀe: the seed's own claim D(s, x) = diag(s) - s sᵀ is already equal entry by entry once
# SymPy has built both sides (no decision left to time); this one needs rational cancellation.
STABLE = """id: softmax-jacobian-stable
title: Softmax Jacobian, stable form
language: en
layout: denominator
dims:
  n: {sizes: [2], numeric: 8}
symbols:
  x: {shape: [n]}
definitions:
  s: softmax(x)
claim: D(s, x) = (diag(exp(x)) * (ones(n).T @ exp(x)) - exp(x) @ exp(x).T) / (ones(n).T @ exp(x)) ** 2
steps:
  - expr: (diag(exp(x)) * (ones(n).T @ exp(x)) - exp(x) @ exp(x).T) / (ones(n).T @ exp(x)) ** 2
    by: quotient-rule
"""


def section_scaling(exact_sizes: list[int], numeric_sizes: list[int], repeat: int, cap: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "softmax-jacobian-stable.yaml"
        path.write_text(STABLE, encoding="utf-8")
        base = load_corpus([str(path)]).derivations[0]
    claim_index = next(i for i, k in enumerate(Checker(base).links()) if k.kind == "step")
    exact, numeric = [], []
    naive_capped = False
    for n in exact_sizes:
        der = at_size(base, n)
        sizes = {name: n for name in der.dims}
        builds, decides, verdict = [], [], ""
        for r in range(repeat):
            checker, link, ev = prepared(der, claim_index)
            builds.append(ev)
            rng = random.Random(r)
            t0 = time.perf_counter()
            verdict = checker._exact_at(link, sizes, rng)
            decides.append(time.perf_counter() - t0)
        naive_times, outcome = [], "skipped (a smaller size hit the cap)"
        if not naive_capped:
            for _ in range(repeat):
                checker, link, _ = prepared(der, claim_index)
                t, outcome = naive_check(checker, link, [sizes], cap)
                naive_times.append(t)
                if outcome.startswith(">") or t > 2:
                    break
            naive_capped = outcome.startswith(">")
        row = (n, median(builds), median(decides), verdict, median(naive_times), outcome, len(naive_times))
        exact.append(row)
        print(f"  exact n={n}: build {ms(row[1])} ms, docgen decision {ms(row[2])} ms ({verdict}), "
              f"naive {ms(row[4]) if naive_times else '-'} ms ({outcome})", flush=True)
    for n in numeric_sizes:
        der = at_size(base, n)
        checker = Checker(der)
        link = checker.links()[claim_index]
        sizes = {name: n for name in der.dims}
        times, witness, err = [], None, 0.0
        for r in range(max(repeat, 5)):
            t0 = time.perf_counter()
            witness, err, _ = checker._numeric_at(link, sizes, 1000 + r)
            times.append(time.perf_counter() - t0)
        numeric.append((n, median(times), witness is None and err >= 0, err))
        print(f"  numeric n={n}: {ms(median(times))} ms ({'agree' if witness is None else 'DIFFER'}, "
              f"tolerance {err:.0e})", flush=True)
    batched = "batched" in (ROOT / "docgen" / "check" / "numeric.py").read_text("utf-8").lower()
    return {"exact": exact, "numeric": numeric, "repeat": repeat, "cap": cap, "batched": batched}


def lines_scaling(res: dict) -> list[str]:
    out = [
        "## 3. Scaling: the Softmax Jacobian, D(s, x) = (diag(e) u − e eᵀ) / u², e = exp(x), u = 1ᵀe",
        "",
        "One link: the Softmax Jacobian against its quotient-rule form (the seed's softmax-jacobian "
        "claim D(s, x) = diag(s) − s sᵀ is equal entry by entry as soon as SymPy has built both "
        "sides, so it leaves no decision to time; this form needs rational cancellation). "
        "Exact check at one size n (the derivation's dims replaced by n): 'build' is SymPy building "
        "both sides as explicit n×n matrices (shared by both checkers); 'docgen' is the decision on "
        "them (probes, exact normal form); 'naive' is `simplify(A - B)` on every entry, capped at "
        f"{res['cap']:g} s (one run when a run exceeds 2 s). Medians of {res['repeat']} runs.",
        "",
        "| n | build (ms) | docgen decision (ms) | verdict | naive simplify (ms) | naive outcome | ratio naive/docgen |",
        "|---:|---:|---:|---|---:|---|---:|",
    ]
    for n, build, decide, verdict, naive, outcome, runs in res["exact"]:
        has = naive == naive  # not NaN
        ratio = f"{naive / decide:.0f}×" if has and decide > 0 and not outcome.startswith(">") else (
            f"> {naive / decide:.0f}×" if has and decide > 0 else "–")
        out.append(f"| {n} | {ms(build)} | {ms(decide)} | {verdict} | {ms(naive) if has else '–'} | "
                   f"{outcome}{' (1 run)' if runs == 1 else ''} | {ratio} |")
    out += [
        "",
        "Numeric check at larger n (docgen.check.checker.Checker._numeric_at: NumPy evaluation of both sides "
        "at a random point, the Jacobian by central finite differences"
        + (", all perturbed copies in one vectorised evaluation" if res["batched"] else "") +
        f"). Median of {max(res['repeat'], 5)} runs.",
        "",
        "| n | numeric check (ms) | agree |",
        "|---:|---:|---|",
    ]
    for n, t, ok, err in res["numeric"]:
        out.append(f"| {n} | {ms(t)} | {'yes' if ok else 'no'} (tolerance {err:.0e}) |")
    out += ["", "Plot: [scaling.png](scaling.png) (log–log).", ""]
    return out


def plot_scaling(res: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  matplotlib is not installed (pip install -e '.[bench]'): no plot", flush=True)
        return False
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    ex = res["exact"]
    ax.plot([r[0] for r in ex], [r[1] for r in ex], "s--", color="0.55", label="build both sides (SymPy, shared)")
    ax.plot([r[0] for r in ex], [r[2] for r in ex], "o-", color="tab:blue", label="docgen exact decision")
    naive = [(r[0], r[4], r[5].startswith(">")) for r in ex if r[4] == r[4]]
    if naive:
        ax.plot([n for n, _, _ in naive], [t for _, t, _ in naive], "^-", color="tab:red",
                label="naive simplify(A − B)")
        for n, t, capped in naive:
            if capped:
                ax.annotate("cap", (n, t), textcoords="offset points", xytext=(4, 4), color="tab:red")
    nu = res["numeric"]
    ax.plot([r[0] for r in nu], [r[1] for r in nu], "D-", color="tab:green",
            label="docgen numeric check (finite differences)")
    ax.axhline(0.1, color="tab:green", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (Softmax Jacobian is n × n)")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Softmax Jacobian vs its quotient-rule form, checked at size n")
    ax.grid(True, which="both", lw=0.3, alpha=0.6)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return True


# -- 4. synthetic corpus -----------------------------------------------------------------------
def section_synthetic(counts: list[int], runs: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="docgen-syn-"))
    rows = []
    try:
        for count in counts:
            folder = tmp / f"corpus{count}"
            synthetic.generate(count, folder)
            cold, warm, cold_cpu = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
            # -j1 and -j2 alternate, so that a busier minute of this shared machine weighs on both
            for r in range(runs):
                for jobs in (1, 2):
                    cache = tmp / f"cache{count}-{jobs}-{r}"
                    cmd = [PY, "-m", "docgen", "verify", str(folder), f"-j{jobs}", "--cache", str(cache)]
                    w, c, code = timed(cmd, ROOT)
                    cold[jobs].append(w)
                    cold_cpu[jobs].append(c)
                    w, _, _ = timed(cmd, ROOT)
                    warm[jobs].append(w)
                    shutil.rmtree(cache, ignore_errors=True)
            for jobs in (1, 2):
                rows.append((count, jobs, median(cold[jobs]), median(cold_cpu[jobs]), median(warm[jobs]),
                             cold[jobs], warm[jobs]))
                print(f"  {count:4d} derivations -j{jobs}: cold {median(cold[jobs]):6.2f} s "
                      f"({median(cold_cpu[jobs]):.2f} s CPU), warm {median(warm[jobs]):5.2f} s", flush=True)
        return {"rows": rows, "runs": runs}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def lines_synthetic(res: dict) -> list[str]:
    out = [
        "## 4. Synthetic corpus: cold and warm `docgen verify`, 1 and 2 workers",
        "",
        "benchmarks/synthetic.py writes N small derivations (the seed's identities with renamed "
        "symbols and dimensions, varied sizes, 2–4 links each; every one verifies). Cold = a fresh "
        "empty `--cache` folder; warm = the same command again. `python -m docgen verify DIR -jJ "
        f"--cache C`, a fresh process each time. Medians of {res['runs']} runs.",
        "",
        "| derivations | workers | cold wall (s) | cold CPU (s) | warm wall (s) | cold speed-up on 2 workers |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(c, j): row for row in res["rows"] for c, j in [(row[0], row[1])]}
    for count, jobs, cold, cpu, warm, _, _ in res["rows"]:
        speed = f"{by[(count, 1)][2] / cold:.2f}×" if jobs == 2 and (count, 1) in by else ""
        out.append(f"| {count} | {jobs} | {cold:.2f} | {cpu:.2f} | {warm:.2f} | {speed} |")
    out.append("")
    return out


# -- targets -----------------------------------------------------------------------------------
def lines_targets(links, make, scaling, syn) -> list[str]:
    rows = []

    def add(target: str, measured: str, ok: bool | None) -> None:
        rows.append(f"| {target} | {measured} | {'met' if ok else 'not met' if ok is not None else '–'} |")

    if links:
        # the target compares like with like: both decide the links at the declared sizes
        add("checker ≥ 50× faster than naive simplify on the corpus's links at the same sizes "
            "(ratio of summed medians: docgen's exact decision vs `simplify(A - B)`, both at the "
            "declared sizes on the same matrices)",
            f"{links['exact_ratio']:.1f}× (links where naive > 50 ms: {links['hard_exact_ratio']:.1f}×)",
            links["exact_ratio"] >= 50)
        add("for information: docgen's whole check per link, which also proves the link for every "
            "size (index notation) and runs the numeric witness at the numeric size, vs the same naive check",
            f"{links['ratio']:.1f}× (links where naive > 50 ms: {links['hard_ratio']:.1f}×)", None)
    if make:
        wall = make["make, nothing changed"][0]
        add("no-op `make` < 0.2 s", f"{wall:.3f} s", wall < 0.2)
        for label, _, _, _ in make.get("edits", []):
            w = make[label][0]
            add(f"one edited derivation re-verified and re-rendered, no PDF, < 1.5 s: {label}",
                f"{w:.2f} s", w < 1.5)
    if scaling:
        big = [r for r in scaling["numeric"] if r[0] == 1000]
        if big:
            add("numeric witness of a derivative at n = 1000 < 0.1 s", f"{big[0][1] * 1e3:.1f} ms",
                big[0][1] < 0.1)
    if syn:
        by = {(r[0], r[1]): r for r in syn["rows"]}
        top = max(r[0] for r in syn["rows"])
        if (top, 1) in by:
            warm = min(by[(top, 1)][4], by.get((top, 2), by[(top, 1)])[4])
            add(f"{top} synthetic derivations verified warm < 2 s", f"{warm:.2f} s", warm < 2 if top >= 500 else None)
        if (top, 1) in by and (top, 2) in by:
            speed = by[(top, 1)][2] / by[(top, 2)][2]
            add(f"cold on 2 workers ≥ 1.7× faster than on 1 ({top} derivations)", f"{speed:.2f}×",
                speed >= 1.7)
    return ["## Targets (issue 6)", "", "| target | measured (median) | |", "|---|---|---|", *rows, ""]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller sizes (development)")
    ap.add_argument("--only", default="1,2,3,4", help="sections to run (default 1,2,3,4)")
    ap.add_argument("--repeat", type=int, help="runs per measurement (default 3; --quick 1)")
    ap.add_argument("--naive-cap", type=float, help="seconds per naive check (default 10 per link, 30 in scaling)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for bench.md and scaling.png")
    args = ap.parse_args()
    only = {s.strip() for s in args.only.split(",")}
    repeat = args.repeat or (1 if args.quick else 3)
    started = time.perf_counter()
    load0 = load_average()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.strip()
    links = make = scaling = syn = None
    body: list[str] = []
    if "1" in only:
        print("1. per link: docgen vs naive simplify", flush=True)
        links = section_links(tracked_derivations(), repeat, args.naive_cap or (3 if args.quick else 10))
        body += lines_links(links)
    if "2" in only:
        print("2. make verify / make / one edit (in a temporary copy)", flush=True)
        make = section_make(repeat)
        body += lines_make(make, repeat)
    if "3" in only:
        print("3. scaling of the Softmax Jacobian claim", flush=True)
        exact = [2, 3, 4] if args.quick else [2, 3, 4, 5, 6, 7, 8]
        numeric = [10, 100, 1000] if args.quick else [10, 30, 100, 300, 1000]
        scaling = section_scaling(exact, numeric, repeat, args.naive_cap or (5 if args.quick else 30))
        body += lines_scaling(scaling)
        if plot_scaling(scaling, args.out / "scaling.png"):
            print(f"  wrote {args.out / 'scaling.png'}", flush=True)
    if "4" in only:
        print("4. synthetic corpus", flush=True)
        syn = section_synthetic([10, 50] if args.quick else [10, 100, 500], repeat)
        body += lines_synthetic(syn)
    total = time.perf_counter() - started
    targets = lines_targets(links, make, scaling, syn)
    header = [
        "# docgen benchmark (`make bench`)",
        "",
        f"Commit {head}{' with uncommitted changes to tracked files' if dirty else ''}; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}, SymPy {sp.__version__}; "
        f"load average (1, 5, 15 min) {load0} at the start, {load_average()} at the end "
        "(the machine is shared: wall times include waiting for a CPU, ratios are the robust "
        f"figures); the whole run took {total:.0f} s"
        f"{' (--quick: fewer runs and sizes)' if args.quick else ''}. "
        "Command: `make bench` (= `.venv/bin/python benchmarks/bench_verify.py`).",
        "",
    ]
    text = "\n".join(header + targets + body)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.md").write_text(text, encoding="utf-8")
    print()
    print("\n".join(targets))
    print(f"written {args.out / 'bench.md'} in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
