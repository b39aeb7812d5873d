"""Expression trees as NumPy code, and the helpers that code calls.

Every module `docgen export-numpy` writes starts with PRELUDE: 2-D float arrays throughout
(`_arr`, `_s`), the matrix product (`_mm`), the functions docgen knows beyond NumPy's, and the
finite differences (`_jac` for D(f, x), `_dif` for d(f)) that Printer emits for derivatives;
`_shape` and `_report` serve the exported functions and their checks (export.py).

Names are validated identifiers (py adds a trailing underscore to keywords and to the names the
generated module uses itself); numbers are exact fractions printed as float divisions.
"""

from __future__ import annotations

import keyword
from fractions import Fraction

from ..model.errors import DocgenError
from ..model.expr import BinOp, Call, Dots, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import Derivation

_ELEMENTWISE = {
    "exp": "np.exp", "log": "np.log", "tanh": "np.tanh", "sigmoid": "_sigmoid",
    "softplus": "_softplus", "sqrt": "np.sqrt", "sin": "np.sin", "cos": "np.cos", "abs": "np.abs",
    "tan": "np.tan", "sinh": "np.sinh", "cosh": "np.cosh", "arctan": "np.arctan",
}
_WHOLE = ("softmax", "logsumexp", "sum", "norm", "diag", "tr", "det", "inv")  # of whole arrays
RESERVED = {"np", "gradient_check"}  # names the generated module defines itself

# The start of every generated module, after its docstring: what the printed code calls.
PRELUDE = '''\
import numpy as np

STEP = 1e-6
RTOL, ATOL = 1e-5, 1e-7


def _arr(a):
    """Every value is a 2-D float array: a scalar is 1x1, a vector a column."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    return a


def _s(v):
    return np.array([[float(v)]])


def _mm(a, b):
    """The matrix product; a 1x1 factor acts as a scalar."""
    if a.shape[1] == b.shape[0]:
        return a @ b
    return a * b


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softplus(a):
    return np.logaddexp(0, a)


def _softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def _logsumexp(a):
    m = a.max()
    return _s(m + np.log(np.exp(a - m).sum()))


def _jac(f, x, numerator=False, stacked=False):
    """D(f, x) by central differences: the shape of x for a scalar f (of vec(x) when stacked: x's
    entries column by column), the shape of f for a matrix f and a scalar x, else (entries of x)
    x (entries of f)."""
    x = _arr(x)
    h = STEP * (1 + np.abs(x).max())
    cols = []
    shape = (1, 1)
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        slope = (f(plus) - f(minus)) / (2 * h)
        shape = slope.shape
        cols.append(slope.ravel())
    jac = np.array(cols)
    if stacked:
        jac = jac[np.arange(x.size).reshape(x.shape).T.ravel()]
    if x.size == 1 and min(shape) > 1:
        return jac.reshape(shape)
    den = jac.reshape(-1 if stacked else x.shape[0], 1 if stacked else x.shape[1]) if jac.shape[1] == 1 else jac
    return den.T if numerator else den


def _dif(f):
    """d(f): the derivative of t -> f(t) at t = 0 (f moves every variable along its differential)."""
    h = STEP
    return (f(h) - f(-h)) / (2 * h)


def _shape(a, shape, name):
    if a.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {a.shape}")
    return a


def _report(label, value, expected):
    ok = value.shape == expected.shape and bool(np.allclose(value, expected, rtol=RTOL, atol=ATOL))
    err = float(np.abs(value - expected).max()) if value.shape == expected.shape else float("inf")
    print(f"{'OK' if ok else 'FAIL'} {label}: max abs difference {err:.2e}")
    return ok
'''


