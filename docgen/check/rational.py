"""Exact zero tests of rational functions: SymPy expressions as sparse polynomials over QQ.

An expression is numerator / Π baseᵏ in one polynomial ring whose generators are its symbols,
its number symbols (pi) and one generator per radical base, with that generator's relation.
Zero, reduced modulo the relations, is a proof; a part the ring cannot hold (a float, x**y)
raises NotRational, and `is_zero` then asks SymPy. exact.py rewrites exp, log and function
applications into symbols before they get here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import ring

if TYPE_CHECKING:
    from .exact import Atomizer


def is_zero(e: sp.Expr) -> bool:
    """Exact: is e identically zero as a rational function of its symbols?"""
    if e == 0:
        return True
    try:
        return RationalForms([e]).is_zero(e)
    except NotRational:
        return is_zero_slow(e)


def is_zero_slow(e: sp.Expr) -> bool:
    """SymPy's own way (together, then expand the numerator), for what the ring cannot hold."""
    num, _ = sp.fraction(sp.together(e))
    return sp.expand(num) == 0


class NotRational(Exception):
    """The expression has a part that is not a rational function (a float, a root)."""


def _is_root(x: sp.Basic) -> bool:
    """A power with a non-integer rational exponent: sqrt(2), sqrt(v + eps)⁻³, E^(1/2)."""
    return bool(x.is_Pow and x.exp.is_Rational and not x.exp.is_Integer)


def radicals(e: sp.Expr) -> list[sp.Pow]:
    """The roots in e."""
    return [p for p in e.atoms(sp.Pow) if _is_root(p)]


