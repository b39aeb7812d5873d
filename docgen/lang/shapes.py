"""Shape inference: every expression gets (rows, cols); a mismatch names both shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.errors import Location, ShapeError
from ..model.expr import BinOp, Call, Dots, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import SCALAR, Derivation, Shape, Symbol, dim_factors, dim_product
from .parse import ELEMENTWISE


# The shape of a matrix literal with `...`: taken from the other side of its equation or chain.
OPEN: Shape = ("...", "...")


def show(shape: Shape) -> str:
    """A shape as people write it: `scalar`, `n×1`, `n×m`."""
    if shape == OPEN:
        return "the shape of the other side (a matrix with '...')"
    return "scalar" if shape == SCALAR else f"{shape[0]}×{shape[1]}"


def _columns(row: tuple) -> tuple:
    """(entries before '...', entries after it) of a row; (len, None) without '...'."""
    for k, e in enumerate(row):
        if isinstance(e, Dots):
            return (k, len(row) - k - 1)
    return (len(row), None)


def is_scalar(shape: Shape) -> bool:
    return shape == SCALAR


def is_column(shape: Shape) -> bool:
    return shape[1] == 1


@dataclass
class Scope:
    """What names mean while shapes are inferred."""

    symbols: dict[str, Symbol]
    definitions: dict[str, Shape] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)  # generic f and f' -> "f"
    applied: dict[str, str] = field(default_factory=dict)  # f -> x: LaTeX f_k stands for f(x)_k
    dims: frozenset[str] = frozenset()
    layout: str = "denominator"
    locals: dict[str, Shape] = field(default_factory=dict)  # e.g. `t` in an example function
    indices: dict[str, str | int] = field(default_factory=dict)  # index variable -> its dimension
    smallest: dict[str, int] = field(default_factory=dict)  # dim -> its smallest size checked


def derivation_scope(der: Derivation) -> Scope:
    """The scope of a built derivation: its symbols, definitions' shapes, functions (f and its
    derivative), dims and indices."""
    return Scope(symbols=dict(der.symbols),
                 definitions={n: d.expr.shape for n, d in der.definitions.items()},
                 functions={**{f.name: f.name for f in der.functions.values()},
                            **{f.derivative: f.name for f in der.functions.values()}},
                 dims=frozenset(der.dims), layout=der.layout, indices=dict(der.indices))


def infer(node: Node, scope: Scope, loc: Location) -> Shape:
    """The shape of `node`.

    Raises:
        ShapeError: with the location of the offending sub-expression.
    """
    if isinstance(node, Literal) and node.has_dots:
        return _Infer(scope, loc).open_literal(node)
    return _Infer(scope, loc).shape(node)


class _Infer:
    def __init__(self, scope: Scope, loc: Location):
        self.scope = scope
        self.loc = loc
        self.bound: set[str] = set()

    def error(self, node: Node, message: str) -> ShapeError:
        return ShapeError(message, self.loc.shifted(getattr(node, "col", 0)))

    def shape(self, node: Node) -> Shape:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Num(self, node: Num) -> Shape:
        return SCALAR

    def _Name(self, node: Name) -> Shape:
        s = self.scope
        if node.name in s.locals:
            return s.locals[node.name]
        if node.name in s.symbols:
            return s.symbols[node.name].shape
        if node.name in s.definitions:
            return s.definitions[node.name]
        if node.name in s.dims:
            return SCALAR  # a dimension used as a number, e.g. sum(x) / n
        if node.name in s.functions:
            raise self.error(node, f"function {node.name!r} must be applied, e.g. {node.name}(x)")
        if node.name in s.indices:
            raise self.error(node, f"index variable {node.name!r} used as a value; it can stand only "
                                   f"in an index position: x[{node.name}], delta({node.name}, k), "
                                   f"sum({node.name}, ...)")
        raise self.error(node, f"unknown name {node.name!r}: declare it under symbols or definitions")

    def _Neg(self, node: Neg) -> Shape:
        return self.shape(node.arg)

    def _Transpose(self, node: Transpose) -> Shape:
        rows, cols = self.shape(node.arg)
        return (cols, rows)

    def _Pow(self, node: Pow) -> Shape:
        return self.shape(node.base)

    def _BinOp(self, node: BinOp) -> Shape:
        a, b = self.shape(node.left), self.shape(node.right)
        op = node.op
        if op == "**":  # x ** a: elementwise, with a scalar exponent
            if not is_scalar(b):
                raise self.error(node.right, f"an exponent is a scalar, got {show(b)}")
            return a
        if op in "+-":
            if a != b:
                raise self.error(node, f"cannot {'add' if op == '+' else 'subtract'} {show(a)} and {show(b)}")
            return a
        if op == "*":
            if is_scalar(a):
                return b
            if is_scalar(b) or a == b:
                return a
            raise self.error(node, f"'*' needs a scalar or equal shapes (elementwise), got {show(a)} * {show(b)}; use @ for matrix products")
        if op == "/":
            if isinstance(node.right, Num) and node.right.value == 0:
                raise self.error(node.right, "division by zero")
            if is_scalar(b) or a == b:
                return a
            raise self.error(node, f"cannot divide {show(a)} by {show(b)}")
        # '@': a 1×1 factor acts as a scalar
        if a[1] == b[0]:
            return (a[0], b[1])
        if is_scalar(a):
            return b
        if is_scalar(b):
            return a
        raise self.error(node, f"matrix product {show(a)} @ {show(b)}: inner sizes {a[1]} and {b[0]} differ")

    # -- entries, indices, explicit matrices -------------------------------------------------
    def _Entry(self, node: Entry) -> Shape:
        rows, cols = self.shape(node.base)
        if (rows, cols) == SCALAR:
            raise self.error(node, "a scalar has no entries to index")
        if len(node.indices) == 1:
            if rows != 1 and cols != 1:
                raise self.error(node, f"a {show((rows, cols))} matrix has entries X[i, j]: two indices")
            axes = [rows if cols == 1 else cols]
        else:
            axes = [rows, cols]
        for ix, dim in zip(node.indices, axes):
            self.index(ix, dim, node)
        return SCALAR

    def index(self, ix: Node, dim, where: Node) -> None:  # noqa: ANN001
        """Check that the index `ix` ranges over `dim` (a dim name or a size)."""
        s = self.scope
        if isinstance(ix, Num):
            k = int(ix.value)
            top = dim if isinstance(dim, int) else self.smallest(dim)
            if top is not None and k > top:
                at = f"size {dim}" if isinstance(dim, int) else f"{dim}, whose smallest checked size is {top}"
                raise self.error(ix, f"index {k} is out of range for {at}")
            return
        name = ix.left.name if isinstance(ix, BinOp) else ix.name  # type: ignore[attr-defined]
        if name in s.dims:
            if name != dim:
                raise self.error(ix, f"index {name} (the last entry along {name}) used along a dimension of size {dim}")
            if isinstance(ix, BinOp) and int(ix.right.value) >= s.smallest.get(name, 2):  # type: ignore[attr-defined]
                raise self.error(ix, f"index {name} - {ix.right.value} is out of range at {name} = "  # type: ignore[attr-defined]
                                     f"{s.smallest.get(name)}")
            return
        if isinstance(ix, BinOp):
            raise self.error(ix, f"'{name} - c' counts back from a dimension name; {name!r} is not a dimension")
        if name not in s.indices:
            raise self.error(ix, f"unknown index {name!r}: declare it under indices, e.g. indices: {{{name}: n}}")
        if s.indices[name] != dim:
            raise self.error(ix, f"index {name} ranges over {s.indices[name]}, but is used along a dimension of size {dim}")

    def smallest(self, dim) -> int | None:  # noqa: ANN001
        """The smallest size checked of a dimension (a product of names: of its factors)."""
        if dim is None:  # an integer index of delta: no dimension to check it against
            return None
        sizes = [self.scope.smallest.get(f) for f in dim_factors(dim)]
        if not sizes or None in sizes:
            return None
        out = 1
        for v in sizes:
            out *= v  # type: ignore[operator]
        coefficient = dim.split("*")[0]
        return out * (int(coefficient) if coefficient.isdigit() else 1)

    def _Dots(self, node: Dots) -> Shape:
        raise self.error(node, "'...' may stand only in a matrix literal that is a whole side of an "
                               "equation or a whole step")

    def _Literal(self, node: Literal) -> Shape:
        if node.has_dots:
            raise self.error(node, "a matrix with '...' may only be a whole side of an equation or a "
                                   "whole step (its shape comes from the other side)")
        widths = {len(r) for r in node.rows}
        if len(widths) != 1:
            raise self.error(node, f"the rows of a matrix literal have different lengths {sorted(widths)}")
        self.entries(node)
        return (len(node.rows), widths.pop())

    def entries(self, node: Literal) -> None:
        for row in node.rows:
            for e in row:
                if not isinstance(e, Dots) and self.shape(e) != SCALAR:
                    raise self.error(e, f"an entry of a matrix literal is a scalar, got {show(self.shape(e))}")

    def open_literal(self, node: Literal) -> Shape:
        """A literal with '...': its entries are scalars and its rows show the same columns."""
        self.entries(node)
        shown = [r for r in node.rows if r]
        patterns = {_columns(r) for r in shown}
        if node.column:
            return OPEN
        if len(patterns) != 1:
            raise self.error(node, "every row of a matrix with '...' shows the same columns: the same "
                                   "number of entries before and after its '...'")
        for row in shown:
            if sum(isinstance(e, Dots) for e in row) > 1:
                raise self.error(row[0], "a row has at most one '...'")
        return OPEN

    def _binder(self, node: Call) -> Shape:
        *names, body = node.args
        for n in names:
            assert isinstance(n, Name)
            if n.name not in self.scope.indices:
                raise self.error(n, f"unknown index {n.name!r}: declare it under indices, e.g. "
                                    f"indices: {{{n.name}: n}}")
            if n.name in self.bound:
                raise self.error(n, f"index {n.name!r} is already bound by an enclosing sum, matrix or vector")
        if len({n.name for n in names}) != len(names):  # type: ignore[attr-defined]
            raise self.error(node, f"{node.func}() needs two different index variables")
        self.bound |= {n.name for n in names}  # type: ignore[attr-defined]
        try:
            inner = self.shape(body)
        finally:
            self.bound -= {n.name for n in names}  # type: ignore[attr-defined]
        if node.func == "sum":
            return inner
        if inner != SCALAR:
            raise self.error(body, f"{node.func}() builds from a scalar entry, got {show(inner)}")
        dims = [self.scope.indices[n.name] for n in names]  # type: ignore[attr-defined]
        return (dims[0], dims[1]) if node.func == "matrix" else (dims[0], 1)

    def _Call(self, node: Call) -> Shape:
        f = node.func
        if f == "D":
            return self._derivative(node)
        if f in ("matrix", "vector") or (f == "sum" and len(node.args) == 2):
            return self._binder(node)
        if f == "delta":
            for a in node.args:
                self.index(a, self._index_dim(a), node)
            return SCALAR
        if f == "basis":
            (dim,) = self._constructor(Call("ones", node.args[:1], node.col))[:1]
            self.index(node.args[1], dim, node)
            return (dim, 1)
        if f in ("ones", "zeros", "eye"):
            return self._constructor(node)
        if f == "matpow":
            a = self.shape(node.args[0])
            if a[0] != a[1]:
                raise self.error(node, f"matpow() takes a square matrix, got {show(a)}")
            return a
        shapes = [self.shape(a) for a in node.args]
        if f == "kron":  # m×n ⊗ p×q is mp×nq
            (m, n), (p, q) = shapes
            return (dim_product(m, p), dim_product(n, q))
        if f == "vec":  # the columns stacked: m×n -> mn×1
            (m, n), = shapes
            return (dim_product(m, n), 1)
        if f in ELEMENTWISE or f in self.scope.functions or f == "d":
            if f in self.scope.functions and len(node.args) != 1:
                raise self.error(node, f"{f}() takes 1 argument, got {len(node.args)}")
            return shapes[0]
        if f not in ("softmax", "logsumexp", "sum", "diag", "tr", "det", "inv", "norm"):
            raise self.error(node, f"unknown function {f!r}: declare it under functions")
        (a,) = shapes
        if f in ("sum", "norm"):
            return SCALAR
        if f in ("softmax", "logsumexp", "diag"):
            if not is_column(a) or is_scalar(a):
                raise self.error(node, f"{f}() takes a column vector, got {show(a)}")
            if f == "logsumexp":
                return SCALAR
            return (a[0], a[0]) if f == "diag" else a
        if a[0] != a[1]:
            raise self.error(node, f"{f}() takes a square matrix, got {show(a)}")
        return a if f == "inv" else SCALAR

    def _index_dim(self, ix: Node):  # noqa: ANN202
        """The dimension an index ranges over, read from the index itself (delta's arguments)."""
        name = ix.left.name if isinstance(ix, BinOp) else getattr(ix, "name", None)  # type: ignore[attr-defined]
        if name is None:
            return None
        if name in self.scope.dims:
            return name
        if name not in self.scope.indices:
            raise self.error(ix, f"unknown index {name!r}: declare it under indices, e.g. indices: {{{name}: n}}")
        return self.scope.indices[name]

    def _constructor(self, node: Call) -> Shape:
        dims: list = []
        for arg in node.args:
            if isinstance(arg, Num) and arg.value.denominator == 1 and 1 <= arg.value <= 64:
                dims.append(int(arg.value))
            elif isinstance(arg, Name) and arg.name in self.scope.dims:
                dims.append(arg.name)
            else:
                raise self.error(arg, f"{node.func}() takes dimension names or sizes 1..64")
        if node.func == "eye":
            return (dims[0], dims[0])
        return (dims[0], dims[1] if len(dims) > 1 else 1)

    def _derivative(self, node: Call) -> Shape:
        fnode, xnode = node.args
        if isinstance(xnode, Call):  # D(f, vec(X)): by the entries of X, stacked column by column
            x = self.shape(xnode)
            self.variable(xnode.args[0])  # type: ignore[arg-type]
            return self._layout(node, self.shape(fnode), x)
        if isinstance(xnode, Entry):  # D(f, x[k]): a partial derivative by one entry
            sym = self.scope.symbols.get(xnode.base.name)  # type: ignore[attr-defined]
            if sym is None or sym.generic:
                raise self.error(xnode, f"D(f, {xnode.base.name}[...]): {xnode.base.name!r} must be an "  # type: ignore[attr-defined]
                                        "independent symbol")
            if "symmetric" in sym.assume:
                raise self.error(xnode, "derivatives with respect to a symmetric matrix are not supported")
            self.shape(xnode)
            if self.shape(fnode) != SCALAR:
                raise self.error(node, f"D(f, x[k]) differentiates a scalar (an entry such as s[i]), "
                                       f"got {show(self.shape(fnode))}")
            return SCALAR
        assert isinstance(xnode, Name)
        sym = self.scope.symbols.get(xnode.name)
        if xnode.name in self.scope.definitions:
            # ∂f/∂z for an intermediate z := ...: f's dependence through the name z, held free
            x = self.scope.definitions[xnode.name]
            if not is_column(x) and not is_scalar(x):
                raise self.error(xnode, f"D(f, {xnode.name}): an intermediate must be a scalar or a column vector")
        elif sym is None or sym.generic:
            raise self.error(xnode, f"D(f, {xnode.name}): {xnode.name!r} must be an independent symbol "
                                    "or a definition")
        elif "symmetric" in sym.assume:
            raise self.error(xnode, "derivatives with respect to a symmetric matrix are not supported")
        else:
            x = sym.shape
        return self._layout(node, self.shape(fnode), x)

    def variable(self, xnode: Name) -> None:
        """x in D(f, vec(x)): an independent symbol that is not symmetric."""
        sym = self.scope.symbols.get(xnode.name)
        if sym is None or sym.generic:
            raise self.error(xnode, f"D(f, vec({xnode.name})): {xnode.name!r} must be an independent symbol")
        if "symmetric" in sym.assume:
            raise self.error(xnode, "derivatives with respect to a symmetric matrix are not supported")

    def _layout(self, node: Call, f: Shape, x: Shape) -> Shape:
        """The shape of D(f, x) (f and x of shapes `f` and `x`) in the document's layout.

        A scalar f: x's shape (its transpose in numerator layout). A vector f (a column, or a
        row read as the column fᵀ) by a scalar or a column x: M×N, entry (i, j) = ∂f_j/∂x_i
        (N×M in numerator layout). A matrix f by a scalar x: f's shape in both layouts (∂Y/∂t
        entry by entry). Anything else has four indices: refused, naming the two ways to write
        it (entries, or vec)."""
        if is_scalar(f):
            den = x
        elif not is_column(f) and f[0] != 1 and is_scalar(x):
            return f  # ∂Y/∂t, entry by entry: the same in both layouts
        elif is_column(x) and (is_column(f) or f[0] == 1):
            den = (x[0], f[0] if is_column(f) else f[1])
        else:
            def kind(s: Shape) -> tuple[str, int]:
                return ("a vector", 1) if is_column(s) or s[0] == 1 else ("a matrix", 2)
            (fw, fk), (xw, xk) = kind(f), kind(x)
            raise self.error(node, f"D of {fw} ({show(f)}) by {xw} ({show(x)}) has {fk + xk} indices, "
                                   "which is not a matrix: write it entry by entry, D(Y[i, j], X[k, l]) "
                                   "with index variables, or as D(vec(Y), vec(X)) (the vec/Kronecker form)")
        return den if self.scope.layout == "denominator" else (den[1], den[0])
