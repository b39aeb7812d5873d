"""Checked expression trees -> SymPy objects, with nothing evaluated.

The tree of docgen's math language (`docgen.model.expr`) is converted to SymPy objects directly —
never by parsing text and never with evaluation. SymPy's own classes are used where they exist
(Symbol, MatrixSymbol, Add, Mul, MatAdd, MatMul, HadamardProduct, HadamardPower, Transpose,
Inverse, Trace, Determinant, OneMatrix, ZeroMatrix, Identity, Integer, Rational); small classes
below cover what SymPy lacks (the derivative in the document's layout, the differential, diag,
elementwise functions, sums, norms, quotients). `docgen.lang.notation` prints these objects.

Everything an expression of shape 1×1 becomes is a *scalar* SymPy object (a 1×1 matrix product
is wrapped in `ScalarOf`), so that "a 1×1 factor acts as a scalar" holds for SymPy too.

Term order is the author's: sums and products are built with ``evaluate=False``, and left
operands of the same kind are flattened while right ones keep the author's grouping.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions import (
    Determinant,
    HadamardPower,
    HadamardProduct,
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)

from ..model import expr as E
from ..model.errors import DocgenError
from ..model.derivation import SCALAR, Derivation, Shape

# ===========================================================================================
# SymPy classes for what SymPy lacks. Each comes as a scalar and a matrix variant sharing a
# tag class, so the printer dispatches on the tag (`_print_PartialD` serves both).
# Matrix variants carry their shape as the last two arguments.
# ===========================================================================================


class _Matrix(MatrixExpr):
    @property
    def shape(self):  # noqa: ANN201
        return self.args[-2], self.args[-1]

    @property
    def ops(self) -> tuple:
        return self.args[:-2]


class _Scalar(sp.Expr):
    # Every docgen scalar commutes. Without this SymPy takes the class as noncommutative
    # (is_commutative None), so a product y d(y) became a noncommutative Mul and MatMul refused it
    # as a coefficient ("noncommutative scalars in MatMul").
    is_commutative = True

    @property
    def ops(self) -> tuple:
        return self.args


class PartialD:
    """D(f, x): the derivative of f with respect to x in the document's layout."""


class Differential:
    """d(f)."""


class Diag:
    """diag(v)."""


class Apply:
    """An elementwise (or vector) function applied: ops = (Str(name), arg)."""


class Frac:
    """a / b with a scalar b, printed as \\frac{a}{b}."""


class ElemDiv:
    """a / b elementwise (equal shapes), printed with \\oslash."""


class Neg:
    """Unary minus, as the author wrote it."""


class Sub:
    """A subtracted term inside a sum: a - b is Add(a, Sub(b))."""


class SumAll:
    """sum(v): the sum of all entries, 1ᵀv."""


class Norm:
    """norm(v)."""


class ScalarOf:
    """A 1×1 matrix expression used as the scalar it is."""


class Transposed:
    """The transpose of a scalar expression, as written."""


class Inv:
    """inv(a) of a scalar, printed a^{-1}."""


class EntryOf:
    """An entry x[i]: ops = (base, Tuple of index labels as Str)."""


class Delta:
    """delta(i, k): ops = (Str(i), Str(k))."""


class IndexSum:
    """sum(k, e): ops = (Str(k), Str(dim), e)."""


class MatrixOf:
    """matrix(i, j, e) or vector(i, e): ops = (Tuple of Str index names, e)."""


class Basis:
    """basis(n, i): ops = (Str(i), Str('sized') or Str('')); sized: printed with its size, e_1^{(n)}."""


class Kron:
    """kron(a, b): ops = (a, b), printed a ⊗ b."""


class Vec:
    """vec(a): the columns of a stacked."""


class MatPowOf:
    """matpow(a, k): ops = (a, Integer(k)), printed a^{k}."""


class LiteralOf:
    """A matrix literal: ops = (Tuple of rows, Str('column') or Str('rows')); a row is a Tuple of
    entries and Str('cdots'); a row Tuple(Str('vdots')) is a whole row '...'."""