class RationalForms:
    """Expressions as numerator / Π baseᵏ with sparse polynomials over QQ (SymPy's `ring`).

    Denominators stay factored, and sums take the largest power of each factor (no gcd), so
    nothing is expanded twice; the numerator is zero exactly when the expression is. About 10×
    faster than `together` + `expand` on the seed's links. One ring serves a whole matrix: its
    generators are every symbol of every entry, and conversions are remembered per node.

    Radicals: every base b of a power b^(p/q) gets one generator t standing for Dᵦ·b^(1/L)
    (L the lcm of the q's of b, Dᵦ the denominator of b's own form Nᵦ/Dᵦ), so b^(p/q) =
    (t/Dᵦ)^(pL/q) and t satisfies t^L = Nᵦ·Dᵦ^(L-1). Numerators are reduced modulo these
    relations (generators ordered so that each tᴸ leads its relation): a zero remainder proves
    zero; a nonzero one does not refute (a perfect square under a root), so the test is exact
    for proofs and may be incomplete only with radicals. Numbers like pi are free generators
    (sound: zero for all values of a generator is zero for its true value).
    """

    def __init__(self, exprs: list[sp.Expr], atomizer: Atomizer | None = None, elim: dict | None = None):
        # with an atomizer, exp/log/function nodes are rewritten one by one as they are met
        # (exp(u) -> E^r, f(x) -> a symbol), and symbols in `elim` stand for their values
        self.atomizer = atomizer
        self.elim = elim or {}
        self.rewritten: dict[sp.Basic, sp.Expr] = {}
        syms, constants, radicals = self._scan(exprs)
        # bases of radicals, outermost first (a base containing another radical comes before it)
        self.roots: dict[sp.Basic, int] = {}
        for p in radicals:
            self.roots[p.base] = math.lcm(self.roots.get(p.base, 1), int(p.exp.q))
        bases = sorted(self.roots, key=lambda b: (-_nesting(b), sp.default_sort_key(b)))
        constants = sorted(constants, key=sp.default_sort_key)
        syms = sorted(syms, key=lambda s: (s.name, getattr(s, "dummy_index", 0) or 0))
        root_gens = [sp.Dummy(f"t{i}") for i in range(len(bases))]
        const_gens = [sp.Dummy(f"c{i}") for i in range(len(constants))]
        names = root_gens + const_gens + syms
        self.R, *gens = ring(names, QQ) if names else ring("_unused", QQ)
        self.root_gen = dict(zip(bases, gens[:len(bases)]))
        self.gens = dict(zip(constants + syms, gens[len(bases):]))
        self.relations: list = []
        self.root_den: dict[sp.Basic, tuple] = {}
        self.factors: dict[frozenset, object] = {}
        self.memo: dict[sp.Basic, tuple] = {}

    def _rewrite(self, x: sp.Basic) -> sp.Basic | None:
        """What stands for x in the ring when it is not itself a sum, product or power."""
        if x.is_Symbol and x in self.elim:
            return self.elim[x]
        if self.atomizer is not None and isinstance(x, (sp.Function, sp.Derivative)):
            hit = self.rewritten.get(x)
            if hit is None:
                y = x.xreplace(self.elim) if self.elim else x
                hit = self.rewritten[x] = self.atomizer.prepare(y)
            return hit
        return None

    def _scan(self, exprs: list[sp.Expr]) -> tuple[set, set, list]:
        """(symbols, number symbols like pi, radicals) of all exprs as the ring will see them,
        each shared node visited once."""
        seen: set = set()
        syms: set = set()
        constants: set = set()
        radicals: list = []
        stack = list(exprs)
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            y = self._rewrite(x)
            if y is not None:
                stack.append(y)
            elif x.is_Symbol:
                syms.add(x)
            elif x.is_NumberSymbol:
                constants.add(x)
            elif _is_root(x):
                if _splittable(x.base):
                    for prime, k in _prime_powers(x.base, x.exp):
                        if not k.is_Integer:  # one generator per prime: √6 = √2·√3
                            radicals.append(sp.Pow(prime, k - sp.floor(k), evaluate=False))
                else:
                    radicals.append(x)
                    stack.extend(x.args)
            else:
                stack.extend(x.args)
        return syms, constants, radicals

    def _zero(self, num) -> bool:  # noqa: ANN001
        if num and self.relations:
            num = num.rem(self.relations)
        return not num

    def is_zero(self, e: sp.Expr) -> bool:
        return self._zero(self.convert(e)[0])

    def equal(self, a: sp.Expr, b: sp.Expr) -> bool:
        """a - b = 0, without building a - b in SymPy."""
        (an, ad), (bn, bd) = self.convert(a), self.convert(b)
        return self._zero(self._sum([(an, ad), (-bn, bd)])[0])

    def _sum(self, parts: list[tuple]) -> tuple:
        """Σ numᵢ/denᵢ over the largest power of each factor (no gcd, nothing expanded)."""
        need: dict[frozenset, int] = {}
        for _, den in parts:
            for k, v in den.items():
                need[k] = max(need.get(k, 0), v)
        total = self.R.zero
        for num, den in parts:
            total = total + num * self._power(need, den)
        return total, need

    def _power(self, den: dict[frozenset, int], less: dict[frozenset, int] | None = None, k: int = 1):  # noqa: ANN202
        """Π factor^(k·v) over `den`, less the powers in `less`, as one polynomial."""
        out = self.R.one
        for f, v in den.items():
            v = k * v - (less or {}).get(f, 0)
            if v:
                out = out * self.factors[f] ** v
        return out

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

    def _root(self, base: sp.Basic) -> tuple:
        """(t, Dᵦ as a factor dict) for the radical generator of `base` (its relation recorded)."""
        hit = self.root_den.get(base)
        if hit is None:
            t, L = self.root_gen[base], self.roots[base]
            bn, bd = self.convert(base)
            if not bn:
                raise NotRational(base)  # a root of zero: leave it to SymPy
            self.relations.append(t**L - bn * self._power(bd) ** (L - 1))
            hit = self.root_den[base] = (t, bd)
        return hit

    def _convert(self, x: sp.Basic) -> tuple:
        R = self.R
        g = self.gens.get(x)
        if g is not None:
            return g, {}
        y = self._rewrite(x)
        if y is not None:
            return self.convert(y)
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
            return self._sum([self.convert(a) for a in x.args])
        if _is_root(x) and _splittable(x.base):
            # (Π primeᵉ)^(a/b) = Π prime^⌊k⌋ · t_prime^((k - ⌊k⌋)·L), k = e·a/b
            num = R.one
            for prime, k in _prime_powers(x.base, x.exp):
                whole = sp.floor(k)
                num = num * R(QQ(int(prime)) ** int(whole))
                if k != whole:
                    t, _ = self._root(prime)
                    num = num * t ** int((k - whole) * self.roots[prime])
            return num, {}
        if _is_root(x):
            # b^(p/q) = (t/Dᵦ)^k with k = p·L/q
            t, bd = self._root(x.base)
            k = int(x.exp.p) * self.roots[x.base] // int(x.exp.q)
            if k >= 0:
                return t**k, {f: v * k for f, v in bd.items()}
            return self._power(bd, k=-k), {self.factor_key(t): -k}
        if x.is_Pow and x.exp.is_Integer:
            k = int(x.exp)
            bn, bd = self.convert(x.base)
            if k >= 0:
                return bn**k, {f: v * k for f, v in bd.items()}
            num = self._power(bd, k=-k)
            if not bn:
                raise NotRational(x)  # a division by zero: leave it to SymPy's own path
            if bn.is_ground:
                return num * R(QQ(1) / bn.LC) ** -k, {}
            return num, {self.factor_key(bn): -k}
        raise NotRational(x)


def _splittable(base: sp.Basic) -> bool:
    """A positive rational small enough to factor at once."""
    return bool(base.is_Rational and base > 0 and max(abs(int(base.p)), int(base.q)) < 10**12)


def _prime_powers(base: sp.Rational, exp: sp.Rational) -> list[tuple[sp.Integer, sp.Rational]]:
    """base^exp as Π primeᵏ: [(prime, k)] for a positive rational base."""
    out = [(sp.Integer(q), sp.Rational(e) * exp) for q, e in sp.factorint(int(base.p)).items()]
    out += [(sp.Integer(q), -sp.Rational(e) * exp) for q, e in sp.factorint(int(base.q)).items()]
    return sorted(out)


def _nesting(e: sp.Basic) -> int:
    """How deeply radicals nest inside e (0: none)."""
    inner = [p for p in radicals(e) if p != e]
    return 1 + max((_nesting(p.base) for p in inner), default=-1) if inner else 0
