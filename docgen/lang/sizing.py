"""Which \\mathbf{1}, \\mathbf{0}, \\mathbf{I} and \\mathbf{e}_{k} the printer writes with their size.

The printer writes a column of ones, of zeros, the identity and a standard basis vector with a
number for its index without a size (`\\mathbf{1}`, `\\mathbf{I}`, `\\mathbf{e}_{1}`), as notes do
(a basis vector e_i of an index variable i, or e_n, takes its size from its index). The LaTeX
reader (`docgen.lang.latex.resolve`) gives such a constant its size from what stands beside it:
across `+ - ⊙ ⊘` from the other side, across a product when the constant's side decides it
(`\\mathbf{1}^\\top A`, `A \\mathbf{1}`, `\\mathbf{I} A`). Where nothing beside it fixes the size
(`\\mathbf{I} ⊙ (\\mathbf{1} v^\\top)`), the reader refuses.

`to_size(tree, is_scalar)` plays the reader's rules over a checked tree, as the printer lays it out
(its grouping is the tree's), and returns the tree (each constant its own node, so that one
occurrence of a shared node can be sized alone) with the constants the printer must write with their
size (`\\mathbf{I}_{n}`, `\\mathbf{e}_{1}^{(n)}`): none where the neighbours decide, else the first
still open ones, left to right, until the whole expression is decided. The rules mirror
`Resolver.fill_pair`, `core`, `need_left`, `need_right` and `fill` there; a test reads back every
expression of the library.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Callable

from ..model.expr import BinOp, Call, Neg, Node, Num, Pow, Transpose
from .parse import ELEMENTWISE

CONSTANTS = ("ones", "zeros", "eye")


def printed_unsized(node: Node) -> bool:
    """A constant the printer writes without its size: the identity, a column of ones or zeros, a
    basis vector with a number for its index (basis(n, 1) is e_1; basis(n, i) and basis(n, n) are not)."""
    if isinstance(node, Call) and node.func == "basis":
        return isinstance(node.args[1], Num)
    if not isinstance(node, Call) or node.func not in CONSTANTS:
        return False
    if node.func == "eye":
        return True
    return len(node.args) == 1 or (len(node.args) == 2 and node.args[1] == Num(Fraction(1)))


@dataclass(frozen=True)
class _State:
    """What the reader knows of a subexpression: its constants still without a size (left to
    right), and whether `fill` could still give them one from outside."""

    open: tuple[Call, ...] = ()
    fillable: bool = True


class _Refused(Exception):
    """The reader would refuse here; `open` are the constants it could not size."""

    def __init__(self, open_: tuple[Call, ...]):
        super().__init__()
        self.open = open_


class _Reader:
    def __init__(self, is_scalar: Callable[[Node], bool], sized: set[int]):
        self.is_scalar = is_scalar
        self.sized = sized

    def state(self, node: Node) -> _State:
        if printed_unsized(node):
            return _State() if id(node) in self.sized else _State((node,))  # type: ignore[arg-type]
        if isinstance(node, (Neg, Transpose)):
            return self.state(node.arg)
        if isinstance(node, Pow):
            return self.opaque(self.state(node.base))
        if isinstance(node, Call):
            inner = [self.state(a) for a in node.args]
            if len(node.args) == 1 and (node.func in ELEMENTWISE or node.func == "d"):
                return inner[0]
            return self.opaque(*inner)
        if isinstance(node, BinOp):
            return self.binop(node)
        return _State()  # names, numbers, entries, literals: sized

    @staticmethod
    def opaque(*states: _State) -> _State:
        """Inside a function the reader cannot reach with a size: open, never filled."""
        open_ = tuple(c for s in states for c in s.open)
        return _State(open_, not open_)

    def binop(self, node: BinOp) -> _State:
        a, b = self.state(node.left), self.state(node.right)
        sa, sb = self.is_scalar(node.left), self.is_scalar(node.right)
        if node.op == "**":
            return self.opaque(a, b)
        elementwise = node.op in ("+", "-") or (node.op in ("*", "/") and not sa and not sb)
        if elementwise:
            return self.elementwise(a, b, sa, sb)
        if node.op == "/":  # \frac{a}{b} with a scalar b
            return self.opaque(b) if b.open else a
        return self.product(node, a, b, sa, sb)

    def filled(self, s: _State) -> _State:
        if not s.fillable:
            raise _Refused(s.open)
        return _State()

    def elementwise(self, a: _State, b: _State, sa: bool, sb: bool) -> _State:
        if a.open and b.open:
            return _State(a.open + b.open, a.fillable and b.fillable)
        if a.open:
            return self.filled(a) if not sb else a
        if b.open:
            return self.filled(b) if not sa else b
        return _State()

    def product(self, node: BinOp, a: _State, b: _State, sa: bool, sb: bool) -> _State:
        """a b juxtaposed (a matrix product, or a scaling)."""
        if a.open and b.open:
            return _State(a.open + b.open, False)
        if a.open:
            core = self.core(node.left)
            decides = isinstance(core, Transpose) or isinstance(core, Call) and core.func == "eye"
            return self.filled(a) if decides and not sb else a
        if b.open:
            core = self.core(node.right)
            decides = isinstance(core, Call) and (core.func in CONSTANTS or printed_unsized(core))
            return self.filled(b) if decides and not sa else b
        return _State()

    def core(self, node: Node) -> Node:
        """`Resolver.core`: the node without a minus or scalar factors."""
        while True:
            if isinstance(node, Neg):
                node = node.arg
            elif isinstance(node, BinOp) and node.op in ("*", "/") and self.is_scalar(node.right):
                node = node.left
            elif isinstance(node, BinOp) and node.op == "*" and self.is_scalar(node.left):
                node = node.right
            else:
                return node


def _fresh(value: object) -> object:
    """A copy of a tree in which every constant is a node of its own (not shared)."""
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if not isinstance(value, Node):
        return value
    changes = {f.name: _fresh(getattr(value, f.name)) for f in fields(value)}
    return replace(value, **changes)


def to_size(tree: Node, is_scalar: Callable[[Node], bool]) -> tuple[Node, frozenset[int]]:
    """The tree to print and the ids of its constants to print with their size (see the
    module's docstring)."""
    if not any(printed_unsized(n) for n in tree.walk()):
        return tree, frozenset()
    tree = _fresh(tree)  # type: ignore[assignment]
    sized: set[int] = set()
    while True:
        reader = _Reader(is_scalar, sized)
        try:
            open_ = reader.state(tree).open
        except _Refused as exc:
            open_ = exc.open
        if not open_:
            return tree, frozenset(sized)
        sized.add(id(open_[0]))
