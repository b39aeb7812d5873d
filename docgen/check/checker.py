"""Links -> verdicts with evidence. Pure: takes a Derivation, returns results.

Per link A = B and per concrete size assignment, cheapest first:
  1. identical trees once definitions are expanded: proven for every size;
     a rational link (no exp, log, roots, generic functions) of numerator degree above 3, e.g.
     with inv or det: exact values at random points modulo a prime decide it (modular.py);
  2. exact normal form of every entry in one polynomial ring (exp -> powers of positive
     symbols, logs expanded, radicals with their relations, cancel): zero proves the size;
  3. on an entry that is not zero: exact random rational probes, refuting with an exact witness,
     else the numeric check at that size;
  4. `simplify` as a last resort inside the time budget (never a refutation when it fails);
then a numeric check at the larger size (NumPy, derivatives by the complex step: numeric.py).
"""

from __future__ import annotations

import itertools
import random
import time

import numpy as np
import sympy as sp

from .budget import Timeout, budget
from .concrete import Evaluator, Matrix
from .linktrees import derivative_depth, entry_trees, expand_definitions, index_values
from .exact import (MAX_SIGN_SPLITS, Atomizer, describe_point, dominant_diagonals, equal_entries,
                    has_signs, probe_point, sign_arguments, split_products, with_signs)
from ..model.derivation import Derivation, Expr, Part
from .numeric import NumericEvaluator
from .shown import check_shown, has_dots
from .points import random_evaluator
from .verdict import (  # noqa: F401  (re-exported: check is where links are made)
    FAILED,
    NUMERIC,
    PROVEN,
    PROVEN_ALL,
    UNDECIDED,
    Link,
    Witness,
    chain_links,
    chain_start,
    format_sizes,
)

# The numeric check's tolerance, relative to the scale of the values, 1 + max(|a|, |b|): both
# sides are evaluated in floats with complex-step derivatives, exact to rounding (numeric.py), so
# a correct link differs by a few eps of that scale; 1e-6 leaves room for conditioning (inv, det
# at n = 1000) and is far below the O(1) relative difference of a wrong link. A nested
# derivative takes central differences at its inner level (error ~ eps^(2/3) of |f| there): each
# level beyond the first widens the tolerance by NESTED_FACTOR.
NUMERIC_TOL = 1e-6
NESTED_FACTOR = 1e3
ALL_SIZES_BUDGET = 3.0  # CPU seconds at most for the proof for every size, within the link's budget:
# the library's slowest proof takes ~0.15 s; a wide margin keeps verdicts the same on a busy machine


