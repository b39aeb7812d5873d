"""Mutation testing of the checker: does verification reject wrong steps?

For every derivation, every step's expression tree is mutated (one small semantic change at a
time: flip a sign, drop or add a transpose, swap the operands of a product, double a numeric
factor, swap a symbol for another of the same shape, replace a function by its derivative,
drop a term of a sum). Each mutant is rebuilt into a Derivation through the normal loader
(docgen.read.spec.build_derivation on the mutated data, so the shape checker sees it), and only the
links that touch the mutated step are checked (docgen.check.checker.Checker.check). When the last step
is mutated, the claim's right-hand side is mutated with it (otherwise the chain would merely
"end elsewhere"). A bare identity (a claim without steps, e.g. the SymPy conformance corpus in
tests/conformance/sympy/) has its claim's right-hand side mutated, and its claim checked.

Outcomes:
  shape-rejected   the mutant no longer type-checks (a kill by the shape checker)
  model-rejected   rejected by the loader for another reason (e.g. a differential chain that
                   no longer ends in the (R).T @ d(x) form)
  equivalent       the mutant equals the original: decided independently of the checker by
                   NumPy evaluation (docgen.check.numeric) at random points at every exact size and
                   the numeric size; excluded from the kill rate, with the reason
  killed           some touched link fails verification
  survived         verification accepts a non-equivalent mutant (a checker bug)
  undecided        no link failed but some stayed undecided (verification would not reject)
  wrongly-killed   an equivalent mutant was rejected (a false alarm: also a checker bug)
  crashed          the checker raised an exception (a checker bug; docgen verify would show a
                   traceback)

Kill rate = killed / (killed + survived + undecided). Before mutating, each derivation's own
links are all checked: a correct derivation that is rejected is reported too.

Usage: python benchmarks/mutants.py [PATHS] [--limit N] [--jobs N] [--budget S] [--per-step N (default 0 = all)]
       [--out benchmarks/results/mutants.md]
"""

from __future__ import annotations

import argparse
import copy
import functools
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docgen.model.errors import DocgenError, ShapeError  # noqa: E402
from docgen.model.expr import BinOp, Call, Dots, Entry, Literal, Name, Neg, Node, Num, Transpose, unparse  # noqa: E402
from docgen.read.load import Document, load_file  # noqa: E402
from docgen.model.derivation import Derivation  # noqa: E402
from docgen.lang.parse import split_equation  # noqa: E402

# f -> its derivative (or a closely related function a careless author might write)
DERIVATIVE = {"exp": "log", "log": "exp", "tanh": "sigmoid", "sigmoid": "tanh",
              "softplus": "sigmoid", "sin": "cos", "cos": "sin"}


@dataclass
class Mutant:
    der_id: str
    path: str
    part: int  # index of the part
    step: int  # index of the step in the part (0-based); BARE: the right side of a bare claim
    operator: str
    description: str
    original: str
    text: str
    outcome: str = ""
    reason: str = ""
    seconds: float = 0.0
    proofs: int = 0  # touched links the proof for every size was tried on (non-equivalent mutants)
    unsound: str = ""  # a link that proof wrongly claimed


BARE = -1  # Mutant.step of a bare identity's right-hand side


# -- generating mutants ----------------------------------------------------------------------
def _replace_at(node: Node, path: tuple[int, ...], new: Node) -> Node:
    """`node` with the descendant at `path` (child indices) replaced by `new`."""
    if not path:
        return new
    i, rest = path[0], path[1:]
    if isinstance(node, BinOp):
        return replace(node, left=_replace_at(node.left, rest, new)) if i == 0 else \
            replace(node, right=_replace_at(node.right, rest, new))
    if isinstance(node, Call):
        args = list(node.args)
        args[i] = _replace_at(args[i], rest, new)
        return replace(node, args=tuple(args))
    if isinstance(node, Entry):  # children: the base, then the indices
        if i == 0:
            return replace(node, base=_replace_at(node.base, rest, new))
        indices = list(node.indices)
        indices[i - 1] = _replace_at(indices[i - 1], rest, new)
        return replace(node, indices=tuple(indices))
    if isinstance(node, Literal):  # children: the entries, row by row
        rows = [list(r) for r in node.rows]
        k = i
        for r in rows:
            if k < len(r):
                r[k] = _replace_at(r[k], rest, new)
                break
            k -= len(r)
        return replace(node, rows=tuple(tuple(r) for r in rows))
    if hasattr(node, "arg"):
        return replace(node, arg=_replace_at(node.arg, rest, new))
    if hasattr(node, "base"):
        return replace(node, base=_replace_at(node.base, rest, new))
    raise ValueError(f"no child {i} in {node}")


