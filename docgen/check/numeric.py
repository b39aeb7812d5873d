"""Expression tree -> NumPy arrays, with derivatives by finite differences (no SymPy).

This is the independent witness: it never sees SymPy's differentiation. `D(f, x)` is a
central-difference Jacobian of the numeric evaluation of f; `d(f)` a directional difference
along the random differentials. Generic functions get random smooth concrete stand-ins, and a
random point is moved so that the linear assumptions hold (random_evaluator).

Values are arrays of shape (..., rows, cols): the leading axes are a batch. A Jacobian
perturbs every entry of x at once: f is evaluated once on a batch of all perturbed copies
(one vectorised call per side), not once per entry, so n = 1000 stays fast; a batch too
large for memory is split into chunks of copies.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..model.expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import Derivation, size_of

Array = np.ndarray
Scalar = Callable[[Array], Array]

STEP = 1e-6
BATCH_FLOATS = 1 << 23  # numbers in one batch of perturbed copies (64 MB of float64)


SINGULAR = 1e12  # max|A| * max|inv(A)| beyond this: A is singular up to rounding


def _inverse(a: Array) -> Array:
    """inv(a) for each matrix of the batch; NaN (no value, like 1/0) for a matrix that is
    singular, or singular up to rounding (LAPACK then returns noise, not an inverse)."""
    try:
        out = np.linalg.inv(a)
    except np.linalg.LinAlgError:  # exactly singular: LAPACK refuses the whole batch
        return np.full(a.shape, np.nan)
    scale = np.abs(a).max(axis=(-2, -1), keepdims=True) * np.abs(out).max(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore"):
        return np.where(scale > SINGULAR, np.nan, out)


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
            parts = np.broadcast_arrays(*[self.values[dep] for dep in sym.of]) if len(sym.of) > 1 \
                else [self.values[sym.of[0]]]
            args = np.concatenate([p.reshape(*p.shape[:-2], -1) for p in parts], axis=-1)
            return impl(args)  # type: ignore[operator]
        if name not in self._defs:
            self._defs[name] = self.evaluate(self.der.definitions[name].expr.tree)
        return self._defs[name]

    def _Neg(self, node: Neg) -> Array:
        return -self.evaluate(node.arg)

    def _Transpose(self, node: Transpose) -> Array:
        return np.swapaxes(self.evaluate(node.arg), -1, -2)

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
        if a.shape[-1] == b.shape[-2]:
            return a @ b
        return a * b  # a 1×1 factor acts as a scalar

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
        whole = (-2, -1)
        if f == "softmax":
            e = np.exp(a - a.max(axis=whole, keepdims=True))
            return e / e.sum(axis=whole, keepdims=True)
        if f == "logsumexp":
            m = a.max(axis=whole, keepdims=True)
            return m + np.log(np.exp(a - m).sum(axis=whole, keepdims=True))
        if f == "sum":
            return a.sum(axis=whole, keepdims=True)
        if f == "norm":
            return np.sqrt((a * a).sum(axis=whole, keepdims=True))
        if f == "diag":
            return a * np.eye(a.shape[-2])  # (..., n, 1) * (n, n): v_i on the diagonal
        if f == "tr":
            return np.trace(a, axis1=-2, axis2=-1)[..., None, None]
        if f == "det":
            return np.linalg.det(a)[..., None, None]
        if f == "inv":
            return _inverse(a)
        raise AssertionError(f"unhandled function {f}")

    def _derivative(self, node: Call) -> Array:
        fnode, xnode = node.args
        name = xnode.name  # type: ignore[attr-defined]
        x = self.values[name] if name in self.values else self.evaluate(xnode)  # an intermediate
        rows, cols = x.shape[-2:]
        if not self.depends(fnode, name):
            f = self.evaluate(fnode)
            shape = (rows, cols) if f.shape[-2:] == (1, 1) else (rows * cols, f.shape[-2])
            den = np.zeros(np.broadcast_shapes(f.shape[:-2], x.shape[:-2]) + shape)
            return den if self.der.layout == "denominator" else np.swapaxes(den, -1, -2)
        k = rows * cols
        h = STEP * (1 + np.abs(x).max())
        # one batch axis in front: copy e of x has entry e moved by ±h; the copies go in chunks
        # so that a batch holds about BATCH_FLOATS numbers whatever the size (a 1000×1000
        # matrix has 10⁶ copies of 10⁶ entries)
        per_copy = max(sum(v.size for v in self.values.values()), x.size, 1)
        chunk = max(1, min(k, BATCH_FLOATS // per_copy))
        parts = []
        for start in range(0, k, chunk):
            stop = min(k, start + chunk)
            basis = np.zeros((stop - start, rows * cols))
            basis[np.arange(stop - start), np.arange(start, stop)] = 1.0
            basis = basis.reshape(stop - start, *([1] * (x.ndim - 2)), rows, cols)
            fp = self.with_values({**self.values, name: x[None] + h * basis}).evaluate(fnode)
            fm = self.with_values({**self.values, name: x[None] - h * basis}).evaluate(fnode)
            parts.append((fp - fm) / (2 * h))
        jac = parts[0] if len(parts) == 1 else np.concatenate(parts)  # (k, ..., f_rows, f_cols)
        if jac.shape[-2:] == (1, 1):  # scalar f: the gradient has x's shape
            den = np.moveaxis(jac[..., 0, 0], 0, -1).reshape(*jac.shape[1:-2], rows, cols)
        else:  # column f: entry (i, j) = ∂f_j/∂x_i
            den = np.moveaxis(jac[..., 0], 0, -2)
        return den if self.der.layout == "denominator" else np.swapaxes(den, -1, -2)

    def depends(self, node: Node, name: str) -> bool:
        """Whether the value of node changes with `name` (through definitions and generics)."""
        for n in node.walk():
            if isinstance(n, Name):
                if n.name == name:
                    return True
                sym = self.der.symbols.get(n.name)
                if sym is not None and name in sym.of:
                    return True
                if n.name in self.der.definitions and n.name not in self.values:
                    if self.depends(self.der.definitions[n.name].expr.tree, name):
                        return True
        return False

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
