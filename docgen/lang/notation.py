"""Checked expression trees -> LaTeX, through SymPy objects and a `LatexPrinter` subclass.

The tree of docgen's math language (`docgen.expr`) is converted to SymPy objects directly —
never by parsing text and never with evaluation — and printed by `DocLatexPrinter`. SymPy's
own classes are used where they exist (Symbol, MatrixSymbol, Add, Mul, MatAdd, MatMul,
HadamardProduct, HadamardPower, Transpose, Inverse, Trace, Determinant, OneMatrix, ZeroMatrix,
Identity, Integer, Rational); small classes below cover what SymPy lacks (the derivative in the
document's layout, the differential, diag, elementwise functions, sums, norms, quotients).

Everything an expression of shape 1×1 becomes is a *scalar* SymPy object (a 1×1 matrix product
is wrapped in `ScalarOf`), so that "a 1×1 factor acts as a scalar" holds for SymPy too.

Term order is the author's: sums and products are built with ``evaluate=False`` and printed by
this printer in argument order; parentheses follow precedence and the author's grouping.
"""

from __future__ import annotations

import math
from fractions import Fraction
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
from sympy.printing.latex import LatexPrinter, greek_letters_set, tex_greek_dictionary

from ..model import expr as E
from ..model.errors import DocgenError
from ..model.derivation import SCALAR, Derivation, Expr, Shape

# -- precedence (SymPy's scale: Add 40, Mul 50, Pow 60, Func 70, Atom 1000) -----------------
P_ADD = 40
P_OPERATOR = 45  # ∂/∂x (...), \sum_i [...]_i: parenthesized inside products
P_MUL = 50
P_FRAC = 55  # \frac{a}{b}: no parentheses in products, parentheses under a power
P_POW = 60
P_FUNC = 70
P_ATOM = 1000

ELEMENTWISE_TEX = {
    "exp": r"\exp",
    "log": r"\log",
    "tanh": r"\tanh",
    "sin": r"\sin",
    "cos": r"\cos",
    "softplus": r"\operatorname{softplus}",
    "softmax": r"\operatorname{softmax}",
    "logsumexp": r"\operatorname{logsumexp}",
}

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


def _pair(tag: type) -> tuple[type, type]:
    scalar = type("Scalar" + tag.__name__, (tag, _Scalar), {})
    matrix = type("Matrix" + tag.__name__, (tag, _Matrix), {})
    return scalar, matrix


_CLASSES = {tag: _pair(tag) for tag in
            (PartialD, Differential, Diag, Apply, Frac, ElemDiv, Neg, Sub, SumAll, Norm,
             ScalarOf, Transposed, Inv)}


def make(tag: type, shape: tuple | None, *ops: Any) -> sp.Basic:
    """An instance of `tag`: scalar when `shape` is None, else a matrix of that shape."""
    scalar, matrix = _CLASSES[tag]
    if shape is None:
        return scalar(*ops)
    return matrix(*ops, *shape)


def ops(obj: sp.Basic) -> tuple:
    return obj.ops if isinstance(obj, (_Matrix, _Scalar)) else obj.args


def is_matrix(obj: sp.Basic) -> bool:
    return isinstance(obj, MatrixExpr)


# ===========================================================================================
# Tree -> SymPy
# ===========================================================================================


def greek(name: str) -> str | None:
    """The TeX of a Greek letter's name (alpha -> \\alpha, Gamma -> \\Gamma), else None."""
    if name in tex_greek_dictionary:
        return tex_greek_dictionary[name]
    if name in greek_letters_set:
        return "\\" + name
    return None


def _dim(d: str | int) -> sp.Expr:
    return sp.Integer(d) if isinstance(d, int) else sp.Symbol(d)


