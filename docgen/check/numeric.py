"""Expression tree -> NumPy arrays, with numeric derivatives (no SymPy).

This is the independent witness: it never sees SymPy's differentiation. `D(f, x)` is the
Jacobian of the numeric evaluation of f, `d(f)` its derivative along the random differentials,
both by the complex step (below). The random points, with random smooth stand-ins for generic
functions and the linear assumptions satisfied, are made in points.py.

Derivatives by the complex step: at a real point, f'(x) = Im f(x + ih) / h + O(h²) for every f
analytic there, and nothing is subtracted, so there is no cancellation: h can be tiny, and
h = 1e-20 gives each entry of a derivative to a few units of rounding of that entry, whatever
the size of f. Central differences (f(x+h) - f(x-h)) / 2h, used before, lose eps·|f|/h to
cancellation on top of the truncation h²|f'''|/6, i.e. they are exact only relative to |f|, not
per entry. Measured (largest relative error of an entry of the derivative):

    gradient of 1ᵀexp(x) at x = (16, 2, 1/2):    central 3.9e-6, 4-point 3.2e-7, complex 1.3e-16
    gradient of 1ᵀexp(x) at x = (30, 2, 1/2):    central 1.0,    4-point 0.24,   complex 1.3e-16
    gradient of softmax(x)₁ at x = (16, 2, 1/2): central 4.8e-6, 4-point 5.5e-7, complex 1.1e-11
    gradient of 1ᵀexp(x) at N(0, 1), n = 1000:  central 3.9e-7, 4-point 8.9e-10, complex 1.6e-16

(central: h = 1e-6·(1 + max|x|) as before; 4-point: h = eps^(1/5)·(1 + |xᵢ|), four evaluations
per entry). A correct worked example at x = (16, 2, 0.5) failed its cross-check with central
differences; the complex step costs one complex evaluation instead of two real ones.

Every operation is analytic or made so on complex values: |a| is a·sign(Re a), the max in softmax
and logsumexp is a constant shift (of the real parts), a power of a negative base goes through
its mirror in the right half-plane (no branch cut crossed), and log, sqrt and fractional powers
give NaN off their real domain as the real functions do. A non-finite value (an overflow in
exp, a log of a negative number) is the caller's "not evaluable here"; no floating-point warning
leaves `evaluate`.

A nested derivative cannot take a complex step twice: at a point that already carries one, a
derivative falls back to central differences with the relative step eps^(1/3), which balances
their two errors, and records their noise (Stats.noise) for the caller's tolerance.

Values are arrays of shape (..., rows, cols): the leading axes are a batch. A Jacobian
perturbs every entry of x at once: f is evaluated once on a batch of all perturbed copies
(one vectorised call), not once per entry, so n = 1000 stays fast; a batch too large for
memory is split into chunks of copies.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import Derivation
from .operators import kron_arrays, matrix_power_arrays, vec_arrays

Array = np.ndarray
Scalar = Callable[[Array], Array]

EPS = float(np.finfo(float).eps)
CS_STEP = 1e-20  # the complex step: h² vanishes next to any value, h·|x| stays far from underflow
FD_STEP = EPS ** (1 / 3)  # relative step of central differences (at a complex point only)
# relative noise of one central difference, as a fraction of the largest magnitude met (|f|
# among it): cancellation eps·|f|/h with h ≥ FD_STEP, plus truncation h²·|f'''|/6 (taken as
# FD_STEP² of that magnitude)
FD_NOISE = 4 * EPS / FD_STEP + FD_STEP ** 2
BATCH_FLOATS = 1 << 23  # numbers in one batch of perturbed copies (64 MB of float64)


class Stats:
    """What evaluating one expression met: `peak`, the largest finite magnitude of any value
    (inputs, intermediates, result; tracked only when `track`, as it costs a pass per node), and
    `noise`, the relative error of the derivatives taken as a fraction of `peak` (0 with complex
    steps only, FD_NOISE once central differences were needed). Rounding aside, the value is
    within noise·peak of the exact one."""

    def __init__(self, track: bool = False):
        self.track = track
        self.peak = 0.0
        self.noise = 0.0

    def reset(self) -> None:
        self.peak, self.noise = 0.0, 0.0

    def see(self, a: Array) -> None:
        m = np.abs(a)
        m = m[np.isfinite(m)]
        if m.size:
            self.peak = max(self.peak, float(m.max()))


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


class NumericEvaluator:
    """Evaluates trees with float64 arrays (complex128 under a complex step); every value is a
    2-D array."""

    def __init__(self, der: Derivation, sizes: dict[str, int], values: dict[str, Array],
                 differentials: dict[str, Array], functions: dict[str, object],
                 stats: Stats | None = None):
        self.der = der
        self.sizes = sizes
        self.values = dict(values)
        self.differentials = differentials
        self.functions = functions  # generic name -> callable (elementwise: (f, f'))
        self.stats = stats if stats is not None else Stats()  # shared with with_values()
        self._defs: dict[str, tuple[Array, float, float]] = {}  # value, what computing it met
        self.env: dict[str, int] = {}  # index variable -> its value (1-based) while it is bound

    def with_values(self, values: dict[str, Array]) -> NumericEvaluator:
        out = NumericEvaluator(self.der, self.sizes, values, self.differentials, self.functions,
                               self.stats)
        out.env = dict(self.env)
        return out

    def evaluate(self, node: Node) -> Array:
        """The value of a tree; NaN or ±inf where floats cannot evaluate it (an overflow, a log
        of a negative number), with no floating-point warning."""
        with np.errstate(all="ignore"):
            return self._eval(node)

    def _eval(self, node: Node) -> Array:
        out = getattr(self, "_" + type(node).__name__)(node)
        if self.stats.track:
            self.stats.see(out)
        return out

    def carries_step(self) -> bool:
        """Whether this point carries a complex step already (inside an outer derivative)."""
        return any(np.iscomplexobj(v) for v in self.values.values())

    # -- entries and index variables --------------------------------------------------------
    def index_value(self, ix: Node) -> int:
        if isinstance(ix, Num):
            return int(ix.value)
        if isinstance(ix, BinOp):
            return self.index_value(ix.left) - int(ix.right.value)  # type: ignore[attr-defined]
        return self.env[ix.name] if ix.name in self.env else self.sizes[ix.name]  # type: ignore[attr-defined]

    def position(self, node: Entry, shape: tuple) -> tuple[int, int]:
        idx = [self.index_value(i) - 1 for i in node.indices]
        if len(idx) == 2:
            return idx[0], idx[1]
        return (idx[0], 0) if shape[-1] == 1 else (0, idx[0])

    def _Entry(self, node: Entry) -> Array:
        a = self._eval(node.base)
        r, c = self.position(node, a.shape)
        return a[..., r:r + 1, c:c + 1]

    def _Literal(self, node: Literal) -> Array:
        return _assemble([[self._eval(e) for e in row] for row in node.rows])

    def _indexed_call(self, node: Call) -> Array:
        f = node.func
        if f == "delta":
            a, b = (self.index_value(x) for x in node.args)
            return np.array([[float(a == b)]])
        if f == "basis":
            size = int(node.args[0].value) if isinstance(node.args[0], Num) else self.sizes[node.args[0].name]  # type: ignore[attr-defined]
            out = np.zeros((size, 1))
            out[self.index_value(node.args[1]) - 1, 0] = 1.0
            return out
        *names, body = node.args
        names = [n.name for n in names]  # type: ignore[attr-defined]
        sizes = [self.sizes[self.der.indices[n]] for n in names]
        saved = dict(self.env)
        values = []
        try:
            for combo in np.ndindex(*sizes):
                self.env.update({n: v + 1 for n, v in zip(names, combo)})
                values.append(self._eval(body))
        finally:
            self.env = saved
        if f == "sum":
            total = values[0]
            for v in values[1:]:
                total = total + v
            return total
        if f == "table":  # rows over the first two indices, columns over the rest
            cols = int(np.prod(sizes[2:]))
            return _assemble([values[r * cols:(r + 1) * cols] for r in range(int(np.prod(sizes[:2])))])
        cols = sizes[1] if f == "matrix" else 1
        return _assemble([values[r * cols:(r + 1) * cols] for r in range(sizes[0])])

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
                return self._eval(impl)
            parts = np.broadcast_arrays(*[self.values[dep] for dep in sym.of]) if len(sym.of) > 1 \
                else [self.values[sym.of[0]]]
            args = np.concatenate([p.reshape(*p.shape[:-2], -1) for p in parts], axis=-1)
            return impl(args)  # type: ignore[operator]
        stats = self.stats
        if name not in self._defs:
            peak, noise = stats.peak, stats.noise
            stats.peak, stats.noise = 0.0, 0.0
            value = self._eval(self.der.definitions[name].expr.tree)
            self._defs[name] = (value, stats.peak, stats.noise)
            stats.peak, stats.noise = max(peak, stats.peak), max(noise, stats.noise)
            return value
        value, peak, noise = self._defs[name]  # what computing it met counts at every use
        stats.peak, stats.noise = max(stats.peak, peak), max(stats.noise, noise)
        return value

    def _Neg(self, node: Neg) -> Array:
        return -self._eval(node.arg)

    def _Transpose(self, node: Transpose) -> Array:
        return np.swapaxes(self._eval(node.arg), -1, -2)  # no conjugate: analytic

    def _Pow(self, node: Pow) -> Array:
        base, p = self._eval(node.base), float(node.exp)
        if not np.iscomplexobj(base):
            return base ** p
        # NumPy takes z**p as exp(p·log z) beyond small integers p: for a negative base the
        # step's phase, ~h/|z|, is lost next to p·π. Mirror the base into the right half-plane;
        # an integer power then only changes sign, a fractional power of a negative number is
        # NaN, as for reals.
        negative = base.real < 0
        out = np.where(negative, -base, base) ** p
        if p.is_integer():
            return np.where(negative, -out, out) if p % 2 else out
        return np.where(negative, NAN, out)

    def _BinOp(self, node: BinOp) -> Array:
        a, b = self._eval(node.left), self._eval(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "**":  # a symbolic exponent: exp(b·log a), defined where a > 0
            return np.exp(b * _log(a))
        if node.op == "*":
            return a * b  # a 1×1 array broadcasts as a scalar
        if node.op == "/":
            return a / b
        if a.shape[-1] == b.shape[-2]:
            return a @ b
        return a * b  # a 1×1 factor acts as a scalar

    def _Call(self, node: Call) -> Array:
        f = node.func
        if f in ("delta", "basis", "matrix", "vector", "table") or (f == "sum" and len(node.args) == 2):
            return self._indexed_call(node)
        if f == "D":
            return self._derivative(node)
        if f == "matpow":
            return matrix_power_arrays(self._eval(node.args[0]), int(node.args[1].value), _inverse)  # type: ignore[attr-defined]
        if f == "kron":
            return kron_arrays(self._eval(node.args[0]), self._eval(node.args[1]))
        if f in ("ones", "zeros", "eye"):
            dims = [int(a.value) if isinstance(a, Num) else self.sizes[a.name] for a in node.args]  # type: ignore[attr-defined]
            if f == "eye":
                return np.eye(dims[0])
            shape = (dims[0], dims[1] if len(dims) > 1 else 1)
            return np.ones(shape) if f == "ones" else np.zeros(shape)
        if f == "d":
            return self._differential(node.args[0])
        a = self._eval(node.args[0])
        if f in ELEMENTWISE_NUMPY:
            return ELEMENTWISE_NUMPY[f](a)
        for fn in self.der.functions.values():
            if f in (fn.name, fn.derivative):
                pair = self.functions[fn.name]
                return pair[0 if f == fn.name else 1](a)  # type: ignore[index]
        whole = (-2, -1)
        if f == "softmax":  # any constant shift gives the same function: the real max is one
            e = np.exp(a - a.real.max(axis=whole, keepdims=True))
            return e / e.sum(axis=whole, keepdims=True)
        if f == "logsumexp":
            m = a.real.max(axis=whole, keepdims=True)
            return m + np.log(np.exp(a - m).sum(axis=whole, keepdims=True))
        if f == "sum":
            return a.sum(axis=whole, keepdims=True)
        if f == "norm":  # a * a, not |a|²: analytic
            return _sqrt((a * a).sum(axis=whole, keepdims=True))
        if f == "diag":
            return a * np.eye(a.shape[-2])  # (..., n, 1) * (n, n): v_i on the diagonal
        if f == "vec":
            return vec_arrays(a)
        if f == "tr":
            return np.trace(a, axis1=-2, axis2=-1)[..., None, None]
        if f == "det":
            return np.linalg.det(a)[..., None, None]
        if f == "inv":
            return _inverse(a)
        raise AssertionError(f"unhandled function {f}")

    def _entry_derivative(self, fnode: Node, xnode: Entry) -> Array:
        """∂f/∂x_k of a scalar f: the slope of f along the entry k of x."""
        name = xnode.base.name  # type: ignore[attr-defined]
        x = self.values[name]
        if not self.depends(fnode, name):
            return np.zeros(x.shape[:-2] + (1, 1))
        r, c = self.position(xnode, x.shape)
        direction = np.zeros(x.shape[-2:])
        direction[r, c] = 1.0
        step = not (self.carries_step() or np.iscomplexobj(x))
        h = CS_STEP if step else FD_STEP * (1 + float(np.abs(x).max()))
        return self._slope(fnode, {name: (x, direction)}, h, step)

    def _derivative(self, node: Call) -> Array:
        fnode, xnode = node.args
        if isinstance(xnode, Entry):
            return self._entry_derivative(fnode, xnode)
        stacked = isinstance(xnode, Call)  # D(f, vec(X)): X's entries in column-major order
        if stacked:
            xnode = xnode.args[0]  # type: ignore[union-attr]
        name = xnode.name  # type: ignore[attr-defined]
        x = self.values[name] if name in self.values else self._eval(xnode)  # an intermediate
        rows, cols = x.shape[-2:]
        if not self.depends(fnode, name):
            f = self._eval(fnode)
            fr, fc = f.shape[-2:]
            if (fr, fc) == (1, 1):
                shape = (rows * cols, 1) if stacked else (rows, cols)
            elif rows * cols == 1 and fr != 1 and fc != 1:
                return np.zeros(np.broadcast_shapes(f.shape[:-2], x.shape[:-2]) + (fr, fc))
            else:
                shape = (rows * cols, fr * fc)
            den = np.zeros(np.broadcast_shapes(f.shape[:-2], x.shape[:-2]) + shape)
            return den if self.der.layout == "denominator" else np.swapaxes(den, -1, -2)
        k = rows * cols
        step = not (self.carries_step() or np.iscomplexobj(x))
        h = CS_STEP if step else FD_STEP * (1 + float(np.abs(x).max()))
        # one batch axis in front: copy e of x has entry e moved by ih (or ±h); the copies go in
        # chunks so that a batch holds about BATCH_FLOATS numbers whatever the size (a 1000×1000
        # matrix has 10⁶ copies of 10⁶ entries); a complex number counts as two
        per_copy = 2 * max(sum(v.size for v in self.values.values()), x.size, 1)
        chunk = max(1, min(k, BATCH_FLOATS // per_copy))
        parts = []
        for start in range(0, k, chunk):
            stop = min(k, start + chunk)
            basis = np.zeros((stop - start, rows * cols))
            basis[np.arange(stop - start), np.arange(start, stop)] = 1.0
            basis = basis.reshape(stop - start, *([1] * (x.ndim - 2)), rows, cols)
            parts.append(self._slope(fnode, {name: (x[None], basis)}, h, step))
        jac = parts[0] if len(parts) == 1 else np.concatenate(parts)  # (k, ..., f_rows, f_cols)
        if stacked:  # the copies in column-major order of X's entries
            jac = jac[np.arange(k).reshape(rows, cols).T.ravel()]
            rows, cols = k, 1
        fr, fc = jac.shape[-2:]
        if (fr, fc) == (1, 1):  # scalar f: the gradient has x's shape
            den = np.moveaxis(jac[..., 0, 0], 0, -1).reshape(*jac.shape[1:-2], rows, cols)
        elif k == 1 and fr != 1 and fc != 1:  # ∂Y/∂t: Y's shape in both layouts
            return jac[0]
        else:  # a column f, or a row read as a column: entry (i, j) = ∂f_j/∂x_i
            den = np.moveaxis(jac.reshape(*jac.shape[:-2], fr * fc), 0, -2)
        return den if self.der.layout == "denominator" else np.swapaxes(den, -1, -2)

    def _slope(self, fnode: Node, moves: dict[str, tuple[Array, Array]], h: float,
               step: bool) -> Array:
        """The derivative of f along the directions of `moves` (name -> (value, direction)):
        Im f(x + ih·v) / h, or at a point that carries a complex step already the central
        difference (f(x + h·v) - f(x - h·v)) / 2h, whose noise is recorded."""
        if step:
            moved = {n: x + 1j * h * v for n, (x, v) in moves.items()}
            return step_slope(self.with_values({**self.values, **moved}).evaluate(fnode), h)
        self.stats.noise = max(self.stats.noise, FD_NOISE)
        plus = self.with_values({**self.values, **{n: x + h * v for n, (x, v) in moves.items()}})
        minus = self.with_values({**self.values, **{n: x - h * v for n, (x, v) in moves.items()}})
        return (plus.evaluate(fnode) - minus.evaluate(fnode)) / (2 * h)

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
        """d(f): the derivative of f along the differentials, as D takes it."""
        moves = {n: (v, self.differentials[n]) for n, v in self.values.items()
                 if n in self.differentials}
        if not moves:
            return np.zeros_like(self._eval(fnode))
        step = not self.carries_step()
        scale = max(float(np.abs(v).max()) for v in self.values.values())
        return self._slope(fnode, moves, CS_STEP if step else FD_STEP * (1 + scale), step)


def _assemble(rows: list[list[Array]]) -> Array:
    """A matrix from a grid of 1×1 values (each with the same batch axes, or none)."""
    cells = np.broadcast_arrays(*[np.asarray(c) for row in rows for c in row])
    it = iter(cells)
    grid = [[next(it) for _ in row] for row in rows]
    return np.concatenate([np.concatenate(row, axis=-1) for row in grid], axis=-2)


def step_slope(value: Array, h: float) -> Array:
    """The derivative read off f(x + ih): Im f / h where f is finite, NaN where it is not (an
    overflow, a log of a negative number: not evaluable, though Im may be a harmless 0); a
    real result means f did not depend on the step after all."""
    if not np.iscomplexobj(value):
        return np.where(np.isfinite(value), 0.0, np.nan)
    return np.where(np.isfinite(value.real), value.imag / h, np.nan)


NAN = complex(np.nan, np.nan)  # off the domain: both parts, so that Im / h is NaN too


# Elementwise functions, for real and complex arrays alike. Off a function's real domain the
# complex function would give a finite number from another branch: there the result is what the
# real function gives (NaN, or -inf for log 0), so that a point outside the domain shows.
def _log(a: Array) -> Array:
    if not np.iscomplexobj(a):
        return np.log(a)
    inside = a.real > 0
    return np.where(inside, np.log(np.where(inside, a, 1)), np.where(a.real == 0, -np.inf, NAN))


def _sqrt(a: Array) -> Array:
    if not np.iscomplexobj(a):
        return np.sqrt(a)
    inside = (a.real > 0) | (a == 0)  # sqrt(±ih): an infinite slope at 0, not evaluable
    return np.where(inside, np.sqrt(a), NAN)


def _abs(a: Array) -> Array:
    """|a|; on a complex step a·sign(Re a), analytic away from 0 (np.abs is the modulus)."""
    return np.where(a.real < 0, -a, a) if np.iscomplexobj(a) else np.abs(a)


def _sigmoid(a: Array) -> Array:
    """e^a / (e^a + 1), both terms divided by e^m, m = max(Re a, 0): no overflow either way."""
    m = np.maximum(a.real, 0)
    e = np.exp(a - m)
    return e / (e + np.exp(-m))


def _softplus(a: Array) -> Array:
    """log(1 + e^a) = m + log(e^-m + e^(a-m)), m = max(Re a, 0) (np.logaddexp for reals)."""
    if not np.iscomplexobj(a):
        return np.logaddexp(0, a)
    m = np.maximum(a.real, 0)
    return m + np.log(np.exp(-m) + np.exp(a - m))


ELEMENTWISE_NUMPY: dict[str, Callable[[Array], Array]] = {
    "exp": np.exp,
    "log": _log,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "sqrt": _sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "abs": _abs,
    "tan": np.tan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
}
