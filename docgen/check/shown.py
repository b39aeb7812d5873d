"""Links with a matrix written with '...': checked at the entries it shows, never more.

A side such as [[a, b, ..., c], ..., [d, e, ..., f]] stands for a matrix of the other side's
shape of which only some entries are written (lang/literal.py gives their positions). At every
declared size where those positions are distinct, each shown entry is compared with the entry of
the other side at its position (exact normal form; an exact probe, else a numeric point, for a
witness), and again numerically at the numeric size. Every wrong entry is reported with its
position as written and its own file:line:col, and the pattern of the written indices is checked
(an entry that breaks it fails even when its value happens to be right). The verdict says "at the
shown entries ...": it is never "proven for all sizes".
"""

from __future__ import annotations

import random
import time

import numpy as np
import sympy as sp

from ..lang.literal import Shown, fits, pattern_breaks, resolve, shown_entries, smallest
from ..model.derivation import Derivation, size_of
from ..model.expr import Literal, Node, unparse
from .exact import Atomizer, describe_point, equal_entries, probe_point
from .points import random_evaluator
from .verdict import FAILED, PROVEN, UNDECIDED, Link, Witness, format_sizes

NUMERIC_TOL = 1e-6


def has_dots(link: Link) -> bool:
    return any(isinstance(e.tree, Literal) and e.tree.has_dots for e in (link.left, link.right))


class _Side:
    """One side at one size: the entries it gives, by 0-based position."""

    def __init__(self, tree: Node, shape: tuple, size: tuple[int, int]):
        self.tree = tree
        self.partial = isinstance(tree, Literal) and tree.has_dots
        self.entries: dict[tuple[int, int], Shown] = {}
        if self.partial:
            assert isinstance(tree, Literal)
            for e in shown_entries(tree, shape):
                self.entries[(resolve(e.row, size[0]), resolve(e.col, size[1]))] = e


def _common(a: _Side, b: _Side, size: tuple[int, int]) -> list[tuple[int, int]]:
    every = [(r, c) for r in range(size[0]) for c in range(size[1])]
    keep = [p for p in every if (not a.partial or p in a.entries) and (not b.partial or p in b.entries)]
    return keep


def _literal(link: Link) -> Literal:
    return link.left.tree if isinstance(link.left.tree, Literal) and link.left.tree.has_dots \
        else link.right.tree  # type: ignore[return-value]


def check_shown(checker, link: Link) -> None:  # noqa: ANN001  (a Checker)
    """Check a link one of whose sides (or both) is a matrix with '...'."""
    der: Derivation = checker.der
    t0 = time.perf_counter()
    lit = _literal(link)
    shape = link.left.shape
    dims = frozenset(der.dims)
    problems: dict[str, tuple[str, Witness | None]] = {}  # entry label -> (evidence, witness)

    for brk in pattern_breaks(shown_entries(lit, shape), dims):
        where = _where(link, brk.entry)
        problems.setdefault(brk.entry.label() + " pattern", (f"{where}{brk.message()}", None))

    sizes_ok = [s for s in der.size_assignments() if _fits_both(link, size_of(shape, s))]
    rng = random.Random(der.check.seed * 7919 + link.index * 31 + sum(map(ord, link.part)))
    for sizes in sizes_ok:
        ev, elim = checker.evaluator(sizes)
        size = size_of(shape, sizes)
        left, right = _Side(link.left.tree, shape, size), _Side(link.right.tree, shape, size)
        positions = _common(left, right, size)
        a_vals = _values(ev, left, positions)
        b_vals = _values(ev, right, positions)
        atomizer = Atomizer()
        zero = equal_entries(list(zip(a_vals, b_vals)), atomizer, elim)
        for pos, a, b, z in zip(positions, a_vals, b_vals, zero):
            if z:
                continue
            shown = left.entries.get(pos) or right.entries.get(pos)
            label = shown.label() if shown else f"({pos[0] + 1}, {pos[1] + 1})"
            if label in problems:
                continue
            w = _probe(a.xreplace(elim) if elim else a, b.xreplace(elim) if elim else b, atomizer, rng, sizes, pos)
            if w is None and sp.simplify(a - b) == 0:
                continue
            if w is None:
                w = _numeric_entry(der, link, sizes, pos, left, right)
            if w is None:
                problems.setdefault(label + " undecided", (f"entry {label} could not be decided", None))
                continue
            problems[label] = (_failure(link, shown, label, w), _named(w, link, shown, label))
    if sizes_ok:
        _numeric_shown(der, link, shape, problems)
    shown_labels = ", ".join(e.label().replace(" ", "") for e in shown_entries(lit, shape))
    failures = [(text, w) for key, (text, w) in problems.items() if not key.endswith(" undecided")]
    if failures:
        link.status = FAILED
        link.witness = next((w for _, w in failures if w is not None), None)
        link.evidence += [text for text, _ in failures]
    elif not sizes_ok:
        rows, cols = smallest(lit)
        link.status = UNDECIDED
        link.evidence.append(f"no declared size shows the entries of the matrix with '...' as distinct "
                             f"entries (it needs at least {rows} rows and {cols} columns)")
    elif problems:
        link.status = UNDECIDED
        link.evidence += [text for text, _ in problems.values()]
    else:
        link.status = PROVEN
        link.sizes = sizes_ok
        link.evidence.append(f"exact normal form is 0 at the shown entries {shown_labels}, at "
                             f"{format_sizes(sizes_ok)}; the entries left out ('...') are not checked")
    link.seconds = time.perf_counter() - t0


