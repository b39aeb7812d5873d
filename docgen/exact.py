"""Exact decision procedures on SymPy entries: atoms, normal forms, rational probes.

A link's difference A - B is first rewritten so that exp(Σ cᵢ xᵢ) becomes Π Eᵢ^cᵢ with Eᵢ
independent positive symbols, logs are expanded under the symbols' assumptions, and every other
function application becomes an opaque symbol. Zero as a rational function of those symbols is a
proof (any values of the atoms, in particular the true ones, give zero). A random exact point of
the same symbols refutes only when every atom can take its value freely: E's whose variable does
not also appear bare, and generic (undefined) functions, whose values at distinct points are free.
"""

from __future__ import annotations

import math
import random
from functools import reduce
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import ring
from sympy.core.function import AppliedUndef

from .concrete import GenericFunction  # noqa: F401  (documents which classes are generic)

_E_PREFIX = "E_"


@dataclass
class Atomizer:
    """Rewrites expressions over one shared set of atoms."""

    exp_symbols: dict[sp.Symbol, sp.Symbol] = field(default_factory=dict)  # x -> E_x
    atoms: dict[sp.Basic, sp.Symbol] = field(default_factory=dict)  # opaque atom -> symbol
    generic: set[sp.Symbol] = field(default_factory=set)  # atom symbols free for probes
    specific: set[sp.Symbol] = field(default_factory=set)  # atom symbols with fixed meaning
    _exp_memo: dict[sp.Basic, sp.Expr] = field(default_factory=dict)

    def prepare(self, e: sp.Expr) -> sp.Expr:
        if e.has(sp.log):
            e = sp.expand_log(e)
        exps = e.atoms(sp.exp)
        if exps:
            e = e.xreplace({a: self._exp_cached(a) for a in exps})
        funcs = [a for a in e.atoms(sp.Function, sp.Derivative) if not isinstance(a, sp.exp)]
        if funcs:
            mapping = {a: self._atom(a) for a in funcs}
            e = e.xreplace(mapping)
        return e

    def _exp_cached(self, node: sp.exp) -> sp.Expr:
        hit = self._exp_memo.get(node)
        if hit is None:
            hit = self._exp_memo[node] = self._exp(node)
        return hit

    def _exp(self, node: sp.exp) -> sp.Expr:
        arg = sp.expand(node.args[0])
        terms = [t.as_independent(*t.free_symbols, as_Add=False) for t in sp.Add.make_args(arg)]
        if not terms or not all(c.is_number and c != 0 and _is_monomial(m) for c, m in terms):
            return self._atom(node, specific=True)
        if all(c.is_Integer and isinstance(m, sp.Symbol) for c, m in terms):
            # exp(Σ cᵢ xᵢ) = Π Eᵢ^cᵢ: one positive symbol per variable, probes stay exact
            out = sp.S.One
            for c, m in terms:
                out *= self._e_symbol(m) ** c
            return out
        # exp(k·w·u) for a polynomial u with coprime integer coefficients, a number w (e.g.
        # 1/sqrt(d)) and an integer k: one symbol per (w, u), so that exp(u), exp(-u) and
        # exp(2u) stay related without a symbol per monomial
        ratios = [sp.nsimplify(c / terms[0][0]) for c, _ in terms]
        if not all(r.is_Rational for r in ratios):
            return self._atom(node, specific=True)
        lcm = reduce(math.lcm, [int(r.q) for r in ratios])
        ints = [int(r * lcm) for r in ratios]
        g = reduce(math.gcd, [abs(k) for k in ints])
        unit = terms[0][0] * g / lcm  # arg = unit · Σ (kᵢ/g) mᵢ
        base = sp.Add(*[sp.Integer(k // g) * m for k, (_, m) in zip(ints, terms)])
        if ints[0] < 0:
            base, unit = -base, -unit
        # unit = (p/q)·w with w irrational or 1: exp(arg) = exp((w/q)·base)^p
        r, w = unit.as_coeff_Mul()
        if r.q == 1 and w == 1:
            return self._e_symbol(base) ** int(r.p)
        return self._e_symbol((w / r.q, base)) ** int(r.p)

    def _e_symbol(self, m) -> sp.Symbol:  # noqa: ANN001  (an expression, or (unit, polynomial))
        """E_m = exp(m), an independent positive symbol (sound for proofs: any values, in
        particular the true ones, make a zero rational function zero)."""
        if m not in self.exp_symbols:
            name = _E_PREFIX + str(m).replace(" ", "")
            self.exp_symbols[m] = sp.Dummy(name, positive=True)
        return self.exp_symbols[m]

    def _atom(self, a: sp.Basic, specific: bool | None = None) -> sp.Symbol:
        if a not in self.atoms:
            s = sp.Dummy(f"a{len(self.atoms)}")
            self.atoms[a] = s
            is_generic = _is_generic(a) if specific is None else not specific
            (self.generic if is_generic else self.specific).add(s)
        return self.atoms[a]

    def probeable(self, e: sp.Expr) -> bool:
        """Whether exact random points of e's symbols are points of the original functions."""
        free = e.free_symbols
        if free & self.specific:
            return False
        for m, em in self.exp_symbols.items():
            if em not in free:
                continue
            # exp of a product of variables: their values are not free to choose one by one
            if not isinstance(m, sp.Symbol) or m in free:
                return False
        return True


def _is_generic(a: sp.Basic) -> bool:
    if isinstance(a, sp.Derivative):
        return _is_generic(a.expr)
    if isinstance(a, AppliedUndef):
        return True
    return getattr(type(a), "fdiff", None) is not None and type(a).__name__.rstrip("'").isidentifier() \
        and not isinstance(a, (sp.log, sp.tanh, sp.sin, sp.cos, sp.Abs, sp.exp)) and _is_dynamic(a)


def _is_dynamic(a: sp.Basic) -> bool:
    # GenericFunction classes are created at run time; SymPy's own functions live in sympy.*
    return not type(a).__module__.startswith("sympy")


def _is_monomial(e: sp.Expr) -> bool:
    """A symbol, or a product of symbols with positive integer powers."""
    for f in sp.Mul.make_args(e):
        base, exp = f.as_base_exp()
        if not (isinstance(base, sp.Symbol) and exp.is_Integer and exp > 0):
            return False
    return True


def is_zero(e: sp.Expr) -> bool:
    """Exact: is e identically zero as a rational function of its symbols?"""
    if e == 0:
        return True
    try:
        return _RationalForm(e).is_zero()
    except NotRational:
        num, _ = sp.fraction(sp.together(e))
        return sp.expand(num) == 0


class NotRational(Exception):
    """The expression has a part that is not a rational function (a float, a root)."""


class _RationalForm:
    """e as numerator / Π baseᵏ with sparse polynomials over QQ (SymPy's `ring`).

    Denominators stay factored, and sums take the largest power of each factor (no gcd), so
    nothing is expanded twice; the numerator is zero exactly when e is. About 10× faster than
    `together` + `expand` on the seed's links.
    """

    def __init__(self, e: sp.Expr):
        self.e = e
        syms = sorted(e.free_symbols, key=lambda s: s.name)
        self.R, *gens = ring(syms, QQ) if syms else ring("_unused", QQ)
        self.gens = dict(zip(syms, gens))
        self.factors: dict[frozenset, object] = {}
        self.memo: dict[sp.Basic, tuple] = {}

    def is_zero(self) -> bool:
        num, _ = self.convert(self.e)
        return not num

    def factor_key(self, p) -> frozenset:  # noqa: ANN001
        key = frozenset(p.items())
        self.factors.setdefault(key, p)
        return key

    def convert(self, x: sp.Basic) -> tuple:
        hit = self.memo.get(x)
        if hit is None:
            hit = self._convert(x)
            self.memo[x] = hit
        return hit

    def _convert(self, x: sp.Basic) -> tuple:
        R = self.R
        if x.is_Symbol:
            return self.gens[x], {}
        if x.is_Rational:
            return R(QQ(int(x.p), int(x.q))), {}
        if x.is_Mul:
            num, den = R.one, {}
            for a in x.args:
                an, ad = self.convert(a)
                num = num * an
                for k, v in ad.items():
                    den[k] = den.get(k, 0) + v
            return num, den
        if x.is_Add:
            parts = [self.convert(a) for a in x.args]
            need: dict[frozenset, int] = {}
            for _, ad in parts:
                for k, v in ad.items():
                    need[k] = max(need.get(k, 0), v)
            num = R.zero
            for an, ad in parts:
                for k, v in need.items():
                    if v > ad.get(k, 0):
                        an = an * self.factors[k] ** (v - ad.get(k, 0))
                num = num + an
            return num, need
        if x.is_Pow and x.exp.is_Integer:
            k = int(x.exp)
            bn, bd = self.convert(x.base)
            if k >= 0:
                return bn**k, {f: v * k for f, v in bd.items()}
            num = R.one
            for f, v in bd.items():
                num = num * self.factors[f] ** (v * -k)
            if not bn:
                raise NotRational(x)  # a division by zero: leave it to SymPy's own path
            if bn.is_ground:
                return num * R(QQ(1) / bn.LC) ** -k, {}
            return num, {self.factor_key(bn): -k}
        raise NotRational(x)


def random_value(rng: random.Random, positive: bool = False) -> sp.Rational:
    """A random small rational, nonzero; positive when asked."""
    while True:
        v = Fraction(rng.randint(-9, 9), rng.randint(1, 5))
        if positive:
            v = abs(v)
        if v != 0:
            return sp.Rational(v.numerator, v.denominator)


def probe_point(symbols: set[sp.Symbol], rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    """A random exact point; names sorted so that a seed gives the same point every run."""
    ordered = sorted(symbols, key=lambda s: (s.name, getattr(s, "dummy_index", 0)))
    return {s: random_value(rng, positive=bool(s.is_positive)) for s in ordered}
