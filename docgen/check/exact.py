"""Exact decision procedures on SymPy entries: atoms, the normal form, rational probes.

A link's difference A - B is first rewritten so that exp(Σ cᵢ xᵢ) becomes Π Eᵢ^cᵢ with Eᵢ
independent positive symbols, logs are expanded under the symbols' assumptions, and every other
function application becomes an opaque symbol; a root b^(p/q) becomes a power of a generator
with its relation (t^q = b). Zero as a rational function of those symbols, reduced modulo the
relations, is a proof (any values of the atoms, in particular the true ones, give zero); the
polynomial ring that decides it is in rational.py. A random exact point of the same symbols
refutes only when every atom can take its value freely: E's whose variable does not also
appear bare, and generic (undefined) functions, whose values at distinct points are free.
"""

from __future__ import annotations

import math
import random
from functools import reduce
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef

from .concrete import GenericFunction  # noqa: F401  (documents which classes are generic)
from .rational import NotRational, RationalForms, is_zero_slow, radicals

_E_PREFIX = "E_"


@dataclass
class Atomizer:
    """Rewrites expressions over one shared set of atoms."""

    exp_symbols: dict[sp.Symbol, sp.Symbol] = field(default_factory=dict)  # x -> E_x
    atoms: dict[sp.Basic, sp.Symbol] = field(default_factory=dict)  # opaque atom -> symbol
    generic: set[sp.Symbol] = field(default_factory=set)  # atom symbols free for probes
    specific: set[sp.Symbol] = field(default_factory=set)  # atom symbols with fixed meaning
    _memo: dict[sp.Basic, sp.Expr] = field(default_factory=dict)

    def prepare(self, e: sp.Expr) -> sp.Expr:
        """e over the atoms: exp(polynomial) -> powers of E symbols, logs expanded, other
        functions -> symbols. Bottom up and remembered per node, so subexpressions shared by
        the entries of a matrix (and by both sides of a link) are rewritten once."""
        hit = self._memo.get(e)
        if hit is not None:
            return hit
        if not e.args:
            out = e
        elif isinstance(e, sp.exp):
            out = self._exp(e)
        elif isinstance(e, sp.log):
            expanded = sp.expand_log(e)
            out = self._atom(e) if expanded == e else self.prepare(expanded)
        elif isinstance(e, (sp.Function, sp.Derivative)):
            out = self._atom(e)
        else:
            args = [self.prepare(a) for a in e.args]
            out = e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)
        self._memo[e] = out
        return out

    def _exp(self, node: sp.exp) -> sp.Expr:
        arg = sp.expand(node.args[0])
        const, rest = arg.as_independent(*arg.free_symbols, as_Add=True)
        if const != 0:  # exp(c + u) = e^c · exp(u) for a rational c (e is a free generator)
            if not const.is_Rational or rest == 0:
                return self._atom(node, specific=True)
            return sp.E**const * self.prepare(sp.exp(rest))
        terms = [t.as_independent(*t.free_symbols, as_Add=False) for t in sp.Add.make_args(arg)]
        if not terms or not all(c.is_number and c != 0 and _is_monomial(m) for c, m in terms):
            return self._atom(node, specific=True)
        if all(c.is_Rational and isinstance(m, sp.Symbol) for c, m in terms):
            # exp(Σ cᵢ xᵢ) = Π Eᵢ^cᵢ: one positive symbol per variable, probes stay exact
            # (a rational cᵢ makes a radical of Eᵢ)
            out = sp.S.One
            for c, m in terms:
                out *= self._e_symbol(m) ** c
            return out
        # exp(r·w·u) for a polynomial u with coprime integer coefficients (first one positive),
        # a rational r and a number w (e.g. 1/sqrt(d)): one symbol E = exp(w·u) per (w, u), and
        # exp(r·w·u) = E^r, so that exp(u/2), exp(-u) and exp(2u) stay related (a fractional
        # power of E is a radical, which the normal form knows: (E^(1/2))² = E)
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
        r, w = unit.as_coeff_Mul()
        return self._e_symbol(base if w == 1 else (w, base)) ** r

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
        if free & self.specific or radicals(e):
            return False  # a radical at a rational point is (mostly) irrational: no exact witness
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


def equal_entries(pairs: list[tuple[sp.Expr, sp.Expr]], atomizer: Atomizer | None = None,
                  elim: dict | None = None) -> list[bool]:
    """For entries (a, b): is a - b identically zero once `elim` is substituted and the entries
    are rewritten over the atomizer's atoms? One polynomial ring for all of them, so shared
    subexpressions are converted once and no rewritten SymPy tree is ever built; an entry the
    ring cannot hold (a float, x**y) falls back to SymPy's `together`."""
    if not pairs:
        return []
    atomizer = atomizer or Atomizer()
    forms = RationalForms([x for pair in pairs for x in pair], atomizer, elim or {})
    out = []
    for a, b in pairs:
        try:
            out.append(forms.equal(a, b))
        except NotRational:
            if elim:
                a, b = a.xreplace(elim), b.xreplace(elim)
            out.append(is_zero_slow(atomizer.prepare(a) - atomizer.prepare(b)))
    return out


