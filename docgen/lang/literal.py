"""Matrices written with '...': the positions their entries stand at, and the index pattern.

A matrix literal with ellipses is shown by some of its rows and columns, as a human writes it:
entries before a `...` are at positions 1, 2, ...; entries after it count from the end (n, n-1,
...). This module takes a `Literal` tree and its shape (from the other side of the equation) and
gives each shown entry its position, as a size-independent label ("(1, n)") and, at a concrete
size, as a 0-based (row, column). It also reads the *pattern* of the shown entries: the literal
indices of an entry (`D(f(x)[2], x[1])` at (1, 2)) should be the same function of its (row,
column) position as in the other entries (f's index = column, x's index = row); an entry that
breaks the pattern the others follow is reported with what the pattern gives. Pure tree logic.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction

from ..model.expr import BinOp, Dots, Entry, Literal, Name, Node, Num, unparse

# A position: ("start", k) is the k-th from the start, ("end", k, dim) the k-th from the end of
# `dim` (a dimension name or a size): ("end", 1, "n") is the last, n.
Position = tuple


@dataclass(frozen=True)
class Shown:
    """One entry of a literal as written: its row and column positions and its tree."""

    row: Position
    col: Position
    node: Node

    def label(self) -> str:
        return f"({position_label(self.row)}, {position_label(self.col)})"


def _axis(items: list[bool], dim) -> list[Position | None]:  # noqa: ANN001
    """Positions along one axis; `items` says for each item whether it is a '...'."""
    if True not in items:
        return [("start", k + 1) for k in range(len(items))]
    cut = items.index(True)
    after = len(items) - cut - 1
    out: list[Position | None] = [("start", k + 1) for k in range(cut)]
    out.append(None)
    out += [("end", after - k, dim) for k in range(after)]
    return out


def shown_entries(lit: Literal, shape: tuple) -> list[Shown]:
    """Every written entry (not '...') with its position, row by row."""
    rows = _axis([not r for r in lit.rows], shape[0])
    out = []
    for row, rpos in zip(lit.rows, rows):
        if rpos is None:
            continue
        cols = _axis([isinstance(e, Dots) for e in row], shape[1])
        for e, cpos in zip(row, cols):
            if cpos is not None:
                out.append(Shown(rpos, cpos, e))
    return out


def extent(lit: Literal) -> tuple[tuple[int, bool], tuple[int, bool]]:
    """(entries shown, whether '...' stands for more) along the rows and along the columns."""
    shown = [r for r in lit.rows if r]
    rows = (len(shown), len(shown) < len(lit.rows))
    first = shown[0] if shown else ()
    dots = sum(isinstance(e, Dots) for e in first)
    return rows, (len(first) - dots, bool(dots))


def fits(lit: Literal, size: tuple[int, int]) -> bool:
    """Whether the shown positions are distinct entries of a matrix of `size` (and, along an
    axis without '...', all of them)."""
    for (count, dots), n in zip(extent(lit), size):
        if (dots and count > n) or (not dots and count != n):
            return False
    return True


def smallest(lit: Literal) -> tuple[int, int]:
    """The smallest size along each axis at which the shown entries are distinct."""
    (r, _), (c, _) = extent(lit)
    return r, c


def resolve(pos: Position, size: int) -> int:
    """A position at a concrete size, 0-based."""
    return pos[1] - 1 if pos[0] == "start" else size - pos[1]


def position_label(pos: Position) -> str:
    if pos[0] == "start":
        return str(pos[1])
    _, k, dim = pos
    if isinstance(dim, int):
        return str(dim - k + 1)
    return str(dim) if k == 1 else f"{dim}-{k - 1}"


def _index_position(ix: Node, dims: frozenset[str]) -> Position | None:
    """An index written in an entry, as a position (None for an index variable)."""
    if isinstance(ix, Num):
        return ("start", int(ix.value))
    if isinstance(ix, Name) and ix.name in dims:
        return ("end", 1, ix.name)
    if isinstance(ix, BinOp) and isinstance(ix.left, Name) and isinstance(ix.right, Num):
        return ("end", int(ix.right.value) + 1, ix.left.name)
    return None


def _same(a: Position | None, b: Position) -> bool:
    if a is None:
        return False
    if a[0] == "end" and b[0] == "end":
        return a[1:] == b[1:]
    if a[0] == "start" and b[0] == "start":
        return a[1] == b[1]
    end, start = (a, b) if a[0] == "end" else (b, a)
    return isinstance(end[2], int) and end[2] - end[1] + 1 == start[1]


def _position_node(pos: Position) -> Node:
    if pos[0] == "start":
        return Num(Fraction(pos[1]))
    _, k, dim = pos
    if isinstance(dim, int):
        return Num(Fraction(dim - k + 1))
    return Name(dim) if k == 1 else BinOp("-", Name(dim), Num(Fraction(k - 1)))


def _slots(node: Node) -> list[tuple[str, Node]]:
    """The indices written in a tree, in order, each with the entry's base as written."""
    out = []
    for n in node.walk():
        if isinstance(n, Entry):
            out += [(unparse(n.base), ix) for ix in n.indices]
    return out


