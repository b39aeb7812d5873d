"""The expression tree of docgen's math language: small, frozen, independent of SymPy.

Parsing produces these nodes; shape inference, exact (SymPy) evaluation, numeric (NumPy)
evaluation and printing all walk the same tree, so what is printed is what was checked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterator


@dataclass(frozen=True)
class Node:
    """Base of all expression nodes. `col` is the 0-based offset in the source text."""

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, parents first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class Num(Node):
    value: Fraction
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Name(Node):
    name: str
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Neg(Node):
    arg: Node
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class BinOp(Node):
    """`+ - * / @ **`. `*` and `/` scale by a scalar or act elementwise; `@` is the matrix
    product; `**` is an elementwise power with a symbolic scalar exponent (`x ** a`; a literal
    exponent is a `Pow`)."""

    op: str
    left: Node
    right: Node
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Pow(Node):
    """A power with a literal rational exponent (denominator up to 12); elementwise for vectors
    and matrices (the matrix power is `matpow(X, k)`)."""

    base: Node
    exp: Fraction
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return (self.base,)


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class Call(Node):
    """A built-in (`exp`, `diag`, `D`, `d`, ...) or a declared generic function."""

    func: str
    args: tuple[Node, ...]
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True)
class Entry(Node):
    """An entry of an expression with a shape, 1-based: `x[i]`, `X[i, j]`, `f(x)[1]`, `D(s, x)[i, k]`.

    Each index is a Name (an index variable or a dimension name: `x[n]` is the last entry), a Num
    (a positive integer), or `n - c` (a BinOp '-' of a dimension name and an integer)."""

    base: Node
    indices: tuple[Node, ...]
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return (self.base, *self.indices)


@dataclass(frozen=True)
class Dots(Node):
    """`...` in a matrix literal: entries left out (a horizontal ellipsis in a row)."""

    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Literal(Node):
    """An explicit matrix `[[a, b], [c, d]]` or column vector `[a, b, c]` (`column`), by rows.

    A row may hold `Dots` (a horizontal ellipsis); an empty row `()` is a whole row `...` (a
    vertical ellipsis). `cols` gives the 0-based column of each row's `[` (for locations)."""

    rows: tuple[tuple[Node, ...], ...]
    column: bool = False
    col: int = field(default=0, compare=False)

    def children(self) -> tuple[Node, ...]:
        return tuple(e for row in self.rows for e in row)

    @property
    def has_dots(self) -> bool:
        return any(not row or any(isinstance(e, Dots) for e in row) for row in self.rows)


# calls whose first argument(s) bind an index variable: name -> how many leading binders
BINDERS = {"sum": 1, "matrix": 2, "vector": 1, "table": 4}
# table(i, j, k, l, e) (also with three indices) is internal: the values of an equation with
# three or four free indices (Derivation.tabulate); it is not part of the language
# calls whose arguments are index positions (no shape): delta(i, k), basis(n, i)
INDEX_ARGS = {"delta": (0, 1), "basis": (0, 1)}


def is_binder(node: Node) -> bool:
    """sum(k, e), matrix(i, j, e), vector(i, e): the leading names are bound in the last argument."""
    if not isinstance(node, Call) or node.func not in BINDERS:
        return False
    if node.func == "table":
        return len(node.args) in (4, 5)
    return len(node.args) == BINDERS[node.func] + 1


def binder_count(node: Call) -> int:
    """How many leading arguments of a binder are the index variables it binds."""
    return len(node.args) - 1 if node.func == "table" else BINDERS[node.func]


def index_names(node: Node) -> frozenset[str]:
    """Names used in index positions and not bound inside `node` (index variables free in it,
    and dimension names used as indices: the caller removes those)."""
    return _index_names(node)


@lru_cache(maxsize=65536)
def _index_names(node: Node) -> frozenset[str]:
    if isinstance(node, Entry):
        out = set(_index_names(node.base))
        for ix in node.indices:
            out |= _position_names(ix)
        return frozenset(out)
    if isinstance(node, Call) and node.func in INDEX_ARGS:
        out = set()
        for a in node.args:
            out |= _position_names(a)
        return frozenset(out)
    if is_binder(node):
        assert isinstance(node, Call)
        k = binder_count(node)
        bound = {a.name for a in node.args[:k] if isinstance(a, Name)}
        return frozenset(_index_names(node.args[k]) - bound)
    out = set()
    for c in node.children():
        out |= _index_names(c)
    return frozenset(out)


