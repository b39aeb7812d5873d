"""Expression tree -> explicit SymPy matrices at concrete sizes (exact arithmetic).

Every value is an `ImmutableMatrix`; a scalar is 1×1. Symbols become matrices of real SymPy
symbols named after their entries (x_1, W_12, ...); generic functions become undefined SymPy
functions whose derivatives are again undefined functions. Nothing is parsed from text here:
all SymPy objects are built from the tree and from names validated by the loader.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import sympy as sp
from sympy.matrices.exceptions import NonInvertibleMatrixError

from ..model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose, index_names
from ..model.derivation import Derivation, Shape, size_of
from .operators import kron, matrix_power, vec

Matrix = sp.ImmutableMatrix
Impl = Callable[[sp.Expr], sp.Expr]


def entry_name(name: str, i: int, j: int, rows: int, cols: int) -> str:
    if rows == 1 and cols == 1:
        return name
    if cols == 1:
        return f"{name}_{i + 1}"
    if rows == 1:
        return f"{name}_{j + 1}"
    sep = "," if max(rows, cols) > 9 else ""
    return f"{name}_{i + 1}{sep}{j + 1}"


class GenericFunction:
    """An undefined elementwise function with a chain of derivatives f, f', f'', ..."""

    def __init__(self, name: str):
        self.name = name
        self._classes: list[type] = []

    def order(self, k: int) -> type:
        while len(self._classes) <= k:
            idx = len(self._classes)
            label = self.name + "'" * idx if idx < 4 else f"{self.name}^({idx})"
            owner = self

            def fdiff(fn_self, argindex=1, _k=idx):  # noqa: ANN001
                return owner.order(_k + 1)(fn_self.args[0])

            self._classes.append(type(label, (sp.Function,), {"fdiff": fdiff, "nargs": 1}))
        return self._classes[k]


