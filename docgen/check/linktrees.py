"""The trees a link is checked on: definitions expanded, free indices tabulated, and the index
values that name a witness's entry. Pure functions of a Derivation and trees.
"""

from __future__ import annotations

import numpy as np

from ..model.derivation import Derivation
from ..model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Pow, Transpose
from .verdict import Link


def expand_definitions(node: Node, der: Derivation) -> Node:
    """The tree with every definition replaced by its expression (recursively)."""
    if isinstance(node, Name) and node.name in der.definitions:
        return expand_definitions(der.definitions[node.name].expr.tree, der)
    if isinstance(node, Neg):
        return Neg(expand_definitions(node.arg, der))
    if isinstance(node, Transpose):
        return Transpose(expand_definitions(node.arg, der))
    if isinstance(node, Pow):
        return Pow(expand_definitions(node.base, der), node.exp)
    if isinstance(node, BinOp):
        return BinOp(node.op, expand_definitions(node.left, der), expand_definitions(node.right, der))
    if isinstance(node, Call):
        return Call(node.func, tuple(expand_definitions(a, der) for a in node.args))
    if isinstance(node, Entry):
        return Entry(expand_definitions(node.base, der), node.indices)
    if isinstance(node, Literal):
        return Literal(tuple(tuple(expand_definitions(e, der) for e in row) for row in node.rows), node.column)
    return node


def entry_trees(der: Derivation, link: Link) -> tuple[Node, Node, tuple, tuple[str, ...]]:
    """Both sides of a link as whole matrices, with their shape and the free index variables:
    an equation about entries with free indices i, k holds for every value of them exactly when
    matrix(i, k, lhs) = matrix(i, k, rhs) (vector(i, ·) for one index, table(i, j, k, l, ·) for
    three or four: Derivation.tabulate), whose entries are the equation at those values."""
    left, shape, free = der.tabulate(link.left.tree)
    if not free:
        return link.left.tree, link.right.tree, link.left.shape, free
    right, _, _ = der.tabulate(link.right.tree)
    return left, right, shape, free


def tabulate_free(der: Derivation, tree: Node) -> Node:
    """A tree with free indices as the matrix (or vector) of its values at every index value."""
    return der.tabulate(tree)[0]


def index_values(free: tuple[str, ...], entry: tuple[int, int], ranges: list[int] | None = None) -> str:
    """The witness's index values: entry (r, c) of matrix(i, k, ·) is i = r + 1, k = c + 1; of
    table(i, j, k, l, ·), r runs over (i, j) and c over (k, l), row-major (`ranges`: the sizes
    of the free indices)."""
    if not free:
        return ""
    if len(free) <= 2:
        values = (entry[0] + 1, entry[1] + 1)
    else:
        assert ranges is not None
        rows = np.unravel_index(entry[0], ranges[:2])
        cols = np.unravel_index(entry[1], ranges[2:])
        values = tuple(int(v) + 1 for v in (*rows, *cols))
    return ", ".join(f"{n} = {v}" for n, v in zip(free, values))


def derivative_depth(node: Node) -> int:
    inner = max((derivative_depth(c) for c in node.children()), default=0)
    return inner + (1 if isinstance(node, Call) and node.func in ("D", "d") else 0)
