"""Random points at which both sides of a link are evaluated numerically: values and
differentials for every independent symbol (respecting its assumptions), random smooth stand-ins
for generic functions, and one entry moved per linear assumption so that it holds."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..model.expr import Name
from ..model.derivation import Derivation, size_of
from .numeric import Array, NumericEvaluator, Scalar


class RandomFunctions:
    """Random smooth stand-ins for generic functions, fixed by a seed."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def elementwise(self) -> tuple[Scalar, Scalar]:
        a, b, c, q = self.rng.uniform(0.5, 1.5, 4)
        f = lambda t: a * np.sin(b * t + c) + q * t * t  # noqa: E731
        fp = lambda t: a * b * np.cos(b * t + c) + 2 * q * t  # noqa: E731
        return f, fp

    def dependent(self, inputs: int, rows: int, cols: int) -> Callable[[Array], Array]:
        """A random smooth map from (..., inputs) to (..., rows, cols)."""
        k = rows * cols
        A = self.rng.normal(0, 1 / np.sqrt(max(inputs, 1)), (k, inputs))
        B = self.rng.normal(0, 1 / np.sqrt(max(inputs, 1)), (k, inputs))
        phase = self.rng.uniform(-1, 1, k)

        def f(v: Array) -> Array:
            out = np.sin(v @ A.T + phase) + 0.3 * (v @ B.T) ** 2
            return out.reshape(*v.shape[:-1], rows, cols)

        return f


def random_point(der: Derivation, sizes: dict[str, int], rng: np.random.Generator) -> tuple[dict[str, Array], dict[str, Array]]:
    """Random values and differentials for every independent symbol."""
    values, diffs = {}, {}
    for name, sym in der.symbols.items():
        if sym.generic:
            continue
        shape = size_of(sym.shape, sizes)
        v = rng.normal(0, 1, shape)
        if "positive" in sym.assume:
            v = np.abs(v) + 0.5
        if "positive-definite" in sym.assume:  # L Lᵀ/n + I/2: eigenvalues at least 1/2
            low = np.tril(v)
            v = low @ low.T / shape[0] + np.eye(shape[0]) / 2
            if "positive" in sym.assume:
                v = np.abs(v)  # entrywise positive too: |·| of a PD matrix is not always PD
                v = v + np.eye(shape[0]) * (np.abs(v).sum(axis=1).max())
        else:
            if "symmetric" in sym.assume:
                v = (v + v.T) / 2
            if "invertible" in sym.assume:
                v = v + shape[0] * np.eye(shape[0]) * np.sign(rng.normal())
        values[name] = v
        if sym.variable:
            dv = rng.normal(0, 1, shape)
            diffs[name] = (dv + dv.T) / 2 if "symmetric" in sym.assume else dv
    return values, diffs


def random_evaluator(der: Derivation, sizes: dict[str, int], rng: np.random.Generator,
                     positive: bool = False) -> NumericEvaluator:
    """An evaluator at a random point of `sizes` (positive values when asked, except for
    symmetric and invertible matrices), random stand-ins for the generic functions, and one
    entry per linear assumption moved so that the assumption holds."""
    values, diffs = random_point(der, sizes, rng)
    if positive:
        values = {n: np.abs(v) + 0.5 if not der.symbols[n].assume & {"symmetric", "invertible"} else v
                  for n, v in values.items()}
    funcs = RandomFunctions(rng)
    functions: dict[str, object] = {}
    for fn in der.functions.values():
        functions[fn.name] = funcs.elementwise()
    for name, sym in der.symbols.items():
        if sym.generic:
            inputs = sum(int(np.prod(size_of(der.symbols[d].shape, sizes))) for d in sym.of)
            functions[name] = funcs.dependent(inputs, *size_of(sym.shape, sizes))
    ev = NumericEvaluator(der, sizes, values, diffs, functions)
    return _satisfy_assumptions(ev, der)


def _satisfy_assumptions(ev: NumericEvaluator, der: Derivation) -> NumericEvaluator:
    """Move one entry per linear assumption so that it holds (affine solve in that entry)."""
    for a in der.assumptions:
        target = _last_variable(a, der)
        if target is None:
            continue
        v = ev.values[target]
        for idx in reversed(list(np.ndindex(*v.shape))):
            def residual(t: float) -> float:
                w = v.copy()
                w[idx] = t
                e = ev.with_values({**ev.values, target: w})
                with np.errstate(all="ignore"):  # an undefined assumption is not solved for
                    return float((e.evaluate(a.lhs.tree) - e.evaluate(a.rhs.tree)).ravel()[0])
            r0, r1 = residual(0.0), residual(1.0)
            if abs(r1 - r0) > 1e-12:
                v = v.copy()
                v[idx] = -r0 / (r1 - r0)
                ev = ev.with_values({**ev.values, target: v})
                break
    return ev


def _last_variable(a, der: Derivation) -> str | None:  # noqa: ANN001
    names = [n.name for e in (a.lhs, a.rhs) for n in e.tree.walk() if isinstance(n, Name) and n.name in der.symbols]
    names = [n for n in names if not der.symbols[n].generic]
    return names[-1] if names else None