MAX_SIGN_SPLITS = 4  # arguments of abs/sign decided by cases: 2^k cases


def has_signs(e: sp.Basic) -> bool:
    return e.has(sp.Abs, sp.sign)


def _signed(g: sp.Expr) -> tuple[sp.Expr, int]:
    """(h, s) with g = s·h and h the one of ±g that SymPy prints without a leading minus."""
    return (-g, -1) if g.could_extract_minus_sign() else (g, 1)


def split_products(e: sp.Expr) -> sp.Expr:
    """|a·b| = |a|·|b|, sign(a·b) = sign(a)·sign(b), |a^k| = |a|^k, sign(a^k) = sign(a)^k for an
    integer k: true of all reals, and it leaves fewer, independent arguments to split by sign."""
    def whole(node: sp.Expr) -> bool:
        if not isinstance(node, (sp.Abs, sp.sign)):
            return False
        arg = node.args[0]
        return (
            isinstance(arg, sp.Mul) or (isinstance(arg, sp.Pow) and arg.exp.is_Integer))

    def split(node: sp.Expr) -> sp.Expr:
        f, arg = type(node), node.args[0]
        if isinstance(arg, sp.Pow):
            return f(arg.base) ** arg.exp
        return sp.Mul(*[f(a) for a in arg.args])

    return e.replace(whole, split)


def sign_arguments(exprs: list[sp.Expr]) -> list[sp.Expr] | None:
    """The distinct arguments (up to sign) of abs and sign in `exprs` (after split_products),
    in a fixed order; None when one is nested in another's argument (not split by cases)."""
    found: dict[sp.Expr, None] = {}
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Abs, sp.sign)):
                if has_signs(node.args[0]):
                    return None
                found.setdefault(_signed(node.args[0])[0], None)
    return sorted(found, key=sp.default_sort_key)


def with_signs(e: sp.Expr, choice: dict[sp.Expr, int]) -> sp.Expr:
    """e with |g| = σg and sign(g) = σ for the sign σ chosen for each argument g (up to sign)."""
    def fix(node: sp.Expr) -> sp.Expr:
        h, s = _signed(node.args[0])
        sigma = choice[h] * s  # the sign of node.args[0]
        return sigma * node.args[0] if isinstance(node, sp.Abs) else sp.Integer(sigma)

    return e.replace(lambda n: isinstance(n, (sp.Abs, sp.sign)) and _signed(n.args[0])[0] in choice, fix)


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


def dominant_diagonals(point: dict, matrices: list) -> dict:
    """The point with each diagonal entry of `matrices` (symmetric matrices of entry symbols)
    raised to 1 + the sum of |the other entries of its row|: strictly diagonally dominant with a
    positive diagonal, so positive definite. Entries not in the point count as 0."""
    for m in matrices:
        for i in range(m.rows):
            if m[i, i] in point:
                off = sum(abs(point.get(m[i, j], 0)) for j in range(m.cols) if j != i)
                point[m[i, i]] = 1 + off
    return point


def describe_point(point: dict, atomizer: Atomizer) -> dict[str, str]:
    """Name a probe point in the user's terms: x_1 = 2, exp(x_2) = 3/2, f(x_1) = -1."""
    inverse_exp = {e: x for x, e in atomizer.exp_symbols.items()}
    inverse_atom = {s: a for a, s in atomizer.atoms.items()}
    out = {}
    for s, v in point.items():
        if s in inverse_exp:
            out[f"exp({inverse_exp[s]})"] = str(v)
        elif s in inverse_atom:
            out[user_term(inverse_atom[s])] = str(v)
        else:
            out[str(s)] = str(v)
    return out


def user_term(atom: sp.Basic) -> str:
    """An atom as the user would write it: y, z_1, ∂y/∂x_2, f'(x_1), log(x_1 + x_2)."""
    if isinstance(atom, sp.Derivative):
        inner = user_term(atom.expr)
        wrt = "".join(f"∂{v}" + (f"^{k}" if k > 1 else "") for v, k in atom.variable_count)
        order = sum(k for _, k in atom.variable_count)
        return f"∂{'^' + str(order) if order > 1 else ''}{inner}/{wrt}"
    if isinstance(atom, AppliedUndef):
        return type(atom).__name__  # a generic dependent y(x): its value at the point
    return str(atom)
