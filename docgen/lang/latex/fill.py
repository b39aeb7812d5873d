"""Constants the LaTeX reader reads without their size (\\mathbf{1}, \\mathbf{0}, \\mathbf{I},
\\mathbf{e}_{k}), sized from what stands beside them.

`Sizing` is the part of `resolve.Resolver` that does it: across `+ - ⊙ ⊘` from the other side,
across a product when the constant's side decides it (`\\mathbf{1}^\\top A`, `A \\mathbf{1}`),
through transposes, minus signs and elementwise functions; where nothing decides, the formula is
not read and the message says how to write the size. docgen/lang/sizing.py plays these rules
over a checked tree to decide where the printer must write a size.
"""

from __future__ import annotations

from fractions import Fraction

from ...model.derivation import SCALAR, Shape
from ...model.expr import BinOp, Call, Name, Neg, Node, Num, Transpose
from ..parse import ELEMENTWISE
from .lexer import NotRead


def unsized(node: Node) -> bool:
    """A constant read without its size, waiting for its neighbours to give it one: \\mathbf{1},
    \\mathbf{0}, \\mathbf{I} (no arguments yet) or \\mathbf{e}_{1} (basis with its index only)."""
    if not isinstance(node, Call):
        return False
    return node.func in ("ones", "zeros", "eye") and not node.args or node.func == "basis" and len(node.args) == 1


class Sizing:
    """The sizing methods of `resolve.Resolver`, which provides `shape` (None for a node whose
    size is still open), `checked` and `error`."""

    def shape(self, node: Node) -> Shape | None:  # pragma: no cover  (the Resolver's)
        raise NotImplementedError

    def checked(self, node: Node) -> Node:  # pragma: no cover  (the Resolver's)
        raise NotImplementedError

    def error(self, col: int, message: str) -> NotRead:  # pragma: no cover  (the Resolver's)
        raise NotImplementedError

    def sized(self, node: Node) -> Node:
        """A whole expression: every \\mathbf{1} in it must have a size by now."""
        if self.shape(node) is None:
            first = next(n for n in node.walk() if unsized(n))
            if first.func == "basis":  # type: ignore[attr-defined]
                raise self.error(first.col, "the size of \\mathbf{e}_k cannot be told from what stands beside it; "
                                 "write \\mathbf{e}_{k}^{(n)}")
            raise self.error(first.col, "the size of \\mathbf{1} (or \\mathbf{0}, \\mathbf{I}) cannot be told from "
                             "what stands beside it; write \\mathbf{1}_{n}")
        return node

    # -- \mathbf{1}, \mathbf{0}, \mathbf{I} sized by their neighbours ---------------------------
    def fill_pair(self, a: Node, b: Node, join: str) -> tuple[Node, Node]:
        """Size an unsized side of a op b from the other side, where the operator tells how."""
        sa, sb = self.shape(a), self.shape(b)
        if (sa is None) == (sb is None):
            return a, b
        elementwise = join in ("+", "-", "odot", "circ", "/", "oslash")
        if sa is None:
            if elementwise and sb != SCALAR:
                return self.fill(a, sb), b  # type: ignore[arg-type]
            if not elementwise and sb != SCALAR:
                need = self.need_left(a, sb)  # type: ignore[arg-type]
                return (self.fill(a, need), b) if need else (a, b)
            return a, b
        if elementwise and sa != SCALAR:
            return a, self.fill(b, sa)  # type: ignore[arg-type]
        if not elementwise and sa != SCALAR:
            need = self.need_right(b, sa)  # type: ignore[arg-type]
            return (a, self.fill(b, need)) if need else (a, b)
        return a, b

    def core(self, a: Node) -> Node:
        """a without a minus or scalar factors: what decides how an unsized factor is sized."""
        while True:
            if isinstance(a, Neg):
                a = a.arg
            elif isinstance(a, BinOp) and a.op in ("*", "/") and self.shape(a.right) == SCALAR:
                a = a.left
            elif isinstance(a, BinOp) and a.op == "*" and self.shape(a.left) == SCALAR:
                a = a.right
            else:
                return a

    def need_left(self, a: Node, sb: Shape) -> Shape | None:
        """The shape an unsized left factor takes before a sized right one, when it is determined."""
        core = self.core(a)
        if isinstance(core, Transpose):
            return (1, sb[0])
        if isinstance(core, Call) and core.func == "eye":
            return (sb[0], sb[0])
        return None

    def need_right(self, b: Node, sa: Shape) -> Shape | None:
        core = self.core(b)
        if isinstance(core, Call) and (core.func in ("ones", "zeros") or core.func == "basis" and unsized(core)):
            return (sa[1], 1)
        if isinstance(core, Call) and core.func == "eye":
            return (sa[1], sa[1])
        return None

    def fill(self, node: Node, shape: Shape) -> Node:
        if self.shape(node) is not None:
            return node
        if isinstance(node, Call) and node.func in ("ones", "zeros", "eye") and not node.args:
            dims = [Num(Fraction(d), node.col) if isinstance(d, int) else Name(d, node.col) for d in shape]
            if node.func == "eye":
                if shape[0] != shape[1]:
                    raise self.error(node.col, f"\\mathbf{{I}} cannot be {shape[0]}×{shape[1]}")
                return Call("eye", (dims[0],), node.col)
            return Call(node.func, tuple(dims[:1] if shape[1] == 1 else dims), node.col)
        if unsized(node):  # \mathbf{e}_{k}: a column
            if shape[1] != 1:
                raise self.error(node.col, f"\\mathbf{{e}}_k is a column, not {shape[0]}×{shape[1]}")
            dim = Num(Fraction(shape[0]), node.col) if isinstance(shape[0], int) else Name(shape[0], node.col)
            return self.checked(Call("basis", (dim, *node.args), node.col))  # type: ignore[attr-defined]
        if isinstance(node, Transpose):
            return Transpose(self.fill(node.arg, (shape[1], shape[0])), node.col)
        if isinstance(node, Neg):
            return Neg(self.fill(node.arg, shape), node.col)
        if isinstance(node, Call) and len(node.args) == 1 and (node.func in ELEMENTWISE or node.func == "d"):
            return Call(node.func, (self.fill(node.args[0], shape),), node.col)
        if isinstance(node, BinOp):
            a, b = node.left, node.right
            sa, sb = self.shape(a), self.shape(b)
            if node.op in ("+", "-") or (node.op in ("*", "/") and sa != SCALAR and sb != SCALAR):
                return self.checked(BinOp(node.op, self.fill(a, shape), self.fill(b, shape), node.col))
            if node.op in ("*", "/"):  # one side is a scalar
                return self.checked(BinOp(node.op, a if sa == SCALAR else self.fill(a, shape),
                                          b if sb == SCALAR else self.fill(b, shape), node.col))
            if sa is None and sb is not None:
                return self.checked(BinOp("@", self.fill(a, (shape[0], sb[0])), b, node.col))
            if sb is None and sa is not None:
                return self.checked(BinOp("@", a, self.fill(b, (sa[1], shape[1])), node.col))
        raise self.error(node.col, "the size of \\mathbf{1} (or \\mathbf{0}, \\mathbf{I}) cannot be told "
                         "from what stands beside it; write \\mathbf{1}_{n}")

    # -- factors ---------------------------------------------------------------------------------