class Evaluator:
    """Evaluates trees of one derivation at one assignment of sizes."""

    def __init__(self, der: Derivation, sizes: dict[str, int], impl: dict[str, Node] | None = None):
        self.der = der
        self.sizes = sizes
        self.impl = impl or {}
        self.symbols: dict[str, Matrix] = {}
        self.differentials: dict[sp.Symbol, sp.Symbol] = {}
        self.generic: dict[str, GenericFunction] = {}
        self._defs: dict[str, Matrix] = {}
        self._locals: dict[str, Matrix] = {}
        self._memo: dict = {}
        self.env: dict[str, int] = {}  # index variable -> its value (1-based) while it is bound
        for name, sym in der.symbols.items():
            if not sym.generic:
                self.symbols[name] = self._variable(name, sym.shape, sym.assume)
        for name, sym in der.symbols.items():
            if sym.generic:
                self.symbols[name] = self._dependent(name)
        for fn in der.functions.values():
            self.generic[fn.name] = GenericFunction(fn.name)

    # -- leaves -----------------------------------------------------------------------------
    def _variable(self, name: str, shape: Shape, assume: frozenset[str]) -> Matrix:
        rows, cols = size_of(shape, self.sizes)
        kwargs = {"positive": True} if "positive" in assume else {"real": True}
        entries = [[None] * cols for _ in range(rows)]
        for i in range(rows):
            for j in range(cols):
                if "symmetric" in assume and j < i:
                    entries[i][j] = entries[j][i]
                    continue
                s = sp.Symbol(entry_name(name, i, j, rows, cols), **kwargs)
                entries[i][j] = s
                if "constant" not in assume:
                    self.differentials[s] = sp.Symbol("d" + s.name, real=True)
        return Matrix(entries)

    def _dependent(self, name: str) -> Matrix:
        sym = self.der.symbols[name]
        if name in self.impl:
            return self.evaluate(self.impl[name])
        args = [e for dep in sym.of for e in self.symbols[dep]]
        rows, cols = size_of(sym.shape, self.sizes)
        return Matrix(rows, cols, lambda i, j: sp.Function(entry_name(name, i, j, rows, cols), real=True)(*args))

    def differential_of(self, name: str) -> Matrix:
        return self.symbols[name].applyfunc(lambda s: self.differentials.get(s, sp.S.Zero))

    def variable_symbols(self) -> list[sp.Symbol]:
        """Entry symbols of independent symbols, in declaration order."""
        out: list[sp.Symbol] = []
        for name, sym in self.der.symbols.items():
            if not sym.generic:
                out.extend(s for s in self.symbols[name] if s not in out)
        return out

    # -- evaluation -------------------------------------------------------------------------
    def evaluate(self, node: Node) -> Matrix:
        """The value of a tree; whole chain expressions are remembered (a step is the right
        side of one link and the left side of the next)."""
        if self._locals:
            return getattr(self, "_" + type(node).__name__)(node)
        key = node
        if self.env:  # a value depends on the index variables free in it
            used = index_names(node)
            if used:
                key = (node, tuple(sorted((k, v) for k, v in self.env.items() if k in used)))
        hit = self._memo.get(key)
        if hit is None:
            hit = getattr(self, "_" + type(node).__name__)(node)
            self._memo[key] = hit
        return hit

    # -- entries and index variables --------------------------------------------------------
    def index_value(self, ix: Node) -> int:
        """An index's value, 1-based: a bound index variable, a size (the last entry), n - c."""
        if isinstance(ix, Num):
            return int(ix.value)
        if isinstance(ix, BinOp):
            return self.index_value(ix.left) - int(ix.right.value)  # type: ignore[attr-defined]
        assert isinstance(ix, Name)
        return self.env[ix.name] if ix.name in self.env else self.sizes[ix.name]

    def position(self, node: Entry, shape: tuple[int, int]) -> tuple[int, int]:
        """The 0-based (row, column) of an entry of a value of `shape`."""
        idx = [self.index_value(i) - 1 for i in node.indices]
        if len(idx) == 2:
            return idx[0], idx[1]
        return (idx[0], 0) if shape[1] == 1 else (0, idx[0])

    def _Entry(self, node: Entry) -> Matrix:
        a = self.evaluate(node.base)
        r, c = self.position(node, a.shape)
        return Matrix([[a[r, c]]])

    def _Literal(self, node: Literal) -> Matrix:
        assert not node.has_dots  # compared entry by entry (checker), never evaluated whole
        return Matrix([[self.evaluate(e)[0] for e in row] for row in node.rows])

    def bind(self, names: list[str], body: Node, sizes: list[int]) -> list:
        """body's value at every value of the index variables `names` (row-major)."""
        out = []
        saved = dict(self.env)
        try:
            for values in _product(sizes):
                self.env.update(zip(names, values))
                out.append(self.evaluate(body))
        finally:
            self.env = saved
        return out

    def range_of(self, name: str) -> int:
        return self.sizes[self.der.indices[name]]

    def _indexed_call(self, node: Call) -> Matrix:
        f = node.func
        if f == "delta":
            a, b = (self.index_value(x) for x in node.args)
            return Matrix([[sp.Integer(int(a == b))]])
        if f == "basis":
            size, k = self._dim(node.args[0]), self.index_value(node.args[1])
            return Matrix(size, 1, lambda i, j: sp.Integer(int(i == k - 1)))
        *names, body = node.args
        names = [n.name for n in names]  # type: ignore[attr-defined]
        sizes = [self.range_of(n) for n in names]
        values = self.bind(names, body, sizes)
        if f == "sum":
            total = values[0]
            for v in values[1:]:
                total = total + v
            return total
        if f == "table":  # rows over the first two indices, columns over the rest
            cols = _count(sizes[2:])
            return Matrix(_count(sizes[:2]), cols, lambda i, j: values[i * cols + j][0])
        cols = sizes[1] if f == "matrix" else 1
        return Matrix(sizes[0], cols, lambda i, j: values[i * cols + j][0])

    def _Num(self, node: Num) -> Matrix:
        return Matrix([[sp.Rational(node.value.numerator, node.value.denominator)]])

    def _Name(self, node: Name) -> Matrix:
        if node.name in self._locals:
            return self._locals[node.name]
        if node.name in self.symbols:
            return self.symbols[node.name]
        if node.name in self.sizes:  # a dimension used as a number
            return Matrix([[sp.Integer(self.sizes[node.name])]])
        if node.name not in self._defs:
            self._defs[node.name] = self.evaluate(self.der.definitions[node.name].expr.tree)
        return self._defs[node.name]

    def _Neg(self, node: Neg) -> Matrix:
        return -self.evaluate(node.arg)

    def _Transpose(self, node: Transpose) -> Matrix:
        return self.evaluate(node.arg).T

    def _Pow(self, node: Pow) -> Matrix:
        k = sp.Rational(node.exp.numerator, node.exp.denominator)
        return self.evaluate(node.base).applyfunc(lambda e: e**k)

    def _BinOp(self, node: BinOp) -> Matrix:
        a, b = self.evaluate(node.left), self.evaluate(node.right)
        op = node.op
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "**":  # a symbolic exponent b (a scalar)
            return a.applyfunc(lambda e: e ** b[0])
        if op == "*":
            if a.shape == (1, 1):
                return b * a[0]
            if b.shape == (1, 1):
                return a * b[0]
            return a.multiply_elementwise(b)
        if op == "/":
            if b.shape == (1, 1):
                return a / b[0]
            return Matrix(a.rows, a.cols, lambda i, j: a[i, j] / b[i, j])
        if a.cols == b.rows:
            return a * b
        return b * a[0] if a.shape == (1, 1) else a * b[0]

    def _Call(self, node: Call) -> Matrix:
        f = node.func
        if f in ("delta", "basis", "matrix", "vector", "table") or (f == "sum" and len(node.args) == 2):
            return self._indexed_call(node)
        if f == "D":
            return self._derivative(node)
        if f == "matpow":
            return matrix_power(self.evaluate(node.args[0]), int(node.args[1].value))  # type: ignore[attr-defined]
        if f in ("ones", "zeros", "eye"):
            dims = [self._dim(a) for a in node.args]
            if f == "eye":
                return Matrix(sp.eye(dims[0]))
            rows, cols = dims[0], dims[1] if len(dims) > 1 else 1
            return Matrix(sp.ones(rows, cols) if f == "ones" else sp.zeros(rows, cols))
        args = [self.evaluate(a) for a in node.args]
        a = args[0]
        if f == "d":
            return self._differential(a)
        if f in ELEMENTWISE_SYMPY:
            return a.applyfunc(ELEMENTWISE_SYMPY[f])
        if f in self.generic or f in {fn.derivative for fn in self.der.functions.values()}:
            return a.applyfunc(self._generic(f))
        if f == "softmax":
            e = a.applyfunc(sp.exp)
            total = sum(e)
            return e.applyfunc(lambda v: v / total)
        if f == "logsumexp":
            return Matrix([[sp.log(sum(a.applyfunc(sp.exp)))]])
        if f == "sum":
            return Matrix([[sum(a)]])
        if f == "norm":
            return Matrix([[sp.sqrt(sum(v**2 for v in a))]])
        if f == "diag":
            return Matrix(sp.diag(*list(a)))
        if f == "kron":
            return kron(a, args[1])
        if f == "vec":
            return vec(a)
        if f == "tr":
            return Matrix([[a.trace()]])
        if f == "det":
            return Matrix([[a.det(method="berkowitz")]])
        if f == "inv":
            try:
                return Matrix(a.inv(method="LU"))
            except NonInvertibleMatrixError:  # singular at every point: undefined, like 1/0
                return Matrix(a.rows, a.cols, [sp.zoo] * (a.rows * a.cols))
        raise AssertionError(f"unhandled function {f}")  # shapes.py rejects unknown names

    def _dim(self, node: Node) -> int:
        if isinstance(node, Num):
            return int(node.value)
        assert isinstance(node, Name)
        return self.sizes[node.name]

    def _generic(self, f: str) -> Callable[[sp.Expr], sp.Expr]:
        for fn in self.der.functions.values():
            if f in (fn.name, fn.derivative):
                order = 0 if f == fn.name else 1
                if fn.name in self.impl:
                    return self._concrete_function(fn.name, order)
                return self.generic[fn.name].order(order)
        raise AssertionError(f)

    def _concrete_function(self, name: str, order: int) -> Callable[[sp.Expr], sp.Expr]:
        t = sp.Symbol("t", real=True)
        saved = self._locals
        self._locals = {**saved, "t": Matrix([[t]])}
        try:
            body = self.evaluate(self.impl[name])[0]
        finally:
            self._locals = saved
        if order:
            body = sp.diff(body, t, order)
        return lambda u: body.subs(t, u)

    def _derivative(self, node: Call) -> Matrix:
        fnode, xnode = node.args
        if isinstance(xnode, Entry):  # ∂f/∂x_k of a scalar f
            x = self.symbols[xnode.base.name]  # type: ignore[attr-defined]
            r, c = self.position(xnode, x.shape)
            return Matrix([[sp.diff(self.evaluate(fnode)[0], x[r, c])]])
        if isinstance(xnode, Call):  # D(f, vec(X)): by X's entries stacked column by column
            return self._jacobian(self.evaluate(fnode), vec(self.symbols[xnode.args[0].name]))  # type: ignore[attr-defined]
        assert isinstance(xnode, Name)
        if xnode.name in self.der.definitions:
            return self._derivative_by_intermediate(fnode, xnode.name)
        f = self.evaluate(fnode)
        x = self.symbols[xnode.name]
        return self._jacobian(f, x)

    def _jacobian(self, f: Matrix, x: Matrix) -> Matrix:
        """D(f, x) in the layout (shapes.py says which shape): a gradient for a scalar f, ∂Y/∂t
        entry by entry for a matrix f and a scalar x, else entry (i, j) = ∂f_j/∂x_i, a row f
        read as the column fᵀ."""
        if f.shape == (1, 1):
            den = x.applyfunc(lambda v: sp.diff(f[0], v))
        elif x.shape == (1, 1) and f.rows != 1 and f.cols != 1:
            return f.applyfunc(lambda v: sp.diff(v, x[0]))
        else:
            den = Matrix(x.rows, len(f), lambda i, j: sp.diff(f[j], x[i]))
        return den if self.der.layout == "denominator" else den.T

    def _derivative_by_intermediate(self, fnode: Node, name: str) -> Matrix:
        """∂f/∂z for z := expr: z's name becomes free symbols, then takes its value again."""
        value = self._Name(Name(name))
        free = Matrix(value.rows, value.cols, lambda i, j: sp.Dummy(entry_name(name, i, j, value.rows, value.cols)))
        saved_defs, saved_locals = self._defs, self._locals
        self._defs, self._locals = {}, {**saved_locals, name: free}
        try:
            f = self.evaluate(fnode)  # not remembered: locals are set
        finally:
            self._defs, self._locals = saved_defs, saved_locals
        back = dict(zip(free, value))
        return self._jacobian(f, free).xreplace(back)

    def _differential(self, f: Matrix) -> Matrix:
        def total(e: sp.Expr) -> sp.Expr:
            return sp.Add(*[sp.diff(e, s) * ds for s, ds in self.differentials.items() if e.has(s)])

        return f.applyfunc(total)


def _count(sizes: list[int]) -> int:
    out = 1
    for v in sizes:
        out *= v
    return out


def _product(sizes: list[int]) -> list[tuple[int, ...]]:
    """Every tuple of values 1..size, row-major."""
    out: list[tuple[int, ...]] = [()]
    for size in sizes:
        out = [t + (v,) for t in out for v in range(1, size + 1)]
    return out


def _sigmoid(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def _softplus(t: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(t))


ELEMENTWISE_SYMPY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "tanh": sp.tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "abs": sp.Abs,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "arctan": sp.atan,
}


def to_rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)