def _replace_slots(node: Node, new: dict[int, Node], counter: list[int]) -> Node:
    """The tree with the k-th index (in the order of `_slots`) replaced by new[k]."""
    if isinstance(node, Entry):
        start = counter[0]
        counter[0] += len(node.indices)
        base = _replace_slots(node.base, new, counter)
        indices = tuple(new.get(start + k, ix) for k, ix in enumerate(node.indices))
        return Entry(base, indices, node.col)
    changes = {}
    for f in fields(node):
        v = getattr(node, f.name)
        if isinstance(v, Node):
            changes[f.name] = _replace_slots(v, new, counter)
        elif isinstance(v, tuple) and v and all(isinstance(x, Node) for x in v):
            changes[f.name] = tuple(_replace_slots(x, new, counter) for x in v)
    return type(node)(**{f.name: changes.get(f.name, getattr(node, f.name)) for f in fields(node)})


@dataclass(frozen=True)
class Break:
    """An entry whose indices break the pattern of the others: as written, and as the pattern
    gives it."""

    entry: Shown
    expected: Node

    def message(self) -> str:
        return (f"entry {self.entry.label()} reads {unparse(self.entry.node)}; the pattern of the "
                f"other entries gives {unparse(self.expected)}")


def pattern_breaks(entries: list[Shown], dims: frozenset[str]) -> list[Break]:
    """Entries whose written indices are not the function of (row, column) that most entries
    with the same bases follow (index = row, index = column, or a constant)."""
    groups: dict[tuple, list[Shown]] = {}
    for e in entries:
        slots = _slots(e.node)
        if slots:
            groups.setdefault(tuple(base for base, _ in slots), []).append(e)
    out: dict[int, dict[int, Node]] = {}
    for members in groups.values():
        if len(members) < 3:
            continue  # too few entries to tell a pattern
        for k in range(len(_slots(members[0].node))):
            written = [_index_position(_slots(e.node)[k][1], dims) for e in members]
            rules = {"row": [_same(p, e.row) for p, e in zip(written, members)],
                     "column": [_same(p, e.col) for p, e in zip(written, members)]}
            for p in written:
                if p is not None:
                    rules[repr(p)] = [q == p for q in written]
            best = max(rules, key=lambda r: (sum(rules[r]), r in ("row", "column")))
            support = sum(rules[best])
            if support * 2 <= len(members) or support == len(members):
                continue
            for ok, e, p in zip(rules[best], members, written):
                if ok or p is None:
                    continue
                want = e.row if best == "row" else e.col if best == "column" else \
                    next(q for q, good in zip(written, rules[best]) if good)
                out.setdefault(id(e), {})[k] = _position_node(want)
    breaks = []
    for e in entries:
        if id(e) in out:
            breaks.append(Break(e, _replace_slots(e.node, out[id(e)], [0])))
    return breaks
