"""The worked example: every expression of every chain evaluated at the example's values.

Values come from SymPy (exact derivatives of the concrete functions, then rounded) and are
cross-checked against the NumPy evaluator, whose derivatives are finite differences.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from .concrete import Evaluator, to_rational
from ..model.expr import Node, tree_key
from ..model.derivation import Derivation, Expr
from .numeric import NumericEvaluator
from .verdict import ExampleResult, chain_start

TOL = 1e-6


Values = dict[str, tuple[list[list[float]], str]]  # expression key -> (value, disagreement or "")


def evaluate_example(der: Derivation, known: Values | None = None,
                     computed: Values | None = None) -> ExampleResult | None:
    """Evaluate the example, or None when the derivation has none.

    `known` maps `value_key(tree)` to an expression's value at this example, with how SymPy
    and finite differences disagreed on it ("" when they agree), from an earlier evaluation
    of the same example data: such an expression is not evaluated again. Every expression's
    value is put in `computed`."""
    ex = der.example
    if ex is None:
        return None
    known = known or {}
    computed = {} if computed is None else computed
    impl: dict[str, Node] = {name: e.tree for name, e in ex.functions.items()}
    ev = Evaluator(der, ex.sizes, impl)
    point = {}
    for name, rows in ex.values.items():
        for s, v in zip(ev.symbols[name], (to_rational(v) for row in rows for v in row)):
            point[s] = v
        dvals = differentials(der, name)
        for s, v in zip(ev.symbols[name], (to_rational(v) for row in dvals for v in row)):
            if s in ev.differentials:
                point[ev.differentials[s]] = v
    num = _numeric(der, ex.sizes, impl)
    result = ExampleResult(dict(ex.sizes), {n: _floats(np.array(v, dtype=float)) for n, v in
                                            ((n, [[float(x) for x in r] for r in rows]) for n, rows in ex.values.items())}, {}, {})

    def value(e: Expr, what: str) -> list[list[float]]:
        key = value_key(e.tree)
        if key in known:
            floats, differ = known[key]
        else:
            exact = ev.evaluate(e.tree).xreplace(point)
            vals = np.array(exact.evalf(20).tolist(), dtype=float)
            approx = num.evaluate(e.tree)
            floats, differ = _floats(vals), ""
            if vals.shape != approx.shape or not np.allclose(vals, approx, rtol=TOL, atol=TOL):
                differ = f"SymPy gives {floats}, finite differences give {_floats(approx)}"
        computed[key] = (floats, differ)
        if differ:
            result.fd_agree = False
            result.problems.append(f"{what}: {differ}")
        return floats

    for a in der.assumptions:
        lhs, rhs = value(a.lhs, f"assumption {a.text}"), value(a.rhs, f"assumption {a.text}")
        if not np.allclose(lhs, rhs, atol=1e-12):
            result.problems.append(f"the example's values violate the assumption {a.text}")
    for name, d in der.definitions.items():
        result.definitions[name] = value(d.expr, f"definition {name}")
    for part in der.parts:
        exprs = [chain_start(part)] + [s.expr for s in part.steps]
        values = [value(e, f"{part.label} step {k}") for k, e in enumerate(exprs)]
        claim = value(part.lhs, f"{part.label} claim")
        if not np.allclose(np.array(claim), np.array(value(part.rhs, f"{part.label} claim")), rtol=1e-9, atol=1e-12):
            result.problems.append(f"{part.label}: the claim's two sides differ at the example")
        result.claims[part.label] = claim
        first = np.array(values[0])
        for k, v in enumerate(values[1:], 1):
            if not np.allclose(first, np.array(v), rtol=1e-9, atol=1e-12):
                result.problems.append(f"{part.label}: step {k} evaluates to {v}, the start to {values[0]}")
        result.parts[part.label] = values
    return result


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
    base = NumericEvaluator(der, sizes, values, diffs, {})
    for fn in der.functions.values():
        body = impl[fn.name]

        def f(a: np.ndarray, _body=body) -> np.ndarray:
            return base.with_values({"t": a}).evaluate(_body)

        def fp(a: np.ndarray, _f=f) -> np.ndarray:
            h = 1e-6 * (1 + np.abs(a))
            return (_f(a + h) - _f(a - h)) / (2 * h)

        functions[fn.name] = (f, fp)
    for name, sym in der.symbols.items():
        if sym.generic:
            functions[name] = impl[name]
    base.functions = functions
    return base


def _floats(a: np.ndarray | sp.Matrix) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, dtype=float)]
