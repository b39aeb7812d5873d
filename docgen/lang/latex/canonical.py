"""The normal form under which docgen's TeX printer and the LaTeX reader agree.

The printer writes some different trees the same way, because they mean the same: a product
with a scalar factor is juxtaposition whether it was `*` or `@`; `0.5`, `1/2` and `\\frac{1}{2}`;
`x**0.5` and `sqrt(x)`; `inv(a)` and `a**-1` of a scalar; `sum(v)` and `1ᵀv`; `-(a b)` and
`(-a) b`; a one-column matrix literal and a column vector. `canonical(tree, scope)` maps each
such tree to one representative, so that the round trip print -> read is exact up to it:
canonical(read(print(t))) == canonical(t).
"""

from __future__ import annotations

from fractions import Fraction

from ...model.derivation import SCALAR
from ...model.errors import Location
from ...model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose
from ..shapes import Scope, infer

_LOC = Location("<canonical>", 1, 1)


def canonical(node: Node, scope: Scope) -> Node:
    return _Canon(scope).go(node)


class _Canon:
    def __init__(self, scope: Scope):
        self.scope = scope

    def shape(self, node: Node):  # noqa: ANN201
        return infer(node, self.scope, _LOC)

    def go(self, node: Node) -> Node:
        if isinstance(node, Neg):
            return self.neg(self.go(node.arg))
        if isinstance(node, BinOp):
            a, b = self.go(node.left), self.go(node.right)
            op = node.op
            if op == "@" and (self.shape(a) == SCALAR or self.shape(b) == SCALAR):
                op = "*"
            if op == "/" and isinstance(a, Num) and isinstance(b, Num) and b.value != 0:
                return Num(a.value / b.value)
            return BinOp(op, a, b)
        if isinstance(node, Pow):
            base = self.go(node.base)
            if node.exp == Fraction(1, 2):
                return Call("sqrt", (base,))
            return Pow(base, node.exp)
        if isinstance(node, Transpose):
            return Transpose(self.go(node.arg))
        if isinstance(node, Entry):
            return Entry(self.go(node.base), tuple(self.go(i) for i in node.indices))
        if isinstance(node, Literal):
            rows = tuple(tuple(self.go(e) for e in row) for row in node.rows)
            column = node.column or all(len(r) <= 1 for r in rows)
            return Literal(rows, column)
        if isinstance(node, Call):
            args = tuple(self.go(a) for a in node.args)
            if node.func == "inv" and self.shape(args[0]) == SCALAR:
                return Pow(args[0], Fraction(-1))
            if node.func == "sum" and len(args) == 1 and self.shape(args[0]) != SCALAR:
                rows, cols = self.shape(args[0])
                ones = [Call("ones", (self.dim(d),)) for d in (rows, cols)]
                out: Node = BinOp("@", Transpose(ones[0]), args[0])
                return BinOp("@", out, ones[1]) if cols != 1 else out
            return Call(node.func, args)
        if isinstance(node, Num):
            return Num(node.value)
        if isinstance(node, Name):
            return Name(node.name)
        return node

    @staticmethod
    def dim(d) -> Node:  # noqa: ANN001
        return Num(Fraction(d)) if isinstance(d, int) else Name(d)

    def neg(self, a: Node) -> Node:
        """-(a b) as (-a) b, -(2) as -2: how the printer's '- a b' reads back."""
        if isinstance(a, Num):
            return Num(-a.value)
        if isinstance(a, BinOp) and a.op in ("*", "@", "/"):
            return BinOp(a.op, self.neg(a.left), a.right)
        return Neg(a)
