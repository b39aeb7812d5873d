"""SymPy objects (from `docgen.lang.symbolic`) -> LaTeX in docgen's notation.

`DocLatexPrinter` is a `LatexPrinter` subclass with a `_print_*` method for every class an
expression tree becomes; names are typeset by `docgen.lang.typeset`. Term order is the author's:
sums and products are printed in argument order; parentheses follow precedence and the author's
grouping. The `latex_*` functions at the end are what the documents call.

The module is a little over 400 lines: the printer is one class of some 310 lines, kept whole
because its precedence table (`prec`) and the parenthesizing decisions of every `_print_*`
method read against each other; splitting it by construct would put them in different files.
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
    MatrixSymbol,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.printing.latex import LatexPrinter

from ..model import expr as E
from ..model.derivation import Derivation, Expr
from .symbolic import (
    Apply,
    Converter,
    Diag,
    Differential,
    ElemDiv,
    Frac,
    IndexSum,
    Inv,
    Kron,
    MatPowOf,
    Neg,
    Norm,
    PartialD,
    ScalarOf,
    SizedIdentity,
    SizedOnes,
    SizedZeros,
    Sub,
    SumAll,
    Transposed,
    Vec,
    is_matrix,
    is_tagged,
    make,
    ops,
    to_sympy,
)
from .sizing import to_size
from .typeset import greek, name_tex
from .indexnotation import IndexNotation, is_entry, is_sized_basis
from .operators import Operators

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
    "tan": r"\tan",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "arctan": r"\arctan",
    "softplus": r"\operatorname{softplus}",
    "softmax": r"\operatorname{softmax}",
    "logsumexp": r"\operatorname{logsumexp}",
}


class DocLatexPrinter(IndexNotation, Operators, LatexPrinter):
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
        if isinstance(e, IndexSum):
            return P_OPERATOR  # (\sum_k a_k)^2 and (\sum_k a_k) b keep their parentheses
        if isinstance(e, SumAll):
            return P_MUL if self._settings["sum_style"] == "ones" else P_OPERATOR
        if isinstance(e, (sp.Mul, MatMul, HadamardProduct, ElemDiv, Differential)):
            return P_MUL
        if isinstance(e, Kron):
            return P_MUL - 1  # A ⊗ B in parentheses inside a product, not inside a sum
        if isinstance(e, MatPowOf):
            return P_POW
        if isinstance(e, Vec):
            return P_FUNC
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
        """A validated identifier typeset in `style`, by default the style of its symbol."""
        if style is None:
            style = self._settings["styles"].get(name, "plain")
        return name_tex(name, style)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.name(expr.name)

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return self.name(expr.name)

    @staticmethod
    def _is_name(e: sp.Basic) -> bool:
        return isinstance(e, (sp.Symbol, MatrixSymbol)) or is_entry(e)

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
        return isinstance(e, (sp.Mul, MatMul)) and not is_tagged(e) or (
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
        if self.prec(base) < P_FUNC and not self._is_name(base) or self.prec(base) == P_POW or is_sized_basis(base):
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

    def _exponent(self, exp: sp.Basic) -> str:
        if not isinstance(exp, sp.Rational):  # a symbolic exponent
            return self._print(exp)
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
            return self._sized(r"\mathbf{1}", expr)
        return r"\mathbf{1}_{" + self._print(rows) + r" \times " + self._print(cols) + "}"

    def _print_ZeroMatrix(self, expr: ZeroMatrix) -> str:
        rows, cols = expr.shape
        if cols == 1:
            return self._sized(r"\mathbf{0}", expr)
        return r"\mathbf{0}_{" + self._print(rows) + r" \times " + self._print(cols) + "}"

    def _print_Identity(self, expr: Identity) -> str:
        return self._sized(r"\mathbf{I}", expr)

    def _sized(self, tex: str, expr: sp.Basic) -> str:
        """\\mathbf{1}, or \\mathbf{1}_{n} where nothing beside it tells the size (lang/sizing.py)."""
        if isinstance(expr, (SizedOnes, SizedZeros, SizedIdentity)):
            return tex + "_{" + self._print(expr.shape[0]) + "}"
        return tex

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
    shapes = Converter(der)
    node, sized = to_size(node, lambda n: not is_matrix(shapes.convert(n)))
    return p.doprint(to_sympy(node, der, sized))


def latex_equation(lhs: Expr | E.Node, rhs: Expr | E.Node, der: Derivation | None, **settings: Any) -> str:
    return latex_expr(lhs, der, **settings) + " = " + latex_expr(rhs, der, **settings)


def latex_name(name: str, der: Derivation | None) -> str:
    """A symbol's or definition's name in its style."""
    return DocLatexPrinter(printer_settings(der)).name(name)


def latex_applied(name: str, der: Derivation | None, arg: str = "t") -> str:
    """A function of the derivation applied to a scalar: f(t), f'(t), \\sigma(t)."""
    printer = DocLatexPrinter(printer_settings(der))
    return printer._print_Apply(make(Apply, None, Str(name), sp.Symbol(arg)))