class Converter:
    """Builds SymPy objects from a docgen expression tree, with nothing evaluated."""

    def __init__(self, der: Derivation | None):
        self.der = der
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
        if isinstance(a, kinds) and not isinstance(a, (_Scalar, _Matrix)):
            return list(a.args)
        return [a]

    @staticmethod
    def _scalar(obj: sp.Basic) -> sp.Basic:
        if is_matrix(obj) and tuple(obj.shape) == (1, 1):
            return make(ScalarOf, None, obj)
        return obj

    # -- calls -------------------------------------------------------------------------------
    def _Call(self, node: E.Call) -> sp.Basic:
        f = node.func
        if f in ("ones", "zeros", "eye"):
            dims = []
            for a in node.args:
                if isinstance(a, E.Num):
                    dims.append(sp.Integer(int(a.value)))
                elif isinstance(a, E.Name):
                    dims.append(sp.Symbol(a.name))
                else:  # pragma: no cover - rejected by shape inference
                    raise DocgenError(f"{f}() takes dimension names")
            if f == "eye":
                return self._scalar(Identity(dims[0]))
            rows, cols = dims[0], dims[1] if len(dims) > 1 else sp.Integer(1)
            cls = OneMatrix if f == "ones" else ZeroMatrix
            return self._scalar(cls(rows, cols))
        args = [self.convert(a) for a in node.args]
        if f == "D":
            return self._derivative(*args)
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
        fs = tuple(f.shape) if is_matrix(f) else (1, 1)
        xs = tuple(x.shape) if is_matrix(x) else (1, 1)
        if fs == (1, 1):
            den = xs
        else:
            den = (xs[0], fs[0])
        layout = self.der.layout if self.der is not None else "denominator"
        if layout != "denominator":
            den = (den[1], den[0])
        if tuple(den) == (1, 1):
            return make(PartialD, None, f, x)
        return make(PartialD, den, f, x)


def to_sympy(node: E.Node, der: Derivation | None = None) -> sp.Basic:
    """The SymPy object for an expression tree (unevaluated, in the author's order)."""
    return Converter(der).convert(node)


# ===========================================================================================
# The printer
# ===========================================================================================