class SizedOnes(OneMatrix):
    """A column of ones printed with its size, \\mathbf{1}_{n}: nothing beside it tells the size."""


class SizedZeros(ZeroMatrix):
    """A column of zeros printed with its size, \\mathbf{0}_{n}."""


class SizedIdentity(Identity):
    """The identity printed with its size, \\mathbf{I}_{n}."""


def _pair(tag: type) -> tuple[type, type]:
    scalar = type("Scalar" + tag.__name__, (tag, _Scalar), {})
    matrix = type("Matrix" + tag.__name__, (tag, _Matrix), {})
    return scalar, matrix


_CLASSES = {tag: _pair(tag) for tag in
            (PartialD, Differential, Diag, Apply, Frac, ElemDiv, Neg, Sub, SumAll, Norm,
             ScalarOf, Transposed, Inv, EntryOf, Delta, IndexSum, MatrixOf, Basis, LiteralOf,
             Kron, Vec, MatPowOf)}


def make(tag: type, shape: tuple | None, *ops: Any) -> sp.Basic:
    """An instance of `tag`: scalar when `shape` is None, else a matrix of that shape."""
    scalar, matrix = _CLASSES[tag]
    if shape is None:
        return scalar(*ops)
    return matrix(*ops, *shape)


def is_tagged(obj: sp.Basic) -> bool:
    """One of the classes above (whose operands are `ops(obj)`, not SymPy's `args`)."""
    return isinstance(obj, (_Matrix, _Scalar))


def ops(obj: sp.Basic) -> tuple:
    return obj.ops if is_tagged(obj) else obj.args


def is_matrix(obj: sp.Basic) -> bool:
    return isinstance(obj, MatrixExpr)


# ===========================================================================================
# Tree -> SymPy
# ===========================================================================================


def _dim(d: str | int) -> sp.Expr:
    if isinstance(d, int):
        return sp.Integer(d)
    return sp.Mul(*[sp.Integer(f) if f.isdigit() else sp.Symbol(f) for f in d.split("*")])