def _positions(node: Node, path: tuple[int, ...] = ()):
    yield path, node
    for i, child in enumerate(node.children()):
        yield from _positions(child, path + (i,))


def mutate(tree: Node, der: Derivation) -> list[tuple[str, str, Node]]:
    """Every single-point semantic mutant of `tree`: (operator, description, new tree)."""
    out: list[tuple[str, str, Node]] = []
    shapes = {n: s.shape for n, s in der.symbols.items()}
    generic_fn = {f.name: f.derivative for f in der.functions.values() if f.derivative}
    generic_fn.update({d: f for f, d in list(generic_fn.items())})

    def add(op: str, what: str, path: tuple[int, ...], new: Node) -> None:
        out.append((op, what, _replace_at(tree, path, new)))

    add("sign", "negate the whole step", (), Neg(tree))
    add("factor", "multiply the whole step by 2", (), BinOp("*", Num(Fraction(2)), tree))
    for path, node in _positions(tree):
        text = unparse(node)
        if isinstance(node, BinOp) and node.op in "+-":
            flipped = "-" if node.op == "+" else "+"
            add("sign", f"'{text}': {node.op} -> {flipped}", path, replace(node, op=flipped))
            add("drop-term", f"'{text}' -> '{unparse(node.left)}'", path, node.left)
            right = node.right if node.op == "+" else Neg(node.right)
            add("drop-term", f"'{text}' -> '{unparse(right)}'", path, right)
        if isinstance(node, Neg):
            add("sign", f"'{text}' -> '{unparse(node.arg)}'", path, node.arg)
        if isinstance(node, BinOp) and node.op in "*@":
            swapped = replace(node, left=node.right, right=node.left)
            add("swap", f"'{text}' -> '{unparse(swapped)}'", path, swapped)
        if isinstance(node, Transpose):
            add("transpose", f"drop the transpose of '{unparse(node.arg)}'", path, node.arg)
        if isinstance(node, Name) and node.name in shapes and shapes[node.name] != (1, 1):
            add("transpose", f"'{node.name}' -> '{node.name}.T'", path, Transpose(node))
        if isinstance(node, Call) and node.func == "D":
            add("transpose", f"'{text}' -> '({text}).T'", path, Transpose(node))
        if isinstance(node, Num) and node.value not in (0,):
            add("factor", f"{unparse(node)} -> {unparse(Num(node.value * 2))}", path,
                Num(node.value * 2))
        if isinstance(node, Name):
            same = [n for n, s in shapes.items() if n != node.name and node.name in shapes
                    and s == shapes[node.name]]
            same += [d for d in der.dims if node.name in der.dims and d != node.name]
            for other in sorted(same):
                add("index", f"'{node.name}' -> '{other}'", path, Name(other))
        if isinstance(node, Call) and node.func in DERIVATIVE:
            new = replace(node, func=DERIVATIVE[node.func])
            add("derivative", f"{node.func} -> {new.func}", path, new)
        if isinstance(node, Entry) and len(node.indices) == 2 and node.indices[0] != node.indices[1]:
            swapped = replace(node, indices=node.indices[::-1])
            add("index", f"'{text}' -> '{unparse(swapped)}'", path, swapped)
        if isinstance(node, Entry):
            for k, ix in enumerate(node.indices):
                if isinstance(ix, Num):  # an index literal moved by one (within the smallest size)
                    other = Num(ix.value + 1) if ix.value == 1 else Num(ix.value - 1)
                    add("index", f"'{text}': index {unparse(ix)} -> {unparse(other)}", path + (k + 1,), other)
                elif isinstance(ix, Name) and ix.name in der.indices:
                    for o in sorted(der.indices):
                        if o != ix.name and der.indices[o] == der.indices[ix.name]:
                            add("index", f"'{text}': index {ix.name} -> {o}", path + (k + 1,), Name(o))
        if isinstance(node, Call) and node.func == "delta":
            add("drop-term", f"'{text}' -> 1", path, Num(Fraction(1)))
            add("drop-term", f"'{text}' -> 0", path, Num(Fraction(0)))
        if isinstance(node, Call) and node.func in generic_fn:
            new = replace(node, func=generic_fn[node.func])
            add("derivative", f"{node.func} -> {new.func}", path, new)
    seen = {tree}
    unique = []
    for op, what, new in out:
        if new not in seen:
            seen.add(new)
            unique.append((op, what, new))
    return unique