def py(name: str) -> str:
    """A docgen name as a Python identifier (names are validated; keywords get a trailing _)."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        return name + "_"
    return name


def dname(name: str) -> str:
    """The argument holding d(name); docgen names never end in '_', so this cannot collide."""
    return "d" + name + "_"


def fraction_code(v: Fraction) -> str:
    """An exact number as code: an integer as a float literal (2.0), else a division (1 / 3)."""
    return repr(float(v)) if v.denominator == 1 else f"({v.numerator} / {v.denominator})"


class Printer:
    """Expression tree -> NumPy code. `env` maps docgen names to code; definitions not in `env`
    are inlined (recursively, with the same env), so that finite differences see every
    dependence."""

    def __init__(self, der: Derivation, dcode=dname):  # noqa: ANN001
        self.der = der
        self.depth = 0
        self.dcode = dcode  # the code of d(name) for a variable symbol

    def code(self, node: Node, env: dict[str, str]) -> str:
        return getattr(self, "_" + type(node).__name__)(node, env)

    def _Num(self, node: Num, env: dict[str, str]) -> str:
        return f"_s({fraction_code(node.value)})"

    def _Name(self, node: Name, env: dict[str, str]) -> str:
        name = node.name
        if name in env:
            return env[name]
        if name in self.der.dims:
            return f"_s({py(name)})"
        if name in self.der.definitions:
            return "(" + self.code(self.der.definitions[name].expr.tree, env) + ")"
        sym = self.der.symbols.get(name)
        if sym is not None and sym.generic:
            raise DocgenError(f"{self.der.id}: {name} is a generic function "
                              f"(of: {', '.join(sym.of)}); "
                              "a derivation with generic functions cannot be exported")
        return py(name)

    def _Neg(self, node: Neg, env: dict[str, str]) -> str:
        return f"(-{self.code(node.arg, env)})"

    def _Transpose(self, node: Transpose, env: dict[str, str]) -> str:
        return f"{self.code(node.arg, env)}.T"

    def _Pow(self, node: Pow, env: dict[str, str]) -> str:
        return f"({self.code(node.base, env)} ** {fraction_code(node.exp)})"

    def _BinOp(self, node: BinOp, env: dict[str, str]) -> str:
        a, b = self.code(node.left, env), self.code(node.right, env)
        if node.op == "@":
            return f"_mm({a}, {b})"
        if node.op == "**":  # a symbolic exponent (a 1x1 array broadcasts)
            return f"np.power({a}, {b})"
        return f"({a} {node.op} {b})"

    def _dim(self, node: Node) -> str:
        if isinstance(node, Num):
            return str(int(node.value))
        assert isinstance(node, Name)
        return py(node.name)

    # -- entries and index variables: Python loops over 1-based index values ----------------
    def _index(self, ix: Node, env: dict[str, str]) -> str:
        if isinstance(ix, Num):
            return str(int(ix.value))
        if isinstance(ix, BinOp):
            return f"({self._index(ix.left, env)} - {int(ix.right.value)})"  # type: ignore[attr-defined]
        assert isinstance(ix, Name)
        return env.get("#" + ix.name) or py(ix.name)

    def _Entry(self, node: Entry, env: dict[str, str]) -> str:
        base = self.code(node.base, env)
        at = [self._index(i, env) for i in node.indices]
        if len(at) == 1:
            return f"_s(np.ravel({base})[{at[0]} - 1])"
        return f"_s(({base})[{at[0]} - 1, {at[1]} - 1])"

    def _Literal(self, node: Literal, env: dict[str, str]) -> str:
        if node.has_dots or any(isinstance(e, Dots) for r in node.rows for e in r):
            raise DocgenError(f"{self.der.id}: a matrix with '...' has no value to export")
        rows = ["[" + ", ".join(self.code(e, env) for e in row) + "]" for row in node.rows]
        return "np.block([" + ", ".join(rows) + "])"

    def _indexed(self, node: Call, env: dict[str, str]) -> str:
        f, args = node.func, node.args
        if f == "delta":
            a, b = (self._index(x, env) for x in args)
            return f"_s(float({a} == {b}))"
        if f == "basis":
            return f"np.eye({self._dim(args[0])})[:, [{self._index(args[1], env)} - 1]]"
        *names, body = args
        loops = {n.name: f"_k_{n.name}" for n in names}  # type: ignore[attr-defined]
        inner = {**env, **{"#" + n: v for n, v in loops.items()}}
        code = self.code(body, inner)
        ranges = [f"for {v} in range(1, {py(self.der.indices[n])} + 1)" for n, v in loops.items()]
        if f == "sum":
            return f"sum({code} {ranges[0]})"
        if f == "vector":
            return f"np.block([[{code}] {ranges[0]}])"
        return f"np.block([[{code} {ranges[1]}] {ranges[0]}])"

    def _Call(self, node: Call, env: dict[str, str]) -> str:
        f, args = node.func, node.args
        if f in ("delta", "basis", "matrix", "vector") or (f == "sum" and len(args) == 2):
            return self._indexed(node, env)
        if f in ("ones", "zeros"):
            cols = self._dim(args[1]) if len(args) > 1 else "1"
            return f"np.{f}(({self._dim(args[0])}, {cols}))"
        if f == "eye":
            return f"np.eye({self._dim(args[0])})"
        if f == "D":
            return self._derivative(node, env)
        if f == "d":
            return self._differential(args[0], env)
        if f == "kron":
            return f"np.kron({self.code(args[0], env)}, {self.code(args[1], env)})"
        if f == "vec":
            return f"{self.code(args[0], env)}.reshape(-1, 1, order='F')"
        if f == "matpow":
            return f"np.linalg.matrix_power({self.code(args[0], env)}, {int(args[1].value)})"  # type: ignore[attr-defined]
        if f not in _ELEMENTWISE and f not in _WHOLE:
            raise DocgenError(f"{self.der.id}: {f} is a generic function; a derivation with "
                              "generic functions cannot be exported")
        a = self.code(args[0], env)
        if f in _ELEMENTWISE:
            return f"{_ELEMENTWISE[f]}({a})"
        return {
            "softmax": f"_softmax({a})",
            "logsumexp": f"_logsumexp({a})",
            "sum": f"_s(np.sum({a}))",
            "norm": f"_s(np.linalg.norm({a}))",
            "diag": f"np.diag({a}.ravel())",
            "tr": f"_s(np.trace({a}))",
            "det": f"_s(np.linalg.det({a}))",
            "inv": f"np.linalg.inv({a})",
        }[f]

    def _derivative(self, node: Call, env: dict[str, str]) -> str:
        fnode, xnode = node.args
        if isinstance(xnode, Entry):  # ∂f/∂x_k: the entry k of the gradient of a scalar f
            whole = self._derivative(Call("D", (fnode, xnode.base)), env)
            return self._Entry(Entry(Name("_"), xnode.indices), {**env, "_": whole})
        stacked = ", stacked=True" if isinstance(xnode, Call) else ""  # D(f, vec(X))
        if isinstance(xnode, Call):
            xnode = xnode.args[0]
        assert isinstance(xnode, Name)
        self.depth += 1
        var = f"_v{self.depth}"
        try:
            body = self.code(fnode, {**env, xnode.name: var})
        finally:
            self.depth -= 1
        at = self.code(xnode, env)
        numerator = ", numerator=True" if self.der.layout == "numerator" else ""
        return f"_jac(lambda {var}: {body}, {at}{numerator}{stacked})"

    def _differential(self, fnode: Node, env: dict[str, str]) -> str:
        self.depth += 1
        var = f"_t{self.depth}"
        try:
            moved = {n: f"({env.get(n, py(n))} + {var} * {self.dcode(n)})"
                     for n, s in self.der.symbols.items() if s.variable}
            body = self.code(fnode, {**env, **moved})
        finally:
            self.depth -= 1
        return f"_dif(lambda {var}: {body})"