class Converter:
    """Builds SymPy objects from a docgen expression tree, with nothing evaluated."""

    def __init__(self, der: Derivation | None, sized: frozenset[int] = frozenset()):
        self.der = der
        self.sized = sized  # ids of the constants printed with their size (docgen.lang.sizing)
        self.shapes: dict[str, Shape] = {}
        if der is not None:
            self.shapes.update({n: s.shape for n, s in der.symbols.items()})
            self.shapes.update({n: d.expr.shape for n, d in der.definitions.items()})

    def convert(self, node: E.Node) -> sp.Basic:
        return getattr(self, "_" + type(node).__name__)(node)

    # -- leaves --------------------------------------------------------------------------
    def _Num(self, node: E.Num) -> sp.Basic:
        return sp.Rational(node.value.numerator, node.value.denominator)

    def _Name(self, node: E.Name) -> sp.Basic:
        shape = self.shapes.get(node.name, SCALAR)
        if shape == SCALAR:
            return sp.Symbol(node.name)
        return MatrixSymbol(node.name, _dim(shape[0]), _dim(shape[1]))

    # -- operators -------------------------------------------------------------------------
    def _Neg(self, node: E.Neg) -> sp.Basic:
        arg = self.convert(node.arg)
        return make(Neg, arg.shape if is_matrix(arg) else None, arg)

    def _Transpose(self, node: E.Transpose) -> sp.Basic:
        arg = self.convert(node.arg)
        if is_matrix(arg):
            return self._scalar(Transpose(arg))
        if isinstance(arg, ScalarOf):
            return make(ScalarOf, None, Transpose(ops(arg)[0]))
        return make(Transposed, None, arg)

    def _Pow(self, node: E.Pow) -> sp.Basic:
        base = self.convert(node.base)
        exp = sp.Rational(node.exp.numerator, node.exp.denominator)
        if is_matrix(base):
            return HadamardPower(base, exp)
        return sp.Pow(base, exp, evaluate=False)

    def _BinOp(self, node: E.BinOp) -> sp.Basic:
        a, b = self.convert(node.left), self.convert(node.right)
        ma, mb = is_matrix(a), is_matrix(b)
        op = node.op
        if op == "**":  # a symbolic exponent
            return HadamardPower(a, b) if ma else sp.Pow(a, b, evaluate=False)
        if op in "+-":
            if op == "-":
                b = make(Sub, b.shape if mb else None, b)
            terms = list(a.args) if isinstance(a, (sp.Add, MatAdd)) and not isinstance(a, _Scalar) else [a]
            terms.append(b)
            return MatAdd(*terms) if ma else sp.Add(*terms, evaluate=False)
        if op == "/":
            if mb:
                return make(ElemDiv, a.shape, a, b)
            return make(Frac, a.shape if ma else None, a, b)
        if op == "*" and ma and mb:
            return HadamardProduct(*self._flat(a, HadamardProduct), b)
        # '@', or '*' with a scalar factor: juxtaposition
        if ma or mb:
            return self._scalar(MatMul(*self._flat(a, (MatMul, sp.Mul)), b))
        return sp.Mul(*self._flat(a, (sp.Mul,)), b, evaluate=False)

    @staticmethod
    def _flat(a: sp.Basic, kinds: Any) -> list:
        """Left operands of the same kind are flattened (a b c); right ones keep their grouping."""
        if isinstance(a, kinds) and not is_tagged(a):
            return list(a.args)
        return [a]

    @staticmethod
    def _scalar(obj: sp.Basic) -> sp.Basic:
        if is_matrix(obj) and tuple(obj.shape) == (1, 1):
            return make(ScalarOf, None, obj)
        return obj

    # -- entries, indices, explicit matrices ----------------------------------------------------
    def _Entry(self, node: E.Entry) -> sp.Basic:
        labels = sp.Tuple(*[Str(index_label(i)) for i in node.indices])
        return make(EntryOf, None, self.convert(node.base), labels)

    def _Literal(self, node: E.Literal) -> sp.Basic:
        rows = []
        for row in node.rows:
            if not row:
                rows.append(sp.Tuple(Str("vdots")))
            else:
                rows.append(sp.Tuple(*[Str("cdots") if isinstance(e, E.Dots) else self.convert(e) for e in row]))
        width = max(len(r) for r in node.rows)
        return make(LiteralOf, (len(node.rows), width), sp.Tuple(*rows), Str("column" if node.column else "rows"))

    def _indexed(self, node: E.Call) -> sp.Basic:
        f = node.func
        if f == "delta":
            return make(Delta, None, *[Str(index_label(a)) for a in node.args])
        if f == "basis":
            size = node.args[0]
            rows = sp.Integer(int(size.value)) if isinstance(size, E.Num) else sp.Symbol(size.name)  # type: ignore[attr-defined]
            mark = Str("sized" if id(node) in self.sized else "")
            return make(Basis, (rows, sp.Integer(1)), Str(index_label(node.args[1])), mark)
        *names, body = node.args
        names = [n.name for n in names]  # type: ignore[attr-defined]
        inner = self.convert(body)
        if f == "sum":
            dim = self.der.indices.get(names[0], "n") if self.der is not None else "n"
            return make(IndexSum, inner.shape if is_matrix(inner) else None, Str(names[0]), Str(dim), inner)
        dims = [sp.Symbol(self.der.indices[n]) if self.der is not None and n in self.der.indices else sp.Symbol("n")
                for n in names]
        if f == "table":  # internal: rows over (i, j), columns over the rest
            shape = (dims[0] * dims[1], sp.Mul(*dims[2:]))
        else:
            shape = (dims[0], dims[1] if f == "matrix" else sp.Integer(1))
        return make(MatrixOf, shape, sp.Tuple(*[Str(n) for n in names]), inner)

    # -- calls -------------------------------------------------------------------------------
    def _Call(self, node: E.Call) -> sp.Basic:
        f = node.func
        if f in ("delta", "basis", "matrix", "vector", "table") or (f == "sum" and len(node.args) == 2):
            return self._indexed(node)
        if f in ("ones", "zeros", "eye"):
            dims = []
            for a in node.args:
                if isinstance(a, E.Num):
                    dims.append(sp.Integer(int(a.value)))
                elif isinstance(a, E.Name):
                    dims.append(sp.Symbol(a.name))
                else:  # pragma: no cover - rejected by shape inference
                    raise DocgenError(f"{f}() takes dimension names")
            mark = id(node) in self.sized
            if f == "eye":
                return self._scalar((SizedIdentity if mark else Identity)(dims[0]))
            rows, cols = dims[0], dims[1] if len(dims) > 1 else sp.Integer(1)
            if f == "ones":
                cls = SizedOnes if mark else OneMatrix
            else:
                cls = SizedZeros if mark else ZeroMatrix
            return self._scalar(cls(rows, cols))
        args = [self.convert(a) for a in node.args]
        if f == "D":
            return self._derivative(*args)
        if f == "kron":
            a, b = args
            (m, n), (p, q) = (x.shape if is_matrix(x) else (1, 1) for x in (a, b))
            return self._scalar(make(Kron, (m * p, n * q), a, b))
        if f == "vec":
            (a,) = args
            m, n = a.shape if is_matrix(a) else (1, 1)
            return self._scalar(make(Vec, (m * n, sp.Integer(1)), a))
        if f == "matpow":
            a, k = args
            return make(MatPowOf, a.shape, a, k) if is_matrix(a) else make(MatPowOf, None, a, k)
        (a,) = args
        shape = a.shape if is_matrix(a) else None
        if f == "d":
            return make(Differential, shape, a)
        if f == "diag":
            return make(Diag, (a.shape[0], a.shape[0]), a)
        if f == "sum":
            return make(SumAll, None, a)
        if f == "norm":
            return make(Norm, None, a)
        if f == "logsumexp":
            return make(Apply, None, Str(f), a)
        if f == "tr":
            return Trace(a) if shape else make(Apply, None, Str("tr"), a)
        if f == "det":
            return Determinant(a) if shape else make(Apply, None, Str("det"), a)
        if f == "inv":
            return Inverse(a) if shape else make(Inv, None, a)
        # elementwise built-ins, softmax, and generic functions f, f'
        return make(Apply, shape, Str(f), a)

    def _derivative(self, f: sp.Basic, x: sp.Basic) -> sp.Basic:
        if isinstance(x, EntryOf):  # ∂f/∂x_k of a scalar f
            return make(PartialD, None, f, x)
        fs = tuple(f.shape) if is_matrix(f) else (1, 1)
        xs = tuple(x.shape) if is_matrix(x) else (1, 1)
        layout = self.der.layout if self.der is not None else "denominator"
        if fs == (1, 1):
            den = xs
        elif xs == (1, 1) and fs[0] != 1 and fs[1] != 1:  # ∂Y/∂t: Y's shape in both layouts
            den, layout = fs, "denominator"
        else:
            den = (xs[0], fs[0] if fs[1] == 1 else fs[1])  # a row f read as the column fᵀ
        if layout != "denominator":
            den = (den[1], den[0])
        if tuple(den) == (1, 1):
            return make(PartialD, None, f, x)
        return make(PartialD, den, f, x)


def index_label(ix: E.Node) -> str:
    """An index as written: i, 1, n, n-1."""
    if isinstance(ix, E.Num):
        return str(ix.value)
    if isinstance(ix, E.BinOp):
        return f"{index_label(ix.left)}-{index_label(ix.right)}"
    return ix.name  # type: ignore[attr-defined]


def to_sympy(node: E.Node, der: Derivation | None = None,
             sized: frozenset[int] = frozenset()) -> sp.Basic:
    """The SymPy object for an expression tree (unevaluated, in the author's order); the
    constants whose ids are in `sized` become the Sized* classes, printed with their size."""
    return Converter(der, sized).convert(node)