# -- rebuilding a derivation with a mutated step ---------------------------------------------
@functools.lru_cache(maxsize=None)
def _document(path: str) -> Document:
    return load_file(path)


@functools.lru_cache(maxsize=None)
def _derivation(path: str) -> Derivation:
    from docgen.read.spec import build_derivation

    return build_derivation(_document(path))


def _part_data(data: dict, part: int) -> dict:
    return data if "parts" not in data else data["parts"][part]


def rebuild(path: str, part: int, step: int, text: str) -> Derivation:
    """The derivation at `path` with step `step` of part `part` replaced by `text` (and, for
    the last step, the claim's right-hand side replaced to match). Raises DocgenError."""
    from docgen.lang.parse import parse_expr
    from docgen.read.spec import build_derivation, identified

    doc = _document(path)
    der = _derivation(path)
    data = copy.deepcopy(doc.data)
    spec = _part_data(data, part)
    if step == BARE:
        lhs_text, _, _, _ = split_equation(spec["claim"])
        spec["claim"] = f"{lhs_text.strip()} = {text}"
        return build_derivation(Document(doc.path, data, doc.marks, doc.digest))
    raw = spec["steps"][step]
    if isinstance(raw, dict):
        raw["expr"] = text
    else:
        spec["steps"][step] = text
    if step == len(spec["steps"]) - 1:
        p = der.parts[part]
        lhs_text, _, _, _ = split_equation(spec["claim"])
        if p.method == "differential":
            wrt = p.wrt
            found = identified(parse_expr(text), wrt, der.symbols[wrt].shape, der.layout)
            if found is None:
                from docgen.model.errors import ModelError
                raise ModelError("the mutated last step is no longer of the form (R).T @ d(x)")
            spec["claim"] = f"{lhs_text.strip()} = {unparse(found)}"
        else:
            spec["claim"] = f"{lhs_text.strip()} = {text}"
    return build_derivation(Document(doc.path, data, doc.marks, doc.digest))