class Checker:
    """Checks every link of one derivation; caches evaluators per size."""

    def __init__(self, der: Derivation, budget_seconds: float | None = None, naive: bool = False):
        self.der = der
        self.budget = budget_seconds if budget_seconds is not None else der.check.budget
        self.naive = naive
        self._evaluators: dict[tuple, tuple[Evaluator, dict]] = {}
        self._index_form = None  # built on first use (allsizes.IndexForm)
        self._simplified = 0

    def links(self) -> list[Link]:
        """Every link of every part, in document order (steps, then the claim)."""
        return chain_links(self.der)

    @staticmethod
    def start(part: Part) -> Expr:
        return chain_start(part)

    # -- one link ---------------------------------------------------------------------------
    def check_all(self) -> list[Link]:
        """Check every link; a claim whose chain is proven follows by transitivity."""
        links = self.links()
        for link in links:
            if link.kind != "claim":
                self.check(link)
        return self.finish_claims(links)

    def finish_claims(self, links: list[Link]) -> list[Link]:
        """Check the claims once their chains are checked (by transitivity where possible)."""
        for link in links:
            if link.kind != "claim":
                continue
            chain = [k for k in links if k.part == link.part and k.kind != "claim"]
            if self.naive or not self.by_transitivity(link, chain):
                self.check(link)
        return links

    def by_transitivity(self, claim: Link, chain: list[Link]) -> bool:
        """lhs = s1 = ... = sk = rhs, every link proven at sizes S: the claim holds at S."""
        if not chain or any(k.status not in (PROVEN, PROVEN_ALL) for k in chain):
            return False
        if any(has_dots(k) for k in chain):  # a step shows only some entries: check the claim itself
            return False
        t0 = time.perf_counter()
        proven = [k for k in chain if k.status == PROVEN]
        if not proven:
            claim.status = PROVEN_ALL
        else:
            common = [s for s in proven[0].sizes if all(s in k.sizes for k in proven[1:])]
            if not common:
                return False
            claim.status, claim.sizes = PROVEN, common
        claim.evidence.append("follows from the chain: every link is proven (transitivity)")
        self._numeric(claim)  # still an independent numeric witness on the claim itself
        claim.seconds = time.perf_counter() - t0
        return True

    def check(self, link: Link) -> Link:
        t0 = time.perf_counter()
        if link.kind == "identification":
            link.seconds = time.perf_counter() - t0
            return link
        if has_dots(link):  # a matrix with '...': checked at the entries it shows
            check_shown(self, link)
            return link
        left = expand_definitions(link.left.tree, self.der)
        right = expand_definitions(link.right.tree, self.der)
        if left == right and not self.naive:
            link.status = PROVEN_ALL
            link.evidence.append("identical after expanding definitions")
        else:
            self._exact(link)
            if link.status != FAILED:
                self._numeric(link)
        link.seconds = time.perf_counter() - t0
        return link

    def evaluator(self, sizes: dict[str, int]) -> tuple[Evaluator, dict]:
        key = tuple(sorted(sizes.items()))
        if key not in self._evaluators:
            ev = Evaluator(self.der, sizes)
            self._evaluators[key] = (ev, self._eliminations(ev))
        return self._evaluators[key]

    def _eliminations(self, ev: Evaluator) -> dict:
        """Solve each linear assumption for one of its symbols: sum(y) = 1 gives y_n = 1 - ..."""
        out: dict = {}
        for a in self.der.assumptions:
            eqs = ev.evaluate(a.lhs.tree) - ev.evaluate(a.rhs.tree)
            for eq in eqs:
                eq = sp.expand(eq.xreplace(out))
                if eq.has(sp.zoo, sp.nan, sp.oo, -sp.oo):  # undefined (a division by zero): no solving
                    continue
                for s in sorted(eq.free_symbols, key=lambda s: s.name, reverse=True):
                    if s in out or not eq.is_polynomial(s) or sp.degree(eq, s) != 1:
                        continue
                    coeff = eq.coeff(s)
                    if coeff.is_number and coeff != 0:
                        out[s] = sp.expand(sp.solve(eq, s)[0])
                        out = {k: sp.expand(v.xreplace({s: out[s]})) for k, v in out.items()}
                        break
        return out

    def _exact(self, link: Link) -> None:
        rng = random.Random(self.der.check.seed * 7919 + link.index * 31 + sum(map(ord, link.part)))
        assignments = sorted(self.der.size_assignments(), key=lambda a: sum(a.values()))
        deadline = time.process_time() + self.budget  # CPU time, as budget() counts it
        unresolved = False
        self._simplified = 0
        self._sign_splits = 0
        self._modular: list[tuple[dict, object]] = []  # sizes decided by modular.py, with its outcome
        for sizes in assignments:
            remaining = deadline - time.process_time()
            if remaining <= 0:
                unresolved = True
                link.evidence.append(f"budget spent before {format_sizes([sizes])}")
                break
            try:
                with budget(remaining):
                    result = self._exact_at(link, sizes, rng)
            except Timeout:
                link.evidence.append(f"symbolic budget of {self.budget:g} s spent at {format_sizes([sizes])}")
                unresolved = True
                break
            if result == FAILED:
                return
            if result == PROVEN:
                link.sizes.append(sizes)
            else:
                unresolved = True
        if self._simplified:
            link.evidence.append(f"simplify was needed for {self._simplified} entr{'y' if self._simplified == 1 else 'ies'}")
        free = self.der.free_indices(link.left.tree)
        every = f", for every value of {', '.join(free)}" if free else ""
        if link.sizes and not unresolved:
            link.status = PROVEN
            how = "exact normal form (and simplify) is 0" if self._simplified else "exact normal form is 0"
            modular = [s for s, _ in self._modular]
            normal = [s for s in link.sizes if s not in modular]
            if normal:
                link.evidence.append(f"{how} at " + format_sizes(normal) + every)
            if modular:
                link.evidence.append(_modular_evidence(self._modular))
            if self._sign_splits:
                k = self._sign_splits
                link.evidence[-1] += (f", taking each sign of the {k} argument{'s' * (k > 1)} of "
                                      f"abs in turn ({2 ** k} cases)")
            if not self.naive and self._all_sizes(link, deadline):
                link.status = PROVEN_ALL
                what = f"and every value of {', '.join(free)} " if free else ""
                link.evidence.append(f"proven for every size {what}in index notation (sums over symbolic sizes, "
                                     "Kronecker deltas), cross-checked exactly at " + format_sizes(link.sizes))
        elif link.sizes:
            link.status = PROVEN
            link.evidence.append("exact at " + format_sizes(link.sizes) + " only")
        else:
            link.status = UNDECIDED

    def sides(self, link: Link, sizes: dict[str, int]) -> tuple[Matrix, Matrix]:
        """Both sides of a link as explicit matrices at `sizes` (remembered per tree); an
        equation about entries as the matrices of its values at every index value."""
        ev, _ = self.evaluator(sizes)
        left, right, _, _ = entry_trees(self.der, link)
        return ev.evaluate(left), ev.evaluate(right)

    def _all_sizes(self, link: Link, deadline: float) -> bool:
        """Try the index-notation proof for every size, inside what is left of the budget."""
        from .allsizes import IndexForm, Unsupported, supported, zero_for_all_sizes

        remaining = min(deadline - time.process_time(), ALL_SIZES_BUDGET)
        left, right, shape, _ = entry_trees(self.der, link)
        if remaining <= 0 or not supported(self.der, left, right):
            return False
        if self._index_form is None:
            self._index_form = IndexForm(self.der)
        try:
            with budget(remaining):
                return zero_for_all_sizes(self._index_form, left, right, shape,
                                          [(a.lhs.tree, a.rhs.tree) for a in self.der.assumptions])
        except (Unsupported, Timeout):
            return False

    def _by_points(self, link: Link, sizes: dict[str, int], rng: random.Random) -> str | None:
        """A rational link of high degree decided by exact values at random points (modular.py):
        PROVEN, FAILED with an exact witness, or None to leave it to the normal form."""
        from .modular import Unsupported, decide

        if self.der.free_indices(link.left.tree):
            return None
        left = expand_definitions(link.left.tree, self.der)
        right = expand_definitions(link.right.tree, self.der)
        try:
            out = decide(self.der, left, right, sizes, rng)
        except Unsupported:
            return None
        if out is None:
            return None
        if out.witness is not None:
            point, a, b, entry = out.witness
            link.status = FAILED
            link.witness = Witness(sizes, point, a, b, True, entry)
            link.evidence.append(f"exact probe differs at {format_sizes([sizes])}")
            return FAILED
        if out.points:
            self._modular.append((sizes, out))
            return PROVEN
        return None  # differs modulo p, yet no small rational witness: the normal form decides

    def _exact_at(self, link: Link, sizes: dict[str, int], rng: random.Random) -> str:
        if not self.naive:
            decided = self._by_points(link, sizes, rng)
            if decided is not None:
                return decided
        ev, elim = self.evaluator(sizes)
        A, B = self.sides(link, sizes)
        if self.naive:
            ok = all(sp.simplify((a - b).xreplace(elim)) == 0 for a, b in zip(A, B))
            return PROVEN if ok else UNDECIDED
        atomizer = Atomizer()
        pairs = [(idx, A[idx], B[idx]) for idx in range(len(A)) if A[idx] != B[idx]]
        # the exact normal form first: on a correct link (most of them) it is the proof, and a
        # probe could only confirm; probes then look for an exact witness on what is not zero
        zero = equal_entries([(a, b) for _, a, b in pairs], atomizer, elim)
        zero = self._by_signs([(a, b) for _, a, b in pairs], zero, elim)
        pending = []
        for (idx, a, b), z in zip(pairs, zero):
            if z:
                continue
            if elim:
                a, b = a.xreplace(elim), b.xreplace(elim)
            pa, pb = atomizer.prepare(a), atomizer.prepare(b)
            pending.append((idx, a, b, pa, pb, pa - pb))
        if not pending:
            return PROVEN
        for idx, a, b, pa, pb, diff in pending:
            if atomizer.probeable(diff) and self._refute(link, sizes, ev, atomizer, idx, A.shape, pa, pb, rng,
                                                         self.der.check.probes + 20):
                return FAILED
            # abs and sign of rationals are rational: probe the entries themselves
            if (has_signs(a) or has_signs(b)) and self._refute(
                    link, sizes, ev, Atomizer(), idx, A.shape, a, b, rng, self.der.check.probes + 20):
                return FAILED
        undecided = False
        w, err, _ = self._numeric_at(link, sizes, self.der.check.seed + 7 * link.index)
        if w is not None:
            link.status = FAILED
            link.witness = w
            link.evidence.append(f"numeric check differs at {format_sizes([sizes])} (relative error {err:.1e})")
            return FAILED
        for idx, a, b, pa, pb, diff in pending:
            if sp.simplify(a - b) == 0:
                self._simplified += 1
                continue
            undecided = True
        return UNDECIDED if undecided else PROVEN

    def _by_signs(self, pairs: list[tuple[sp.Expr, sp.Expr]], zero: list[bool],
                  elim: dict) -> list[bool]:
        """Entries with |g| or sign(g) that the normal form could not decide: decided on each
        sign of the g's in turn (|g| = σg, sign(g) = σ, σ = ±1). Zero for every choice is a proof
        wherever no g is 0: at such a point the signs are one of the choices."""
        todo = [k for k, z in enumerate(zero) if not z and any(has_signs(x) for x in pairs[k])]
        if not todo:
            return zero
        open_pairs = [(split_products(pairs[k][0]), split_products(pairs[k][1])) for k in todo]
        args = sign_arguments([x for pair in open_pairs for x in pair])
        if args is None or not 0 < len(args) <= MAX_SIGN_SPLITS:
            return zero
        for signs in itertools.product((1, -1), repeat=len(args)):
            choice = dict(zip(args, signs))
            split = [(with_signs(a, choice), with_signs(b, choice)) for a, b in open_pairs]
            if not all(equal_entries(split, Atomizer(), elim)):
                return zero
        self._sign_splits = max(self._sign_splits, len(args))
        return [z or k in todo for k, z in enumerate(zero)]

    def _refute(self, link: Link, sizes: dict, ev: Evaluator, atomizer: Atomizer, idx: int,
                shape: tuple[int, int], pa: sp.Expr, pb: sp.Expr, rng: random.Random, tries: int) -> bool:
        """Up to `tries` exact probes; the first that differs fails the link with its witness."""
        for _ in range(tries):
            w = self._probe(link, sizes, ev, atomizer, idx, shape, pa, pb, rng)
            if w is not None:
                link.status = FAILED
                link.witness = w
                link.evidence.append(f"exact probe differs at {format_sizes([sizes])}")
                return True
        return False

    def _probe(self, link: Link, sizes: dict, ev: Evaluator, atomizer: Atomizer, idx: int,
               shape: tuple[int, int], pa: sp.Expr, pb: sp.Expr, rng: random.Random) -> Witness | None:
        symbols = (pa - pb).free_symbols | pa.free_symbols | pb.free_symbols
        definite = [ev.symbols[n] for n, sym in self.der.symbols.items()
                    if "positive-definite" in sym.assume and n in ev.symbols]
        for _ in range(5):
            point = dominant_diagonals(probe_point(symbols, rng), definite)
            va, vb = pa.xreplace(point), pb.xreplace(point)
            if any(v.has(sp.zoo, sp.nan, sp.oo) or not v.is_Rational for v in (va, vb)):
                continue  # a pole or an irrational remains: draw again
            if va == vb:
                return None
            entry = (idx // shape[1], idx % shape[1])
            free = self.der.free_indices(link.left.tree)
            return Witness(sizes, describe_point(point, atomizer), str(va), str(vb), True, entry,
                           index_values(free, entry, self.der.index_ranges(free, sizes)))
        return None

    # -- numeric ----------------------------------------------------------------------------
    def _numeric_at(self, link: Link, sizes: dict[str, int], seed: int) -> tuple[Witness | None, float, str]:
        """Compare both sides at random float points; a witness when they differ beyond tolerance."""
        rng = np.random.default_rng(seed)
        depth = max(derivative_depth(link.left.tree), derivative_depth(link.right.tree))
        tol = NUMERIC_TOL * (NESTED_FACTOR ** max(depth - 1, 0))
        what = "finite differences agree" if depth else "numeric values agree"
        left, right, _, free = entry_trees(self.der, link)
        for attempt in range(8):
            # after four points outside the domain (logs, roots), try positive values only
            ev = self.numeric_evaluator(sizes, rng, positive=attempt >= 4)
            a = ev.evaluate(left)  # no floating-point warnings: non-finite values
            b = ev.evaluate(right)
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                continue  # a pole, a log of a negative, an overflow: not evaluable here, draw again
            with np.errstate(all="ignore"):  # a - b beyond the largest float: inf, a witness
                diff = np.abs(a - b)
                err = diff.max() / (1 + max(np.abs(a).max(), np.abs(b).max()))
            if err > tol:
                i, j = np.unravel_index(np.argmax(diff), a.shape)
                point = {n: _numeric_text(v) for n, v in ev.values.items()}
                entry = (int(i), int(j))
                return Witness(sizes, point, f"{a[i, j]:.6g}", f"{b[i, j]:.6g}", False, entry,
                               index_values(free, entry, self.der.index_ranges(free, sizes))), err, what
            return None, tol, what
        return None, -1.0, what

    def _numeric(self, link: Link) -> None:
        sizes = self.der.numeric_sizes()
        witness, err, what = None, -1.0, ""
        for trial in range(2):
            witness, err, what = self._numeric_at(link, sizes, self.der.check.seed + 101 * trial + link.index)
            if witness is not None or err < 0:
                break
        if err < 0:
            link.evidence.append("no finite numeric point found: a side is undefined at every point "
                                 "tried (a division by zero, a log or root outside its domain?)")
            return
        if witness is not None:
            link.witness = witness
            if link.status == PROVEN and sizes not in link.sizes:
                # exact at the declared sizes, wrong at this one: the claim depends on the size
                link.status = FAILED
                link.evidence.append(f"holds exactly at {format_sizes(link.sizes)} but not at "
                                     f"{format_sizes([sizes])} (numeric, relative error {err:.1e})")
                return
            if link.status in (PROVEN, PROVEN_ALL):
                link.status = UNDECIDED
                link.evidence.append(f"numeric check disagrees (relative error {err:.1e}) with the exact proof")
                return
            link.status = FAILED
            link.evidence.append(f"numeric check differs at {format_sizes([sizes])} (relative error {err:.1e})")
            return
        free = self.der.free_indices(link.left.tree)
        every = f", for every value of {', '.join(free)}" if free else ""
        link.evidence.append(f"{what} at {format_sizes([sizes])}{every} (relative error < {err:.0e})")
        if link.status == UNDECIDED and not link.sizes and not any("budget" in e for e in link.evidence):
            link.status = NUMERIC

    def numeric_evaluator(self, sizes: dict[str, int], rng: np.random.Generator,
                          positive: bool = False) -> NumericEvaluator:
        return random_evaluator(self.der, sizes, rng, positive)


def _modular_evidence(decided: list[tuple[dict, object]]) -> str:
    """The evidence of sizes decided by exact values at random points (modular.py)."""
    from .modular import POINTS

    degree = max(out.degree for _, out in decided)  # type: ignore[attr-defined]
    bound = max(out.bound for _, out in decided)  # type: ignore[attr-defined]
    return (f"equal as rational functions at {format_sizes([s for s, _ in decided])}: exact values agree at "
            f"{POINTS} random points modulo the prime 2^61 - 1 (numerator degree <= {degree}: a wrong "
            f"link agrees with probability < {bound:.0e})")


def _numeric_text(v: np.ndarray) -> str:
    """A value on one line: a number, a vector [a, b], a matrix [[a, b], [c, d]]."""
    if v.size == 1:
        return f"{float(v.ravel()[0]):.4g}"
    rows = [", ".join(f"{float(x):.4g}" for x in row) for row in v]
    if v.shape[1] == 1:
        return "[" + ", ".join(f"{float(x):.4g}" for x in v.ravel()) + "]"
    return "[" + ", ".join(f"[{r}]" for r in rows) + "]"
