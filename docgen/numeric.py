"""Expression tree -> NumPy arrays, with derivatives by finite differences (no SymPy).

This is the independent witness: it never sees SymPy's differentiation. `D(f, x)` is a
central-difference Jacobian of the numeric evaluation of f; `d(f)` a directional difference
along the random differentials. Generic functions get random smooth concrete stand-ins.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .concrete import size_of
from .expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from .model import Derivation

Array = np.ndarray
Scalar = Callable[[Array], Array]

STEP = 1e-6


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
        k = rows * cols
        A = self.rng.normal(0, 1 / np.sqrt(max(inputs, 1)), (k, inputs))
        B = self.rng.normal(0, 1 / np.sqrt(max(inputs, 1)), (k, inputs))
        phase = self.rng.uniform(-1, 1, k)
        return lambda v: (np.sin(A @ v + phase) + 0.3 * (B @ v) ** 2).reshape(rows, cols)


class NumericEvaluator:
    """Evaluates trees with float64 arrays; every value is a 2-D array."""

    def __init__(self, der: Derivation, sizes: dict[str, int], values: dict[str, Array],
                 differentials: dict[str, Array], functions: dict[str, object]):
        self.der = der
        self.sizes = sizes
        self.values = dict(values)
        self.differentials = differentials
        self.functions = functions  # generic name -> callable (elementwise: (f, f'))
        self._defs: dict[str, Array] = {}

    def with_values(self, values: dict[str, Array]) -> NumericEvaluator:
        return NumericEvaluator(self.der, self.sizes, values, self.differentials, self.functions)

    def evaluate(self, node: Node) -> Array:
        return getattr(self, "_" + type(node).__name__)(node)

    def _Num(self, node: Num) -> Array:
        return np.array([[float(node.value)]])

    def _Name(self, node: Name) -> Array:
        name = node.name
        if name in self.values:
            return self.values[name]
        if name in self.sizes:  # a dimension used as a number
            return np.array([[float(self.sizes[name])]])
        sym = self.der.symbols.get(name)
        if sym is not None and sym.generic:
            impl = self.functions[name]
            if isinstance(impl, Node):  # an example's concrete function, in the same variables
                return self.evaluate(impl)
            args = np.concatenate([self.values[dep].ravel() for dep in sym.of])
            return impl(args)  # type: ignore[operator]
        if name not in self._defs:
            self._defs[name] = self.evaluate(self.der.definitions[name].expr.tree)
        return self._defs[name]

    def _Neg(self, node: Neg) -> Array:
        return -self.evaluate(node.arg)

    def _Transpose(self, node: Transpose) -> Array:
        return self.evaluate(node.arg).T

    def _Pow(self, node: Pow) -> Array:
        return self.evaluate(node.base) ** float(node.exp)

    def _BinOp(self, node: BinOp) -> Array:
        a, b = self.evaluate(node.left), self.evaluate(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b  # a 1×1 array broadcasts as a scalar
        if node.op == "/":
            return a / b
        if a.shape[1] == b.shape[0]:
            return a @ b
        return a * b

    def _Call(self, node: Call) -> Array:
        f = node.func
        if f == "D":
            return self._derivative(node)
        if f in ("ones", "zeros", "eye"):
            dims = [int(a.value) if isinstance(a, Num) else self.sizes[a.name] for a in node.args]  # type: ignore[attr-defined]
            if f == "eye":
                return np.eye(dims[0])
            shape = (dims[0], dims[1] if len(dims) > 1 else 1)
            return np.ones(shape) if f == "ones" else np.zeros(shape)
        if f == "d":
            return self._differential(node.args[0])
        a = self.evaluate(node.args[0])
        if f in ELEMENTWISE_NUMPY:
            return ELEMENTWISE_NUMPY[f](a)
        for fn in self.der.functions.values():
            if f in (fn.name, fn.derivative):
                pair = self.functions[fn.name]
                return pair[0 if f == fn.name else 1](a)  # type: ignore[index]
        if f == "softmax":
            e = np.exp(a - a.max())
            return e / e.sum()
        if f == "logsumexp":
            m = a.max()
            return np.array([[m + np.log(np.exp(a - m).sum())]])
        if f == "sum":
            return np.array([[a.sum()]])
        if f == "norm":
            return np.array([[np.sqrt((a * a).sum())]])
        if f == "diag":
            return np.diag(a.ravel())
        if f == "tr":
            return np.array([[np.trace(a)]])
        if f == "det":
            return np.array([[np.linalg.det(a)]])
        if f == "inv":
            return np.linalg.inv(a)
        raise AssertionError(f"unhandled function {f}")

    def _derivative(self, node: Call) -> Array:
        fnode, xnode = node.args
        name = xnode.name  # type: ignore[attr-defined]
        x = self.values[name] if name in self.values else self.evaluate(xnode)  # an intermediate
        h = STEP * (1 + np.abs(x).max())
        cols = []
        for idx in np.ndindex(*x.shape):
            plus, minus = x.copy(), x.copy()
            plus[idx] += h
            minus[idx] -= h
            fp = self.with_values({**self.values, name: plus}).evaluate(fnode)
            fm = self.with_values({**self.values, name: minus}).evaluate(fnode)
            cols.append(((fp - fm) / (2 * h)).ravel())
        jac = np.array(cols)  # (entries of x) × (entries of f)
        if jac.shape[1] == 1:
            den = jac.reshape(x.shape)
        else:
            den = jac
        return den if self.der.layout == "denominator" else den.T

    def _differential(self, fnode: Node) -> Array:
        scale = max(np.abs(v).max() for v in self.values.values()) if self.values else 1.0
        h = STEP * (1 + scale)
        plus = {n: v + h * self.differentials[n] if n in self.differentials else v for n, v in self.values.items()}
        minus = {n: v - h * self.differentials[n] if n in self.differentials else v for n, v in self.values.items()}
        return (self.with_values(plus).evaluate(fnode) - self.with_values(minus).evaluate(fnode)) / (2 * h)


def _sigmoid(a: Array) -> Array:
    return 1 / (1 + np.exp(-a))


ELEMENTWISE_NUMPY: dict[str, Callable[[Array], Array]] = {
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda a: np.logaddexp(0, a),
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "abs": np.abs,
}


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
        if "symmetric" in sym.assume:
            v = (v + v.T) / 2
        if "invertible" in sym.assume:
            v = v + shape[0] * np.eye(shape[0]) * np.sign(rng.normal())
        values[name] = v
        if sym.variable:
            dv = rng.normal(0, 1, shape)
            diffs[name] = (dv + dv.T) / 2 if "symmetric" in sym.assume else dv
    return values, diffs