# -- deciding equivalence independently (NumPy) ----------------------------------------------
def equivalent(der: Derivation, a: Node, b: Node, points: int = 3, seed: int = 7,
               shape: tuple = ()) -> tuple[bool, str]:
    """Whether trees `a` and `b` agree numerically at random points at every exact size and
    the numeric size (the assumptions made to hold), with the reason."""
    from docgen.check.checker import Checker

    from docgen.check.linktrees import tabulate_free

    checker = Checker(der)
    a, b = tabulate_free(der, a), tabulate_free(der, b)
    sizes_list = list(der.size_assignments()) + [der.numeric_sizes()]
    if isinstance(a, Literal) and isinstance(b, Literal) and a.has_dots and b.has_dots and shape:
        from docgen.lang.literal import pattern_breaks, shown_entries, smallest

        # a matrix with '...' states the pattern of its indices too (the entries it leaves out
        # follow it): a mutant that breaks the pattern the original follows says something else
        before = len(pattern_breaks(shown_entries(a, shape), frozenset(der.dims)))
        if len(pattern_breaks(shown_entries(b, shape), frozenset(der.dims))) > before:
            return False, "breaks the index pattern of the shown entries"

        rows, cols = smallest(a)  # only sizes where the written entries are distinct entries
        sizes_list = [s for s in sizes_list if all(v >= max(rows, cols) for v in s.values())]
        # a matrix with '...' stands for its written entries: the mutant of one entry is
        # equivalent when every written entry keeps its value (a vertical row of '...' is none)
        a = Literal(tuple(r for r in a.rows if r), a.column)
        b = Literal(tuple(r for r in b.rows if r), b.column)
        a = Literal(tuple(tuple(e for e in r if not isinstance(e, Dots)) for r in a.rows), a.column)
        b = Literal(tuple(tuple(e for e in r if not isinstance(e, Dots)) for r in b.rows), b.column)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for sizes in sizes_list:
        for _ in range(points):
            ev = checker.numeric_evaluator(sizes, rng)
            with np.errstate(all="ignore"):
                try:
                    va, vb = ev.evaluate(a), ev.evaluate(b)
                except Exception as exc:  # noqa: BLE001 - a mutant may not evaluate at all
                    return False, f"not comparable numerically ({type(exc).__name__})"
            if va.shape != vb.shape:
                return False, f"shapes differ at {sizes}"
            if not np.allclose(va, vb, rtol=1e-5, atol=1e-7, equal_nan=True):
                return False, f"differs at {sizes}"
            scale = float(np.nanmax(np.abs(va))) if va.size else 0.0
            worst = max(worst, float(np.nanmax(np.abs(va - vb))) / max(scale, 1e-12) if va.size else 0.0)
    sizes_text = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) or "scalars" for s in sizes_list)
    return True, (f"numerically equal at {points} random points at each of {sizes_text} "
                  f"(max relative difference {worst:.1e})")


# -- checking one mutant ---------------------------------------------------------------------
def classify(m: Mutant, budget: float | None = None) -> Mutant:
    from docgen.check.checker import Checker
    from docgen.check.verdict import FAILED, UNDECIDED, chain_links

    t0 = time.perf_counter()
    try:
        mder = rebuild(m.path, m.part, m.step, m.text)
    except ShapeError as exc:
        m.outcome, m.reason = "shape-rejected", exc.message
    except DocgenError as exc:
        m.outcome, m.reason = "model-rejected", exc.message
    else:
        part = mder.parts[m.part]
        if m.step == BARE:
            original = _derivation(m.path).parts[m.part].rhs.tree
            expr = part.rhs
        else:
            original = _derivation(m.path).parts[m.part].steps[m.step].expr.tree
            expr = part.steps[m.step].expr
        same, why = equivalent(mder, original, expr.tree, shape=expr.shape)
        k = m.step + 1
        last = m.step == len(part.steps) - 1
        touched = [link for link in chain_links(mder) if link.part == part.label and (
            (link.kind == "step" and link.index in (k, k + 1)) or (link.kind == "claim" and last))]
        checker = Checker(mder, budget)
        statuses = []
        crash = None
        for link in touched:
            try:
                checker.check(link)
            except Exception as exc:  # noqa: BLE001 - a checker crash is a finding, not the end
                crash = f"{'claim' if link.kind == 'claim' else f'step {link.index}'}: " \
                        f"{type(exc).__name__}: {exc}"
                break
            statuses.append(link.status)
        if not same and not crash:
            m.proofs, m.unsound = _audit_all_sizes(checker, touched)
        failed = [link for link in touched if link.status == FAILED]
        if crash:
            m.outcome, m.reason = "crashed", f"the checker raised on {crash}"
        elif failed:
            where = ", ".join(f"{'claim' if l.kind == 'claim' else f'step {l.index}'}" for l in failed)
            m.outcome = "wrongly-killed" if same else "killed"
            m.reason = f"{where} failed" + (f"; but {why}" if same else "")
        elif same:
            m.outcome, m.reason = "equivalent", why
        elif UNDECIDED in statuses:
            m.outcome, m.reason = "undecided", why
        else:
            m.outcome, m.reason = "survived", why
    m.seconds = time.perf_counter() - t0
    return m