class DocLatexPrinter(LatexPrinter):
    """LaTeX in docgen's notation.

    Settings (besides SymPy's, of which `order` defaults to 'none', `diff_operator` to 'rd'
    and `mul_symbol` is honoured for juxtaposed products):

    - styles: {name: 'vec' | 'bold' | 'plain'} — how each symbol is typeset;
    - functions: {name: (base, primes)} — generic functions, e.g. {'fprime': ('f', 1)};
    - sum_style: 'ones' (1ᵀv) or 'sigma' (\\sum_i [v]_i);
    - sigmoid: the TeX of the logistic function (default \\sigma).
    """

    printmethod = "_docgen_latex"
    _default_settings: dict[str, Any] = {
        **LatexPrinter._default_settings,
        "order": "none",
        "diff_operator": "rd",
        "styles": {},
        "functions": {},
        "sum_style": "ones",
        "sigmoid": r"\sigma",
    }

    def __init__(self, settings: dict[str, Any] | None = None):
        super().__init__(settings)
        if self._settings["sum_style"] not in ("ones", "sigma"):
            raise ValueError("sum_style must be 'ones' or 'sigma'")

    # -- precedence and parentheses ----------------------------------------------------------
    def prec(self, e: sp.Basic) -> int:
        if isinstance(e, ScalarOf):
            return self.prec(ops(e)[0])
        if isinstance(e, (Neg, Sub)):
            return P_ADD
        if isinstance(e, (sp.Add, MatAdd)):
            return P_ADD
        if isinstance(e, sp.Rational):
            if e < 0:
                return P_ADD
            return P_ATOM if e.q == 1 else P_FRAC
        if isinstance(e, PartialD):
            return P_FRAC if self._is_name(ops(e)[0]) else P_OPERATOR
        if isinstance(e, SumAll):
            return P_MUL if self._settings["sum_style"] == "ones" else P_OPERATOR
        if isinstance(e, (sp.Mul, MatMul, HadamardProduct, ElemDiv, Differential)):
            return P_MUL
        if isinstance(e, Frac):
            return P_FRAC
        if isinstance(e, (sp.Pow, HadamardPower, Transpose, Transposed, Inverse, Inv)):
            if isinstance(e, sp.Pow) and e.exp == sp.Rational(1, 2):
                return P_FUNC
            return P_POW
        if isinstance(e, (Apply, Diag, Norm, Trace, Determinant)):
            return P_FUNC
        return P_ATOM

    def paren(self, e: sp.Basic, below: int) -> str:
        """e printed, in parentheses when its precedence is below `below`."""
        s = self._print(e)
        return self.wrap(s) if self.prec(e) < below else s

    @staticmethod
    def wrap(s: str) -> str:
        """(s), with \\left( \\right) only when s holds something tall."""
        if any(t in s for t in (r"\frac", r"\sum", r"\begin", r"\left", r"\sqrt")):
            return r"\left(" + s + r"\right)"
        return "(" + s + ")"

    # -- names --------------------------------------------------------------------------------
    def name(self, name: str, style: str | None = None) -> str:
        """A validated identifier typeset: greek letters, style, subscript suffix."""
        base, _, sub = name.partition("_")
        if not sub:
            stem = base.rstrip("0123456789")
            if stem and stem != base:
                base, sub = stem, base[len(stem):]
        style = style if style is not None else self._settings["styles"].get(name, "plain")
        tex = self._base_name(base, style)
        if sub:
            tex += "_{" + self._subscript(sub) + "}"
        return tex

    @staticmethod
    def _base_name(base: str, style: str) -> str:
        greek_tex = greek(base)
        if greek_tex is not None:
            if style == "vec":
                return r"\vec{" + greek_tex + "}"
            if style == "bold":
                return r"\boldsymbol{" + greek_tex + "}"
            return greek_tex
        if style == "vec":
            return r"\vec{" + base + "}" if len(base) == 1 else r"\vec{\mathit{" + base + "}}"
        if style == "bold":
            return r"\mathbf{" + base + "}"
        return base if len(base) == 1 else r"\mathit{" + base + "}"

    @staticmethod
    def _subscript(sub: str) -> str:
        if sub.isdigit() or len(sub) == 1:
            return sub
        greek_tex = greek(sub)
        if greek_tex is not None:
            return greek_tex
        return r"\text{" + sub + "}"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.name(expr.name)

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return self.name(expr.name)

    @staticmethod
    def _is_name(e: sp.Basic) -> bool:
        return isinstance(e, (sp.Symbol, MatrixSymbol))

    # -- numbers ------------------------------------------------------------------------------
    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(int(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return str(int(expr.p))
        sign = "-" if expr.p < 0 else ""
        return sign + r"\frac{" + str(abs(int(expr.p))) + "}{" + str(int(expr.q)) + "}"

    # -- sums -----------------------------------------------------------------------------------
    def _print_Add(self, expr: sp.Basic, order: Any = None) -> str:
        out = ""
        for i, term in enumerate(expr.args):
            if isinstance(term, Sub):
                inner = ops(term)[0]
                out += (" - " if i else "- ") + self.paren(inner, P_ADD + 1)
            elif i == 0:
                out += self._print(term)
            else:
                out += " + " + self.paren(term, P_ADD + 1)
        return out

    _print_MatAdd = _print_Add

    def _print_Sub(self, expr: sp.Basic) -> str:  # a Sub outside a sum: print as a minus
        return "- " + self.paren(ops(expr)[0], P_ADD + 1)

    def _print_Neg(self, expr: sp.Basic) -> str:
        return "- " + self.paren(ops(expr)[0], P_ADD + 1)

    # -- products ---------------------------------------------------------------------------
    @staticmethod
    def _core(e: sp.Basic) -> sp.Basic:
        """A 1×1 wrapper's content (for grouping decisions)."""
        return ops(e)[0] if isinstance(e, ScalarOf) else e

    def _is_product(self, e: sp.Basic) -> bool:
        e = self._core(e)
        return isinstance(e, (sp.Mul, MatMul)) and not isinstance(e, (_Scalar, _Matrix)) or (
            isinstance(e, SumAll) and self._settings["sum_style"] == "ones")

    def _print_Mul(self, expr: sp.Basic) -> str:
        """Juxtaposed factors in the author's order: scalar products, matrix products, scaling."""
        factors = list(expr.args)
        out = ""
        for i, f in enumerate(factors):
            core = self._core(f)
            last = i == len(factors) - 1
            if i == 0:
                tall = self.prec(f) < P_MUL and not isinstance(f, (Neg, sp.Rational))
                # (x^T y) z: a 1×1 product in front of more factors keeps its parentheses
                tall = tall or (isinstance(f, ScalarOf) and self._is_product(f) and not last)
            elif self._is_product(f):
                tall = True  # the author's grouping: a (b c)
            elif last and self.prec(f) == P_OPERATOR:
                tall = False  # a trailing operator applies to what follows it: a ∂/∂x (...)
            else:
                tall = self.prec(f) < P_MUL
            s = self._print(f)
            if tall or isinstance(core, (HadamardProduct, ElemDiv)):
                s = self.wrap(s)
            if i and isinstance(f, sp.Rational):
                out += self._settings["mul_symbol_latex_numbers"] + s
            else:
                out += (self._settings["mul_symbol_latex"] if i else "") + s
        return out

    _print_MatMul = _print_Mul

    def _operand(self, e: sp.Basic, kind: type | None, first: bool) -> str:
        """An operand of ⊙ or ⊘: products and sums in parentheses, the author's grouping kept."""
        core = self._core(e)
        s = self._print(e)
        if first and kind is not None and isinstance(core, kind):
            return s
        if isinstance(core, Differential) and self._is_name(ops(core)[0]):
            return s  # d x is read as one symbol
        if self.prec(e) <= P_MUL or isinstance(core, (HadamardProduct, ElemDiv)):
            return self.wrap(s)
        return s

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        return r" \odot ".join(self._operand(f, HadamardProduct, i == 0) for i, f in enumerate(expr.args))

    def _print_ElemDiv(self, expr: sp.Basic) -> str:
        a, b = ops(expr)
        return self._operand(a, ElemDiv, True) + r" \oslash " + self._operand(b, None, False)

    def _print_Frac(self, expr: sp.Basic) -> str:
        a, b = ops(expr)
        return r"\frac{" + self._print(a) + "}{" + self._print(b) + "}"

    # -- powers, transposes, inverses ----------------------------------------------------------
    def _sup(self, base: sp.Basic, sup: str) -> str:
        s = self._print(base)
        if self.prec(base) < P_FUNC and not self._is_name(base) or self.prec(base) == P_POW:
            if not isinstance(base, (OneMatrix, ZeroMatrix, Identity)):
                s = self.wrap(s)
        elif isinstance(base, sp.Rational) and base.q != 1:
            s = self.wrap(s)
        return s + "^{" + sup + "}"

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return r"\sqrt{" + self._print(base) + "}"
        return self._sup(base, self._exponent(exp))

    def _exponent(self, exp: sp.Rational) -> str:
        if exp.q == 1:
            return str(int(exp.p))
        return str(int(exp.p)) + "/" + str(int(exp.q))

    def _print_HadamardPower(self, expr: HadamardPower) -> str:
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return r"\sqrt{" + self._print(base) + "}"
        return self._sup(base, r"\circ " + self._exponent(exp))

    def _print_Transpose(self, expr: Transpose) -> str:
        return self._sup(expr.arg, r"\top")

    def _print_Transposed(self, expr: sp.Basic) -> str:
        return self._sup(ops(expr)[0], r"\top")

    def _print_Inverse(self, expr: Inverse) -> str:
        return self._sup(expr.arg, "-1")

    def _print_Inv(self, expr: sp.Basic) -> str:
        return self._sup(ops(expr)[0], "-1")

    def _print_ScalarOf(self, expr: sp.Basic) -> str:
        return self._print(ops(expr)[0])

    # -- constants -----------------------------------------------------------------------------
    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        rows, cols = expr.shape
        if cols == 1:
            return r"\mathbf{1}"
        return r"\mathbf{1}_{" + self._print(rows) + r" \times " + self._print(cols) + "}"

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        rows, cols = expr.shape
        if cols == 1:
            return r"\mathbf{0}"
        return r"\mathbf{0}_{" + self._print(rows) + r" \times " + self._print(cols) + "}"

    def _print_Identity(self, expr: Identity) -> str:
        return r"\mathbf{I}"

    # -- functions -------------------------------------------------------------------------------
    def _call(self, head: str, arg: sp.Basic) -> str:
        return head + self.wrap(self._print(arg))

    def _print_Apply(self, expr: sp.Basic) -> str:
        fname, arg = ops(expr)
        f = fname.name
        if f == "sqrt":
            return r"\sqrt{" + self._print(arg) + "}"
        if f == "abs":
            return r"\left|" + self._print(arg) + r"\right|"
        if f == "sigmoid":
            return self._call(self._settings["sigmoid"], arg)
        if f == "tr":
            return self._call(r"\operatorname{tr}", arg)
        if f == "det":
            return self._call(r"\det", arg)
        if f in ELEMENTWISE_TEX:
            return self._call(ELEMENTWISE_TEX[f], arg)
        base, primes = self._settings["functions"].get(f, (f, 0))
        head = greek(base) or (base if len(base) == 1 else r"\operatorname{" + base + "}")
        return self._call(head + "'" * primes, arg)

    def _print_Diag(self, expr: sp.Basic) -> str:
        return self._call(r"\operatorname{diag}", ops(expr)[0])

    def _print_Trace(self, expr: Trace) -> str:
        return self._call(r"\operatorname{tr}", expr.arg)

    def _print_Determinant(self, expr: Determinant) -> str:
        return self._call(r"\det", expr.arg)

    def _print_Norm(self, expr: sp.Basic) -> str:
        return r"\left\lVert " + self._print(ops(expr)[0]) + r" \right\rVert"

    def _print_SumAll(self, expr: sp.Basic) -> str:
        (v,) = ops(expr)
        if not is_matrix(v):
            return self._call(r"\operatorname{sum}", v)
        rows, cols = v.shape
        if self._settings["sum_style"] == "sigma":
            index = "i" if cols == 1 else "i,j"
            if isinstance(v, MatrixSymbol):
                base = self.name(v.name, "plain")
                sub = base + "_{" + index.replace(",", "") + "}" if "_" not in base else (
                    r"\left[" + self._print(v) + r"\right]_{" + index.replace(",", "") + "}")
                return r"\sum_{" + index + "} " + sub
            return r"\sum_{" + index + r"} \left[" + self._print(v) + r"\right]_{" + index.replace(",", "") + "}"
        inner = self._print(v)
        if self.prec(v) < P_MUL or isinstance(v, (HadamardProduct, ElemDiv)):
            inner = self.wrap(inner)
        out = r"\mathbf{1}^{\top} " + inner
        return out if cols == 1 else out + r" \mathbf{1}"

    # -- calculus ------------------------------------------------------------------------------
    def _print_PartialD(self, expr: sp.Basic) -> str:
        f, x = ops(expr)
        den = r"\partial " + self._print(x)
        if self._is_name(f):
            return r"\frac{\partial " + self._print(f) + "}{" + den + "}"
        s = self._print(f)
        if self.prec(f) < P_FUNC:
            s = self.wrap(s)
        return r"\frac{\partial}{" + den + "} " + s

    def _print_Differential(self, expr: sp.Basic) -> str:
        (f,) = ops(expr)
        d = self._settings["diff_operator_latex"]
        sep = "" if d.endswith("}") else " "
        if self._is_name(f):
            return d + sep + self._print(f)
        return d + self.wrap(self._print(f))

    def _print_Str(self, expr: Str) -> str:
        return expr.name


# ===========================================================================================
# Public API
# ===========================================================================================


def printer_settings(der: Derivation | None) -> dict[str, Any]:
    """The printer settings a derivation implies: symbol styles and generic functions."""
    styles: dict[str, str] = {}
    functions: dict[str, tuple[str, int]] = {}
    if der is not None:
        styles.update({n: s.style for n, s in der.symbols.items()})
        styles.update({n: d.style for n, d in der.definitions.items()})
        for name, fn in der.functions.items():
            functions[name] = (name, 0)
            functions[fn.derivative] = (name, 1)
    return {"styles": styles, "functions": functions}


def latex_expr(expr: Expr | E.Node, der: Derivation | None, **settings: Any) -> str:
    """The LaTeX of a checked expression, in the derivation's notation."""
    node = expr.tree if isinstance(expr, Expr) else expr
    p = DocLatexPrinter({**printer_settings(der), **settings})
    return p.doprint(to_sympy(node, der))


def latex_equation(lhs: Expr | E.Node, rhs: Expr | E.Node, der: Derivation | None, **settings: Any) -> str:
    return latex_expr(lhs, der, **settings) + " = " + latex_expr(rhs, der, **settings)


def latex_name(name: str, der: Derivation | None) -> str:
    """A symbol's or definition's name in its style."""
    return DocLatexPrinter(printer_settings(der)).name(name)


def latex_shape(shape: Shape, der: Derivation | None = None) -> str:
    """\\mathbb{R}, \\mathbb{R}^{n}, \\mathbb{R}^{n \\times m}."""
    p = DocLatexPrinter(printer_settings(der))

    def dim(d: str | int) -> str:
        return str(d) if isinstance(d, int) else p.name(d, "plain")

    if tuple(shape) == SCALAR:
        return r"\mathbb{R}"
    rows, cols = shape
    if cols == 1:
        return r"\mathbb{R}^{" + dim(rows) + "}"
    return r"\mathbb{R}^{" + dim(rows) + r" \times " + dim(cols) + "}"


def format_number(value: float | Fraction, digits: int) -> str:
    """A number rounded to `digits` decimals, trailing zeros dropped, never -0."""
    v = float(value)
    if not math.isfinite(v):
        return r"\infty" if v > 0 else (r"-\infty" if v < 0 else r"\mathrm{NaN}")
    s = f"{v:.{max(digits, 0)}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "-0.", ""):
        s = "0"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def latex_value(rows: list[list[float]], digits: int) -> str:
    """A number, or a vector/matrix as a bmatrix, deterministically rounded."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return format_number(rows[0][0], digits)
    body = r" \\ ".join(" & ".join(format_number(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
