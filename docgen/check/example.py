"""The worked example: every expression of every chain, and each term of those that are sums,
evaluated at the example's values.

Values come from SymPy (exact derivatives of the concrete functions, then rounded) and are
cross-checked against the NumPy evaluator (numeric.py: derivatives by the complex step).

The cross-check's tolerance, per entry: RTOL·|exact| + noise·peak, where peak is the largest
magnitude the NumPy evaluation of that expression met (inputs, intermediates, result) and noise
is ROUNDING, or the noise of central differences where a nested derivative needed them
(numeric.Stats). Rounding errors are relative to what was added or subtracted, not to the entry:
1ᵀexp(x) at x = (16, 2, 0.5) carries ~1e-9 of absolute error into every entry computed from it
(peak 8.9e6), and an entry that is 0 exactly comes out as ±eps·peak. An entry that floats cannot
hold (an overflow: exp(1000); a NaN from inf - inf) on either side is not evaluable here, and
is not compared: the exact values still decide whether the steps agree.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from .concrete import Evaluator, to_rational
from ..lang.literal import fits, resolve, shown_entries
from ..lang.shapes import derivation_scope, infer
from ..model.expr import Literal, Node, summands, tree_key
from ..model.derivation import Derivation, Expr, Part, size_of
from .numeric import CS_STEP, FD_NOISE, FD_STEP, NumericEvaluator, Stats, step_slope
from .verdict import ExampleResult, chain_start

# Per entry, relative: what a mistake in either evaluator exceeds; room for the conditioning of
# inv and det at the example's matrices. With complex-step derivatives the 32 derivations in
# derivations/ agree to 1.8e-15 of each nonzero entry (central differences, before: 8.6e-10).
RTOL = 1e-6
# Rounding, as a fraction of the largest magnitude met (Stats.peak): a few thousand roundings
# (sizes ≤ 8, expressions of tens of nodes); measured at most 4.4e-16 on the same derivations.
ROUNDING = 1e-12
# A step that is a sum of more terms gets no term values: a row each would bury the chain.
MAX_TERMS = 6


Values = dict[str, tuple[list[list[float]], str]]  # expression key -> (value, disagreement or "")


def evaluate_example(der: Derivation, known: Values | None = None,
                     computed: Values | None = None) -> ExampleResult | None:
    """Evaluate the example, or None when the derivation has none.

    `known` maps `value_key(tree)` to an expression's value at this example, with how SymPy
    and NumPy disagreed on it ("" when they agree), from an earlier evaluation
    of the same example data: such an expression is not evaluated again. Every expression's
    value is put in `computed`."""
    ex = der.example
    if ex is None:
        return None
    impl: dict[str, Node] = {name: e.tree for name, e in ex.functions.items()}
    ev = Evaluator(der, ex.sizes, impl)
    point = _exact_point(der, ev)
    num = _numeric(der, ex.sizes, impl)
    result = ExampleResult(dict(ex.sizes), _given_values(der), {}, {})
    values = _Values(ev, point, num, result, known or {}, {} if computed is None else computed)
    _check_assumptions(der, values, result)
    for name, d in der.definitions.items():
        result.definitions[name] = values.value(d.expr, f"definition {name}")
    for part in der.parts:
        _evaluate_part(part, values, result)
    return result


def _exact_point(der: Derivation, ev: Evaluator) -> dict:
    """The example's values (and differentials) as exact rationals, by SymPy symbol."""
    ex = der.example
    assert ex is not None
    point = {}
    for name, rows in ex.values.items():
        for s, v in zip(ev.symbols[name], (to_rational(v) for row in rows for v in row)):
            point[s] = v
        dvals = differentials(der, name)
        for s, v in zip(ev.symbols[name], (to_rational(v) for row in dvals for v in row)):
            if s in ev.differentials:
                point[ev.differentials[s]] = v
    return point