def _audit_all_sizes(checker, links: list) -> tuple[int, str]:  # noqa: ANN001
    """The proof for every size, as the checker runs it (Checker._all_sizes), tried directly on
    the links of a mutant that is not equivalent, without the exact checks that normally come
    first: it must never claim one (the links are wrong at some size).
    (links tried, the first wrongly claimed or '')."""
    from docgen.check.allsizes import supported

    tried = 0
    for link in links:
        if not supported(checker.der, link.left.tree, link.right.tree):
            continue
        tried += 1
        if checker._all_sizes(link, time.perf_counter() + 2.0):
            return tried, f"{'claim' if link.kind == 'claim' else f'step {link.index}'}: {unparse(link.left.tree)} = {unparse(link.right.tree)}"
    return tried, ""


def _classify_star(args: tuple[Mutant, float | None]) -> Mutant:
    return classify(*args)


def baseline(path: str, budget: float | None = None) -> list[str]:
    """Links of the unmutated derivation that fail (a correct derivation must have none)."""
    from docgen.check.checker import Checker

    der = _derivation(path)
    try:
        links = Checker(der, budget).check_all()
    except Exception as exc:  # noqa: BLE001
        return [f"the checker raised {type(exc).__name__}: {exc}"]
    return [f"{l.part} {l.kind} {l.index}: {l.status}" for l in links if not l.ok]


def _baseline_star(args: tuple[str, float | None]) -> tuple[str, list[str]]:
    return args[0], baseline(*args)


# -- the run ---------------------------------------------------------------------------------
def collect(paths: list[str], per_step: int | None = None, seed: int = 1) -> list[Mutant]:
    from docgen.run.verify import find_files

    out: list[Mutant] = []
    rng = random.Random(seed)
    for f in find_files(paths):
        path = str(f)
        try:
            der = _derivation(path)
        except DocgenError as exc:
            print(f"skipping {path}: {exc}", file=sys.stderr)
            continue
        for pi, part in enumerate(der.parts):
            exprs = [(si, step.expr) for si, step in enumerate(part.steps)] or [(BARE, part.rhs)]
            for si, expr in exprs:
                found = mutate(expr.tree, der)
                if per_step is not None and len(found) > per_step:
                    found = rng.sample(found, per_step)
                for op, what, tree in found:
                    out.append(Mutant(der.id, path, pi, si, op, what, expr.text, unparse(tree)))
    return out


def run(paths: list[str], *, limit: int | None = None, per_step: int | None = None, jobs: int = 0,
        budget: float | None = None, seed: int = 1) -> tuple[list[Mutant], dict[str, list[str]], float]:
    t0 = time.perf_counter()
    mutants = collect(paths, per_step, seed)
    if limit is not None and len(mutants) > limit:
        mutants = sorted(random.Random(seed).sample(mutants, limit),
                         key=lambda m: (m.path, m.part, m.step))
    files = sorted({m.path for m in mutants})
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1:
        with Pool(jobs) as pool:
            bases = dict(pool.map(_baseline_star, [(f, budget) for f in files]))
            done = pool.map(_classify_star, [(m, budget) for m in mutants], chunksize=1)
    else:
        bases = {f: baseline(f, budget) for f in files}
        done = [classify(m, budget) for m in mutants]
    return done, bases, time.perf_counter() - t0


def summary(mutants: list[Mutant]) -> dict[str, int]:
    c = Counter(m.outcome for m in mutants)
    judged = c["killed"] + c["survived"] + c["undecided"]
    return {"total": len(mutants), "shape-rejected": c["shape-rejected"],
            "model-rejected": c["model-rejected"], "equivalent": c["equivalent"],
            "killed": c["killed"], "survived": c["survived"], "undecided": c["undecided"],
            "wrongly-killed": c["wrongly-killed"], "crashed": c["crashed"], "judged": judged,
            "proofs tried": sum(m.proofs for m in mutants), "unsound proofs": sum(1 for m in mutants if m.unsound)}


def kill_rate(s: dict[str, int]) -> float:
    return s["killed"] / s["judged"] if s["judged"] else 1.0