def _fits_both(link: Link, size: tuple[int, int]) -> bool:
    return all(fits(e.tree, size) for e in (link.left, link.right)
               if isinstance(e.tree, Literal) and e.tree.has_dots)


def _values(ev, side: _Side, positions: list) -> list:  # noqa: ANN001
    if side.partial:
        return [ev.evaluate(side.entries[p].node)[0] for p in positions]
    whole = ev.evaluate(side.tree)
    return [whole[p] for p in positions]


def _where(link: Link, shown: Shown | None) -> str:
    expr = link.left if isinstance(link.left.tree, Literal) and link.left.tree.has_dots else link.right
    return f"{expr.at(shown.node)}: " if shown is not None else ""


def _failure(link: Link, shown: Shown | None, label: str, w: Witness) -> str:
    written = f" as written: {unparse(shown.node)}" if shown is not None else ""
    sizes = ", ".join(f"{k} = {v}" for k, v in w.sizes.items())
    kind = "exact" if w.exact else "numeric"
    return (f"{_where(link, shown)}entry {label}{written}: differs from the other side ({kind}, at {sizes}: "
            f"left side {w.left}, right side {w.right})")


def _named(w: Witness, link: Link, shown: Shown | None, label: str) -> Witness:
    written = f" as written: {unparse(shown.node)}" if shown is not None else ""
    return Witness(w.sizes, w.point, w.left, w.right, w.exact, w.entry, f"entry {label}{written}")


def _probe(a, b, atomizer: Atomizer, rng: random.Random, sizes: dict, pos: tuple) -> Witness | None:  # noqa: ANN001
    pa, pb = atomizer.prepare(a), atomizer.prepare(b)
    if not atomizer.probeable(pa - pb):
        return None
    symbols = (pa - pb).free_symbols | pa.free_symbols | pb.free_symbols
    for _ in range(25):
        point = probe_point(symbols, rng)
        va, vb = pa.xreplace(point), pb.xreplace(point)
        if any(v.has(sp.zoo, sp.nan, sp.oo) or not v.is_Rational for v in (va, vb)):
            continue
        if va != vb:
            return Witness(sizes, describe_point(point, atomizer), str(va), str(vb), True, pos)
    return None


def _numeric_pairs(der: Derivation, link: Link, sizes: dict, seed: int) -> tuple | None:
    shape = size_of(link.left.shape, sizes)
    rng = np.random.default_rng(seed)
    for attempt in range(8):
        ev = random_evaluator(der, sizes, rng, positive=attempt >= 4)
        left, right = _Side(link.left.tree, link.left.shape, shape), _Side(link.right.tree, link.left.shape, shape)
        positions = _common(left, right, shape)
        a = [_num(ev, left, p) for p in positions]
        b = [_num(ev, right, p) for p in positions]
        if all(np.isfinite(v) for v in a + b):
            return ev, left, right, positions, a, b
    return None


def _num(ev, side: _Side, pos: tuple) -> float:  # noqa: ANN001
    if side.partial:
        return float(np.real(ev.evaluate(side.entries[pos].node).ravel()[0]))
    return float(np.real(ev.evaluate(side.tree)[..., pos[0], pos[1]].ravel()[0]))


def _numeric_entry(der: Derivation, link: Link, sizes: dict, pos: tuple, left: _Side, right: _Side) -> Witness | None:
    got = _numeric_pairs(der, link, sizes, der.check.seed + 7 * link.index)
    if got is None:
        return None
    _, _, _, positions, a, b = got
    k = positions.index(pos)
    if abs(a[k] - b[k]) > NUMERIC_TOL * (1 + max(abs(a[k]), abs(b[k]))):
        return Witness(sizes, {}, f"{a[k]:.6g}", f"{b[k]:.6g}", False, pos)
    return None


def _numeric_shown(der: Derivation, link: Link, shape: tuple, problems: dict) -> None:
    """The shown entries again at the numeric size (when they fit there)."""
    sizes = der.numeric_sizes()
    if not _fits_both(link, size_of(shape, sizes)):
        return
    got = _numeric_pairs(der, link, sizes, der.check.seed + link.index)
    if got is None:
        return
    _, left, right, positions, a, b = got
    bad = 0
    for pos, x, y in zip(positions, a, b):
        if abs(x - y) > NUMERIC_TOL * (1 + max(abs(x), abs(y))):
            shown = left.entries.get(pos) or right.entries.get(pos)
            label = shown.label() if shown else f"({pos[0] + 1}, {pos[1] + 1})"
            if label not in problems:
                w = Witness(sizes, {}, f"{x:.6g}", f"{y:.6g}", False, pos)
                problems[label] = (_failure(link, shown, label, w), _named(w, link, shown, label))
            bad += 1
    if not bad:
        problems.pop("", None)