def _given_values(der: Derivation) -> dict[str, list[list[float]]]:
    """The example's values of the symbols, as floats."""
    ex = der.example
    assert ex is not None
    return {n: _floats(np.array(v, dtype=float)) for n, v in
            ((n, [[float(x) for x in r] for r in rows]) for n, rows in ex.values.items())}


class _Values:
    """Expressions' values at the example: from SymPy (exact, then rounded), cross-checked
    against the NumPy evaluation `num`; taken from `known` when there, and all put in
    `computed`. A disagreement is a problem of `result`."""

    def __init__(self, ev: Evaluator, point: dict, num: NumericEvaluator, result: ExampleResult,
                 known: Values, computed: Values):
        self.ev, self.point, self.num = ev, point, num
        self.scope = derivation_scope(ev.der)  # for the shapes of the terms of sums
        self.result, self.known, self.computed = result, known, computed

    def value(self, e: Expr, what: str) -> list[list[float]]:
        e = _tabulated(self.ev.der, e)
        key = value_key(e.tree)
        if key in self.known:
            floats, differ = self.known[key]
        else:
            floats, differ = self._evaluate(e, what)
        self.computed[key] = (floats, differ)
        if differ:
            self.result.fd_agree = False
            self.result.problems.append(f"{what}: {differ}")
        return floats

    def _evaluate(self, e: Expr, what: str) -> tuple[list[list[float]], str]:
        """(value, how SymPy and NumPy disagree on it, or "")."""
        if isinstance(e.tree, Literal) and e.tree.has_dots:
            return self._shown(e), ""
        exact = self.ev.evaluate(e.tree).xreplace(self.point)
        if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ArithmeticError(f"{what} is undefined at the example's values "
                                  "(a division by zero, or the inverse of a singular matrix)")
        approx20 = exact.evalf(20)
        if any(v.has(sp.I) for v in approx20):
            raise ArithmeticError(f"{what} is not real at the example's values "
                                  "(a logarithm or a root of a negative number)")
        vals = np.array(approx20.tolist(), dtype=float)
        self.num.stats.reset()
        approx = self.num.evaluate(e.tree)
        floats = _floats(vals)
        if vals.shape != approx.shape or not agree(vals, approx, self.num.stats):
            return floats, f"SymPy gives {floats}, NumPy gives {_floats(approx)}"
        return floats, ""


    def _shown(self, e: Expr) -> list[list[float]]:
        """A matrix with '...' at the example: its shown entries, NaN for those left out."""
        rows, cols = size_of(e.shape, self.ev.sizes)
        out = np.full((rows, cols), np.nan)
        if fits(e.tree, (rows, cols)):  # type: ignore[arg-type]
            for s in shown_entries(e.tree, e.shape):  # type: ignore[arg-type]
                v = self.ev.evaluate(s.node).xreplace(self.point)[0]
                out[resolve(s.row, rows), resolve(s.col, cols)] = float(v.evalf(20))
        return _floats(out)


def _tabulated(der: Derivation, e: Expr) -> Expr:
    """An expression with free indices as the matrix of its values at every index value."""
    tree, shape, free = der.tabulate(e.tree)
    if not free:
        return e
    return Expr(e.text, tree, e.loc, shape)


def _close(a, b) -> bool:  # noqa: ANN001
    """Equal where both are known (a matrix with '...' leaves entries out, as NaN)."""
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    both = ~(np.isnan(a) | np.isnan(b))
    return a.shape == b.shape and bool(np.allclose(a[both], b[both], rtol=1e-9, atol=1e-12))


def agree(exact: np.ndarray, approx: np.ndarray, stats: Stats) -> bool:
    """Whether NumPy's value agrees with the exact one (rounded to floats) on every entry both
    can hold, within RTOL·|exact| + noise·peak (the module's docstring)."""
    both = np.isfinite(exact) & np.isfinite(approx)
    exact, approx = exact[both], approx[both]
    allowed = RTOL * np.abs(exact) + max(ROUNDING, stats.noise) * stats.peak
    return bool(np.all(np.abs(approx - exact) <= allowed))


