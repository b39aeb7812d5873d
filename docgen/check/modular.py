"""Rational links decided by exact evaluation at random points (identity testing).

Takes a link whose two sides are rational functions of the entries of the independent symbols
(+ - * / @, .T, integer powers, tr, det, inv, diag, sum, eye, ones, zeros, sizes as numbers, and
D(f, x) by an independent symbol) and gives, at one size assignment, whether the two sides are
the same rational function, without building a SymPy expression:

- both sides are evaluated at random points of GF(p), p = 2^61 - 1, exactly; a derivative D(f, x)
  is carried along as the gradient of every intermediate value with respect to x's entries
  (forward mode), and inv and det by Gauss-Jordan elimination at the point, so a link with
  inverses costs a few k×k eliminations, not the expansion of the adjugate;
- equal at every point: the difference is the zero rational function except with probability
  at most (deg/p)^points (Schwartz-Zippel; deg, a bound on its numerator's degree, is computed
  from the trees by `degree`), stated in the evidence;
- different at a point: the difference is certainly not zero; a refutation is then only reported
  with an exact witness, the same evaluation over the rationals at a random small rational point.

Anything else (exp, roots, generic functions, entries, differentials, assumptions) raises
Unsupported and is left to the exact normal form (exact.py, rational.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from ..model.derivation import Derivation, size_of
from ..model.expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from .concrete import entry_name

P = 2**61 - 1  # a Mersenne prime
POINTS = 3  # random points per size assignment
SUPPORTED = {"tr", "det", "inv", "diag", "sum", "eye", "ones", "zeros", "D"}


RATIONAL_OPS = ("+", "-", "*", "/", "@")  # the binary operators of rational functions


class Unsupported(Exception):
    """The tree is not a rational function this module can evaluate."""


class Singular(Exception):
    """A division by zero at this point: draw another."""


class Field:
    """GF(p) (ints mod P) or the rationals (Fractions)."""

    def __init__(self, modular: bool):
        self.modular = modular

    def num(self, q: Fraction):  # noqa: ANN201
        if not self.modular:
            return q
        if q.denominator % P == 0:
            raise Singular()
        return q.numerator * pow(q.denominator, P - 2, P) % P

    def inv(self, v):  # noqa: ANN001, ANN201
        if v == 0:
            raise Singular()
        return pow(v, P - 2, P) if self.modular else 1 / v

    def norm(self, v):  # noqa: ANN001, ANN201
        return v % P if self.modular else v


class Dual:
    """A value and its gradient (a tuple, empty outside a derivative) over a Field."""

    __slots__ = ("v", "g", "F")

    def __init__(self, v, g: tuple, F: Field):  # noqa: ANN001
        self.v, self.g, self.F = v, g, F

    def _lift(self, o):  # noqa: ANN001, ANN202
        return o if isinstance(o, Dual) else Dual(o, (), self.F)

    def __add__(self, o):  # noqa: ANN001, ANN204
        o = self._lift(o)
        n = self.F.norm
        return Dual(n(self.v + o.v), _zip(self.g, o.g, lambda a, b: n(a + b)), self.F)

    def __neg__(self):  # noqa: ANN204
        n = self.F.norm
        return Dual(n(-self.v), tuple(n(-a) for a in self.g), self.F)

    def __sub__(self, o):  # noqa: ANN001, ANN204
        return self + (-self._lift(o))

    def __mul__(self, o):  # noqa: ANN001, ANN204
        o = self._lift(o)
        n = self.F.norm
        g = _zip(tuple(a * o.v for a in self.g), tuple(self.v * b for b in o.g), lambda a, b: n(a + b))
        return Dual(n(self.v * o.v), g, self.F)

    def reciprocal(self) -> Dual:
        r = self.F.inv(self.v)
        n = self.F.norm
        return Dual(r, tuple(n(-a * r * r) for a in self.g), self.F)


def _zip(a: tuple, b: tuple, f) -> tuple:  # noqa: ANN001
    if not a:
        return tuple(f(0, y) for y in b) if b else ()
    if not b:
        return tuple(f(x, 0) for x in a)
    return tuple(f(x, y) for x, y in zip(a, b))


Mat = list  # a list of rows of Duals


class PointEvaluator:
    """Trees -> matrices of Duals at one point (`values`: entry name -> field value)."""

    def __init__(self, der: Derivation, sizes: dict[str, int], values: dict[str, object], F: Field):
        self.der, self.sizes, self.values, self.F = der, sizes, values, F
        self.seed: dict[str, int] = {}  # entry name -> its position in the gradient, inside D
        self.rows: dict[Node, int] = {}  # the size of each argument of inv and det (for `degree`)

    def evaluate(self, node: Node) -> Mat:
        F = self.F
        if isinstance(node, Num):
            return [[Dual(F.num(node.value), (), F)]]
        if isinstance(node, Name):
            return self._name(node.name)
        if isinstance(node, Neg):
            return [[-e for e in row] for row in self.evaluate(node.arg)]
        if isinstance(node, Transpose):
            return [list(col) for col in zip(*self.evaluate(node.arg))]
        if isinstance(node, Pow):
            if node.exp.denominator != 1:
                raise Unsupported("a root")
            k = int(node.exp)
            a = self.evaluate(node.base)
            return [[_power(e, k) for e in row] for row in a]
        if isinstance(node, BinOp):
            if node.op not in RATIONAL_OPS:  # x ** a: a symbolic exponent is not rational
                raise Unsupported(f"the operator {node.op}")
            return self._binop(node.op, self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, Call) and node.func in SUPPORTED:
            return self._call(node)
        raise Unsupported(type(node).__name__)

    def _name(self, name: str) -> Mat:
        F = self.F
        if name in self.sizes:
            return [[Dual(F.num(Fraction(self.sizes[name])), (), F)]]
        sym = self.der.symbols.get(name)
        if sym is None or sym.generic:
            raise Unsupported(name)
        rows, cols = size_of(sym.shape, self.sizes)
        out = []
        for i in range(rows):
            row = []
            for j in range(cols):
                key = entry_name(name, min(i, j), max(i, j), rows, cols) if "symmetric" in sym.assume \
                    else entry_name(name, i, j, rows, cols)
                g = ()
                if self.seed and key in self.seed:
                    g = tuple(1 if t == self.seed[key] else 0 for t in range(len(self.seed)))
                row.append(Dual(self.values[key], g, F))
            out.append(row)
        return out

    def _binop(self, op: str, a: Mat, b: Mat) -> Mat:
        shape_a, shape_b = (len(a), len(a[0])), (len(b), len(b[0]))
        if op in "+-":
            f = (lambda x, y: x + y) if op == "+" else (lambda x, y: x - y)
            return [[f(x, y) for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]
        if op == "@" and shape_a[1] == shape_b[0]:
            return [[_dot(ra, [rb[j] for rb in b]) for j in range(shape_b[1])] for ra in a]
        if op == "/":
            if shape_b == (1, 1):
                r = b[0][0].reciprocal()
                return [[x * r for x in row] for row in a]
            return [[x * y.reciprocal() for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]
        # * (and @ with a 1×1 factor): scaling, else the elementwise product
        if shape_a == (1, 1):
            return [[a[0][0] * y for y in row] for row in b]
        if shape_b == (1, 1):
            return [[x * b[0][0] for x in row] for row in a]
        return [[x * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]

    def _call(self, node: Call) -> Mat:
        F, f = self.F, node.func
        zero, one = Dual(0, (), F), Dual(1, (), F)
        if f in ("eye", "ones", "zeros"):
            dims = [int(a.value) if isinstance(a, Num) else self.sizes[a.name] for a in node.args]  # type: ignore[attr-defined]
            rows, cols = dims[0], dims[-1] if f == "eye" or len(dims) > 1 else 1
            return [[one if f == "ones" or (f == "eye" and i == j) else zero for j in range(cols)]
                    for i in range(rows)]
        if f == "D":
            return self._derivative(*node.args)
        a = self.evaluate(node.args[0])
        if f == "tr":
            return [[_total([a[i][i] for i in range(len(a))])]]
        if f == "sum":
            if len(node.args) != 1:
                raise Unsupported("sum over an index")
            return [[_total([e for row in a for e in row])]]
        if f == "diag":
            v = [row[0] for row in a]
            return [[v[i] if i == j else zero for j in range(len(v))] for i in range(len(v))]
        self.rows[node.args[0]] = len(a)
        inverse, det = _eliminate(a, F)
        return inverse if f == "inv" else [[det]]

    def _derivative(self, fnode: Node, xnode: Node) -> Mat:
        if self.seed or not isinstance(xnode, Name) or xnode.name not in self.der.symbols:
            raise Unsupported("a nested derivative, or one by an entry or an intermediate")
        sym = self.der.symbols[xnode.name]
        rows, cols = size_of(sym.shape, self.sizes)
        names = [entry_name(xnode.name, i, j, rows, cols) for i in range(rows) for j in range(cols)]
        self.seed = {n: t for t, n in enumerate(names)}
        try:
            f = self.evaluate(fnode)
        finally:
            self.seed = {}
        F = self.F

        def part(e: Dual, t: int) -> Dual:
            return Dual(e.g[t] if e.g else 0, (), F)

        if len(f) == 1 and len(f[0]) == 1:
            den = [[part(f[0][0], i * cols + j) for j in range(cols)] for i in range(rows)]
        elif len(f[0]) == 1 and cols == 1:
            den = [[part(f[j][0], i) for j in range(len(f))] for i in range(rows)]
        else:
            raise Unsupported("a derivative that is a tensor")
        return den if self.der.layout == "denominator" else [list(c) for c in zip(*den)]


def _power(e: Dual, k: int) -> Dual:
    base = e if k >= 0 else e.reciprocal()
    out = Dual(1, (), e.F)
    for _ in range(abs(k)):
        out = out * base
    return out


def _total(xs: list[Dual]) -> Dual:
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _dot(a: list[Dual], b: list[Dual]) -> Dual:
    return _total([x * y for x, y in zip(a, b)])


def _eliminate(a: Mat, F: Field) -> tuple[Mat, Dual]:
    """(inverse, determinant) of a square matrix by Gauss-Jordan elimination at the point."""
    n = len(a)
    m = [list(row) + [Dual(int(i == j), (), F) for j in range(n)] for i, row in enumerate(a)]
    det = Dual(1, (), F)
    for c in range(n):
        pivot = next((r for r in range(c, n) if m[r][c].v != 0), None)
        if pivot is None:
            raise Singular()
        if pivot != c:
            m[c], m[pivot] = m[pivot], m[c]
            det = -det
        det = det * m[c][c]
        r = m[c][c].reciprocal()
        m[c] = [x * r for x in m[c]]
        for i in range(n):
            if i != c and (m[i][c].v != 0 or m[i][c].g):
                f = m[i][c]
                m[i] = [x - f * y for x, y in zip(m[i], m[c])]
    return [row[n:] for row in m], det


# -- degree bounds -----------------------------------------------------------------------------
def degree(node: Node, sizes: dict[str, int], rows: dict[Node, int]) -> tuple[int, int]:
    """(n, d): every entry of the tree's value is a polynomial of total degree <= n over a common
    denominator of degree <= d (a conservative bound, for the error probability); `rows`: the
    size of each argument of inv and det (PointEvaluator.rows after evaluating the tree)."""
    if isinstance(node, Num):
        return 0, 0
    if isinstance(node, Name):
        return (0, 0) if node.name in sizes else (1, 0)
    if isinstance(node, (Neg, Transpose)):
        return degree(node.arg, sizes, rows)
    if isinstance(node, Pow):
        n, d = degree(node.base, sizes, rows)
        k = int(node.exp)
        return (k * n, k * d) if k >= 0 else (-k * d, -k * n)
    if isinstance(node, BinOp):
        if node.op not in RATIONAL_OPS:
            raise Unsupported(f"the operator {node.op}")
        (n1, d1), (n2, d2) = degree(node.left, sizes, rows), degree(node.right, sizes, rows)
        if node.op in "+-":
            return max(n1 + d2, n2 + d1), d1 + d2
        if node.op == "/":
            return n1 + d2, d1 + n2
        return n1 + n2, d1 + d2
    assert isinstance(node, Call)
    if node.func in ("eye", "ones", "zeros"):
        return 0, 0
    n, d = degree(node.args[0], sizes, rows)
    if node.func == "D":
        return max(n + d - 1, 0), 2 * d
    k = rows.get(node.args[0], 1)
    if node.func == "inv":  # M = N/q: inv(M) = q adj(N) / det(N)
        return d + (k - 1) * n, k * n
    if node.func == "det":
        return k * n, k * d
    return n, d  # tr, sum, diag


# -- the decision ------------------------------------------------------------------------------
def random_points(der: Derivation, sizes: dict[str, int], names: set[str], rng: random.Random,
                  draw) -> dict[str, object]:  # noqa: ANN001
    """Values for every entry of the independent symbols in `names` (mirrored ones once)."""
    out: dict[str, object] = {}
    for name in sorted(names):
        sym = der.symbols[name]
        rows, cols = size_of(sym.shape, sizes)
        for i in range(rows):
            for j in range(cols):
                if "symmetric" in sym.assume and j < i:
                    continue
                out[entry_name(name, i, j, rows, cols)] = draw(rng, "positive" in sym.assume)
    return out


MODULAR_DEGREE = 3  # above this degree bound SymPy's explicit derivative and expansion are what cost: decide here


@dataclass
class Outcome:
    """At one size assignment: equal at `points` points of GF(p) (the probability that a wrong
    link does so is at most `bound`), or a rational witness where the sides differ."""

    degree: int
    points: int = 0
    bound: float = 0.0
    witness: tuple | None = None  # (point: entry name -> value, left, right, (row, col))


def symbol_names(node: Node, der: Derivation) -> set[str]:
    out = {node.name} if isinstance(node, Name) and node.name in der.symbols else set()
    for c in node.children():
        out |= symbol_names(c, der)
    return out


def decide(der: Derivation, left: Node, right: Node, sizes: dict[str, int], rng: random.Random,
           min_degree: int = MODULAR_DEGREE) -> Outcome | None:
    """Compare two trees (definitions expanded) as rational functions at `sizes`; None when their
    degree bound is at most `min_degree` (the exact normal form is cheap then). Raises
    Unsupported for trees outside the rational functions, and for derivations with assumptions
    or positive definite symbols (their points are constrained)."""
    if der.assumptions:
        raise Unsupported("assumptions")
    names = symbol_names(left, der) | symbol_names(right, der)
    if any("positive-definite" in der.symbols[n].assume for n in names):
        raise Unsupported("a positive definite symbol")
    F = Field(True)
    out: Outcome | None = None
    for _ in range(20 * POINTS):
        values = random_points(der, sizes, names, rng, lambda r, positive: r.randrange(1, P))
        ev = PointEvaluator(der, sizes, values, F)
        try:
            A, B = ev.evaluate(left), ev.evaluate(right)
        except Singular:
            continue
        if out is None:
            (n1, d1), (n2, d2) = degree(left, sizes, ev.rows), degree(right, sizes, ev.rows)
            out = Outcome(max(n1 + d2, n2 + d1))
            if out.degree <= min_degree:
                return None
        if any(a.v != b.v for ra, rb in zip(A, B) for a, b in zip(ra, rb)):
            out.witness = rational_witness(der, left, right, sizes, names, rng)
            return out
        out.points += 1
        if out.points == POINTS:
            # Schwartz-Zippel: a nonzero numerator of degree <= D vanishes at a uniform point with
            # probability <= D/p; points that hit a pole are redrawn (a factor < 2 at these sizes)
            out.bound = 2 * (out.degree / P) ** POINTS
            return out
    raise Unsupported("no point where both sides are defined")


def rational_witness(der: Derivation, left: Node, right: Node, sizes: dict[str, int],
                     names: set[str], rng: random.Random, tries: int = 40) -> tuple | None:
    """A small rational point where the two sides differ, with both values and the entry."""
    from .exact import random_value  # noqa: PLC0415

    F = Field(False)
    for _ in range(tries):
        values = random_points(der, sizes, names, rng, lambda r, positive: _fraction(random_value(r, positive)))
        ev = PointEvaluator(der, sizes, values, F)
        try:
            A, B = ev.evaluate(left), ev.evaluate(right)
        except Singular:
            continue
        for i, (ra, rb) in enumerate(zip(A, B)):
            for j, (a, b) in enumerate(zip(ra, rb)):
                if a.v != b.v:
                    return {k: str(v) for k, v in values.items()}, str(a.v), str(b.v), (i, j)
    return None


def _fraction(q) -> Fraction:  # noqa: ANN001  (a SymPy Rational)
    return Fraction(int(q.p), int(q.q))
