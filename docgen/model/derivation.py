"""The derivation model: frozen dataclasses built from a loaded file by `spec.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from .errors import Location
from .expr import Call, Name, Node, index_names

Dim = Union[str, int]
Shape = tuple[Dim, Dim]
SCALAR: Shape = (1, 1)


def size_of(shape: Shape, sizes: dict[str, int]) -> tuple[int, int]:
    """A shape with its dimension names replaced by sizes."""
    return tuple(dim_size(d, sizes) for d in shape)  # type: ignore[return-value]


def dim_size(d: Dim, sizes: dict[str, int]) -> int:
    """A dimension's size: an integer, a name, or a product of names `m*n` (as kron and vec
    make them; never declared)."""
    if isinstance(d, int):
        return d
    out = 1
    for f in d.split("*"):
        out *= int(f) if f.isdigit() else sizes[f]
    return out


def dim_product(*dims: Dim) -> Dim:
    """The product of dimensions in a canonical form: integers multiplied into one factor in
    front, names sorted, so that `m*n` and `n*m` are the same dimension; 1 disappears."""
    k, names = 1, []
    for d in dims:
        if isinstance(d, int):
            k *= d
            continue
        for f in d.split("*"):
            if f.isdigit():
                k *= int(f)
            else:
                names.append(f)
    if not names:
        return k
    return "*".join(([str(k)] if k != 1 else []) + sorted(names))


def dim_factors(d: Dim) -> list[str]:
    """The dimension names a dimension is a product of (`m*n` -> [m, n])."""
    return [] if isinstance(d, int) else [f for f in d.split("*") if not f.isdigit()]


@dataclass(frozen=True)
class Expr:
    """A parsed expression with its source text, location and inferred shape."""

    text: str
    tree: Node
    loc: Location
    shape: Shape = SCALAR
    # what the LaTeX reader decided where another reading was possible ("file:line:col: ...")
    read_as: tuple[str, ...] = field(default=(), compare=False)

    def at(self, node: Node) -> Location:
        """The location of a node of this expression's tree."""
        return self.loc.shifted(getattr(node, "col", 0))


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class DimSpec:
    name: str
    sizes: tuple[int, ...]
    numeric: int
    description: str = ""


@dataclass(frozen=True)
class Symbol:
    """A declared symbol: an independent variable, a constant, or a generic function (`of`)."""

    name: str
    shape: Shape
    of: tuple[str, ...] = ()
    assume: frozenset[str] = frozenset()
    style: str = "plain"
    description: str = ""
    loc: Location | None = None

    @property
    def generic(self) -> bool:
        return bool(self.of)

    @property
    def variable(self) -> bool:
        """Independent and not constant: it gets a differential d(name)."""
        return not self.of and "constant" not in self.assume


@dataclass(frozen=True)
class Function:
    """A generic elementwise function f and the name of its derivative f'."""

    name: str
    derivative: str
    description: str = ""


@dataclass(frozen=True)
class Definition:
    name: str
    expr: Expr
    note: str = ""
    style: str = "plain"


@dataclass(frozen=True)
class Assumption:
    lhs: Expr
    rhs: Expr
    text: str
    loc: Location


@dataclass(frozen=True)
class Step:
    expr: Expr
    by: str = ""
    note: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Part:
    """One claim and its chain: lhs = steps[0] = ... = steps[-1] (which is the rhs)."""

    label: str
    title: str
    note: str
    lhs: Expr
    rhs: Expr
    method: str  # "chain" or "differential"
    wrt: str
    steps: tuple[Step, ...]
    loc: Location


@dataclass(frozen=True)
class Example:
    """Concrete values for a worked example; values are exact fractions, nested by shape."""

    sizes: dict[str, int]
    values: dict[str, tuple[tuple[Fraction, ...], ...]]
    functions: dict[str, Expr]
    digits: int = 4
    note: str = ""
    loc: Location | None = None
    differentials: dict[str, tuple[tuple[Fraction, ...], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckSettings:
    budget: float = 10.0
    probes: int = 3
    seed: int = 20241


@dataclass(frozen=True)
class Derivation:
    id: str
    title: str
    path: str
    language: str = "en"
    summary: str = ""
    tags: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    layout: str = "denominator"
    dims: dict[str, DimSpec] = field(default_factory=dict)
    indices: dict[str, str] = field(default_factory=dict)  # index variable -> the dim it ranges over
    symbols: dict[str, Symbol] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    definitions: dict[str, Definition] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    parts: tuple[Part, ...] = ()
    example: Example | None = None
    check: CheckSettings = CheckSettings()
    loc: Location | None = None
    digest: str = ""  # sha256 of the source file

    def __hash__(self) -> int:
        return hash((self.id, self.path))

    def citations(self) -> list[tuple[str, Location | None]]:
        """Every `by:` of every step, with its location."""
        return [(s.by, s.loc) for p in self.parts for s in p.steps if s.by]

    def size_assignments(self) -> list[dict[str, int]]:
        """The concrete sizes for exact checks: the i-th size of every dimension together."""
        if not self.dims:
            return [{}]
        count = max(len(d.sizes) for d in self.dims.values())
        return [{n: d.sizes[min(i, len(d.sizes) - 1)] for n, d in self.dims.items()} for i in range(count)]

    def free_indices(self, tree: Node) -> tuple[str, ...]:
        """The index variables free in `tree` (not bound by sum, matrix or vector), in the order
        of their declaration: a claim with free indices holds for every value of them."""
        used = index_names(tree)
        return tuple(n for n in self.indices if n in used)

    def tabulate(self, tree: Node) -> tuple[Node, Shape, tuple[str, ...]]:
        """A tree with free indices as the matrix of its values at every index value, with that
        matrix's shape and the free indices: `matrix(i, k, e)` for two, `vector(i, e)` for one,
        and for three or four (∂Y_ij/∂X_kl) `table(i, j, k, l, e)`, whose rows run over (i, j)
        and columns over (k, l), each pair row-major (so its shape is products of dims)."""
        free = self.free_indices(tree)
        if not free:
            return tree, SCALAR, free
        dims = [self.indices[n] for n in free]
        func = {1: "vector", 2: "matrix"}.get(len(free), "table")
        out = Call(func, (*(Name(n) for n in free), tree))
        if func == "table":
            return out, (dim_product(*dims[:2]), dim_product(*dims[2:])), free
        return out, (dims[0], dims[1] if len(dims) == 2 else 1), free

    def index_ranges(self, free: tuple[str, ...], sizes: dict[str, int]) -> list[int]:
        return [sizes[self.indices[n]] for n in free]

    def numeric_sizes(self) -> dict[str, int]:
        return {n: d.numeric for n, d in self.dims.items()}