def _check_assumptions(der: Derivation, values: _Values, result: ExampleResult) -> None:
    for a in der.assumptions:
        what = f"assumption {a.text}"
        lhs, rhs = values.value(a.lhs, what), values.value(a.rhs, what)
        if not np.allclose(lhs, rhs, atol=1e-12):
            result.problems.append(f"the example's values violate the assumption {a.text}")


def _evaluate_part(part: Part, values: _Values, result: ExampleResult) -> None:
    """A part's chain and claim at the example: every step equals the start, both sides of the
    claim are equal."""
    exprs = [chain_start(part)] + [s.expr for s in part.steps]
    steps = [values.value(e, f"{part.label} step {k}") for k, e in enumerate(exprs)]
    claim = values.value(part.lhs, f"{part.label} claim")
    if not _close(claim, values.value(part.rhs, f"{part.label} claim")):
        result.problems.append(f"{part.label}: the claim's two sides differ at the example")
    result.claims[part.label] = claim
    first = np.array(steps[0])
    for k, v in enumerate(steps[1:], 1):
        if not _close(first, v):
            result.problems.append(
                f"{part.label}: step {k} evaluates to {v}, the start to {steps[0]}")
    result.parts[part.label] = steps
    result.terms[part.label] = [_term_values(e, values, f"{part.label} step {k}")
                                for k, e in enumerate(exprs)]


def _term_values(e: Expr, values: _Values, what: str) -> list[list[list[float]]]:
    """The values of the terms of a chain expression that is a sum of two to MAX_TERMS (the
    example shows those a step brings in); [] for one that is not, has free indices, or has a term that
    is undefined at the example (a term may divide by zero where the sum does not)."""
    terms = summands(e.tree)
    der = values.ev.der
    if not 2 <= len(terms) <= MAX_TERMS or der.free_indices(e.tree):
        return []
    try:
        return [values.value(Expr(e.text, t, e.loc, infer(t, values.scope, e.loc)), f"{what}, a term")
                for t in terms]
    except ArithmeticError:
        return []


def value_key(tree: Node) -> str:
    """An expression tree's key among one example's values (no source columns in it)."""
    return tree_key(tree)


def differentials(der: Derivation, name: str) -> tuple[tuple[Fraction, ...], ...]:
    """The example's value of d(name): given under example.differentials, else all ones."""
    ex = der.example
    assert ex is not None
    if name in ex.differentials:
        return ex.differentials[name]
    return tuple(tuple(Fraction(1) for _ in row) for row in ex.values[name])


def _numeric(der: Derivation, sizes: dict[str, int], impl: dict[str, Node]) -> NumericEvaluator:
    ex = der.example
    assert ex is not None
    values = {n: np.array([[float(x) for x in row] for row in rows]) for n, rows in ex.values.items()}
    diffs = {n: np.array([[float(x) for x in row] for row in differentials(der, n)])
             for n in values if der.symbols[n].variable}
    functions: dict[str, object] = {}
    base = NumericEvaluator(der, sizes, values, diffs, {}, Stats(track=True))
    for fn in der.functions.values():
        body = impl[fn.name]

        def f(a: np.ndarray, _body=body) -> np.ndarray:
            return base.with_values({"t": a}).evaluate(_body)

        def fp(a: np.ndarray, _f=f) -> np.ndarray:
            """f' entry by entry, as numeric.py takes D: a complex step at a real point, central
            differences at a point that carries one already (a derivative of f')."""
            if not np.iscomplexobj(a):
                return step_slope(_f(a + 1j * CS_STEP), CS_STEP)
            base.stats.noise = max(base.stats.noise, FD_NOISE)
            h = FD_STEP * (1 + np.abs(a))
            return (_f(a + h) - _f(a - h)) / (2 * h)

        functions[fn.name] = (f, fp)
    for name, sym in der.symbols.items():
        if sym.generic:
            functions[name] = impl[name]
    base.functions = functions
    return base


def _floats(a: np.ndarray | sp.Matrix) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, dtype=float)]