def _position_names(ix: Node) -> set[str]:
    return {n.name for n in ix.walk() if isinstance(n, Name)}


def names_in(node: Node) -> set[str]:
    """Every name referenced by the tree (symbols, definitions, dimensions)."""
    return {n.name for n in node.walk() if isinstance(n, Name)}


def summands(node: Node) -> list[Node]:
    """The terms of a sum, a difference's right-hand terms negated: `a - (b + c)` -> [a, -b, -c];
    a tree that is not a sum is its own single term."""
    if isinstance(node, BinOp) and node.op in ("+", "-"):
        right = summands(node.right)
        if node.op == "-":
            right = [t.arg if isinstance(t, Neg) else Neg(t) for t in right]
        return summands(node.left) + right
    if isinstance(node, Neg):
        return [t.arg if isinstance(t, Neg) else Neg(t) for t in summands(node.arg)]
    return [node]


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2}


def unparse(node: Node) -> str:
    """The tree in docgen's own syntax; parse(unparse(t)) == t."""
    return _unparse(node, 0)


def _unparse(node: Node, outer: int) -> str:
    if isinstance(node, Num):
        v = node.value
        text = str(v.numerator) if v.denominator == 1 else _decimal(v)
        return f"({text})" if (v < 0 or "/" in text) and outer > 0 else text
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Neg):
        text = "-" + _unparse(node.arg, 3)
        return f"({text})" if outer > 1 else text
    if isinstance(node, Transpose):
        return _unparse(node.arg, 5) + ".T"  # a power below gets parentheses (outer 5)
    if isinstance(node, Pow):
        v = node.exp
        # integers and halves as decimals (2, 0.5), other fractions as (1/3)
        exp = str(v.numerator) if v.denominator == 1 else str(float(v)) if v.denominator == 2 \
            else f"{v.numerator}/{v.denominator}"
        if v < 0 or "/" in exp:
            exp = f"({exp})"
        text = _unparse(node.base, 6) + "**" + exp
        return f"({text})" if outer >= 5 else text  # (x**2)**3 and (x**2).T need them
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_unparse(a, 0) for a in node.args)})"
    if isinstance(node, Entry):
        return _unparse(node.base, 6) + "[" + ", ".join(_unparse(a, 0) for a in node.indices) + "]"
    if isinstance(node, Dots):
        return "..."
    if isinstance(node, Literal):
        if node.column:
            return "[" + ", ".join(_unparse(r[0], 0) if r else "..." for r in node.rows) + "]"
        rows = ["[" + ", ".join(_unparse(e, 0) for e in r) + "]" if r else "..." for r in node.rows]
        return "[" + ", ".join(rows) + "]"
    assert isinstance(node, BinOp)
    if node.op == "**":  # a symbolic exponent: x**a, x**(a + 1)
        right = node.right
        exp = _unparse(right, 0) if isinstance(right, Name) else f"({_unparse(right, 0)})"
        text = _unparse(node.left, 6) + "**" + exp
        return f"({text})" if outer >= 5 else text
    prec = _PRECEDENCE[node.op]
    text = f"{_unparse(node.left, prec)} {node.op} {_unparse(node.right, prec + 1)}"
    return f"({text})" if prec < outer else text


def _decimal(v: Fraction) -> str:
    """A fraction as the decimal literal it was parsed from (denominators of 2s and 5s only)."""
    d = v.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{v.numerator}/{v.denominator}"  # not from a literal; reads back as a division
    places = max(twos, fives)
    scaled = abs(v.numerator) * 10**places // v.denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if v < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


# -- a tree as data, for keys ---------------------------------------------------------------
def tree_data(node: Any) -> Any:
    """An expression tree as plain data, without source columns (two trees that compare equal
    give equal data)."""
    if isinstance(node, Node):
        return [type(node).__name__, *(tree_data(getattr(node, f.name)) for f in fields(node)
                                       if f.name != "col")]
    if isinstance(node, tuple):
        return [tree_data(x) for x in node]
    if isinstance(node, Fraction):
        return str(node)
    return node


def tree_key(tree: Node) -> str:
    """A hash of the tree as data (the verdict cache's and the example's key of a tree)."""
    data = json.dumps(tree_data(tree), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()