def report(mutants: list[Mutant], bases: dict[str, list[str]], seconds: float, argv: list[str]) -> str:
    s = summary(mutants)
    lines = ["# Mutation testing of the checker", "",
             f"`python benchmarks/mutants.py {' '.join(argv)}`: {s['total']} mutants of the steps of "
             f"{len(bases)} derivations, {seconds:.0f} s on {os.cpu_count()} cores.", "",
             "| outcome | mutants |", "|---|---|"]
    for key in ("total", "shape-rejected", "model-rejected", "equivalent", "killed", "survived",
                "undecided", "wrongly-killed", "crashed"):
        lines.append(f"| {key} | {s[key]} |")
    lines += ["", f"**Kill rate: {kill_rate(s):.1%}** ({s['killed']} of {s['judged']} non-equivalent "
              "mutants that type-check are rejected by verification; the shape checker rejects "
              f"{s['shape-rejected']} more, the loader {s['model-rejected']}).", ""]
    lines += [f"Proof for every size (index notation) run directly on the {s['proofs tried']} links of "
              "non-equivalent mutants it supports, without the exact checks that normally gate it: "
              f"**{s['unsound proofs']} wrongly claimed** (it must never claim a wrong link).", ""]
    rejected = {f: b for f, b in bases.items() if b}
    lines.append(f"Correct derivations rejected: {len(rejected)} of {len(bases)}.")
    for f, b in rejected.items():
        lines.append(f"- {f}: {'; '.join(b)}")
    lines += ["", "## By operator", "", "| operator | total | shape-rejected | equivalent | killed | survived/undecided |",
              "|---|---|---|---|---|---|"]
    for op in sorted({m.operator for m in mutants}):
        ms = [m for m in mutants if m.operator == op]
        c = Counter(m.outcome for m in ms)
        lines.append(f"| {op} | {len(ms)} | {c['shape-rejected']} | {c['equivalent']} | {c['killed']} | "
                     f"{c['survived'] + c['undecided']} |")

    def table(title: str, rows: list[Mutant]) -> None:
        lines.extend(["", f"## {title} ({len(rows)})", ""])
        if not rows:
            lines.append("None.")
            return
        lines.extend(["| derivation | step | mutation | mutant | reason |", "|---|---|---|---|---|"])
        for m in rows:
            where = "claim" if m.step == BARE else f"{m.part + 1}.{m.step + 1}"
            lines.append(f"| {m.der_id} | {where} | {m.operator}: {m.description} | "
                         f"`{m.text}` | {m.reason} |".replace("\n", " "))

    table("Survivors, undecided and crashes (checker bugs, or mutants the checker cannot decide)",
          [m for m in mutants if m.outcome in ("survived", "undecided", "wrongly-killed", "crashed")])
    unsound = [m for m in mutants if m.unsound]
    for m in unsound:
        m.reason = f"proof for every size claimed {m.unsound}"
    table("Links the proof for every size wrongly claimed", unsound)
    table("Equivalent mutants, excluded", [m for m in mutants if m.outcome == "equivalent"])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", default=[str(ROOT / "derivations")])
    p.add_argument("--limit", type=int, default=None, help="at most N mutants (a seeded sample)")
    p.add_argument("--per-step", type=int, default=0,
                   help="at most N mutants per step, a seeded sample (default 0: all)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: all cores)")
    p.add_argument("--budget", type=float, default=None, help="symbolic seconds per link")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "mutants.md"))
    args = p.parse_args(argv)
    shown = [a for a in (argv if argv is not None else sys.argv[1:])]
    mutants, bases, seconds = run(args.paths, limit=args.limit, per_step=args.per_step or None, jobs=args.jobs,
                                  budget=args.budget, seed=args.seed)
    text = report(mutants, bases, seconds, shown)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    s = summary(mutants)
    print(f"{'outcome':<16} mutants")
    for key in ("total", "shape-rejected", "model-rejected", "equivalent", "killed", "survived",
                "undecided", "wrongly-killed", "crashed"):
        print(f"{key:<16} {s[key]}")
    print(f"kill rate {kill_rate(s):.1%} ({s['killed']}/{s['judged']}); correct derivations rejected: "
          f"{sum(1 for b in bases.values() if b)}/{len(bases)}; {seconds:.0f} s; wrote {args.out}")
    print(f"proof for every size tried on {s['proofs tried']} links of non-equivalent mutants: "
          f"{s['unsound proofs']} wrongly claimed")
    bad = (s["survived"] + s["undecided"] + s["wrongly-killed"] + s["crashed"] + s["unsound proofs"]
           + sum(1 for b in bases.values() if b))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
