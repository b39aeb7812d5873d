"""docgen.check.exact: the exact normal form (rational functions, radicals, exp atoms) and probes."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from docgen.check.exact import Atomizer, RationalForms, equal_entries, is_zero, probe_point

x, y, z = sp.symbols("x y z")
p = sp.Symbol("p", positive=True)
r2, r3 = sp.sqrt(2), sp.sqrt(3)


@pytest.mark.parametrize("e", [
    (x + y) ** 2 - x**2 - 2 * x * y - y**2,
    1 / (x + 1) + 1 / (x - 1) - 2 * x / (x**2 - 1),
    r2 * r2 - 2,
    r2 / 2 - 1 / r2,
    (x + r2) ** 2 - x**2 - 2 * r2 * x - 2,
    (r2 + r3) ** 2 - 5 - 2 * sp.sqrt(6),  # sqrt(6) is a third generator: not needed here
    (x**2 + y) / sp.sqrt(x**2 + y) ** 3 - 1 / sp.sqrt(x**2 + y),
    sp.sqrt(1 + sp.sqrt(x)) ** 2 - 1 - sp.sqrt(x),  # nested radicals
    (sp.sqrt(1 + sp.sqrt(x)) + 1) * (sp.sqrt(1 + sp.sqrt(x)) - 1) - sp.sqrt(x),
    1 / (sp.sqrt(x) + 1) - (sp.sqrt(x) - 1) / (x - 1),  # a radical in a denominator
    sp.sqrt(x / (y + 1)) * sp.sqrt(y + 1) - sp.sqrt(x / (y + 1)) * (y + 1) / sp.sqrt(y + 1),
    x ** sp.Rational(1, 3) * x ** sp.Rational(1, 2) - x ** sp.Rational(5, 6),
    sp.pi * x - x * sp.pi,
])
def test_zero_is_proven(e):
    assert is_zero(e)


@pytest.mark.parametrize("e", [
    x - y,
    r2 - 1,
    sp.sqrt(x) - x,
    sp.sqrt(x**2) - x,  # false for x < 0: a nonzero remainder never claims zero
    r2 * r3 - 2,
    sp.pi - 3,
    1 / (x + 1) - 1 / (x + 2),
])
def test_nonzero_is_not_claimed(e):
    assert not is_zero(e)


def test_floats_fall_back_to_sympy():
    assert is_zero(sp.Float(0.5) * x - x / 2)
    assert not is_zero(sp.Float(0.5) * x - x)


def test_exp_units_stay_related():
    """exp(u/2)² = exp(u), exp(u/√2)² = exp(√2 u): one E symbol per (irrational unit, base)."""
    at = Atomizer()
    u = x * y + z
    pairs = [
        (sp.exp(x / 2) ** 2, sp.exp(x)),
        (sp.exp(u / 2) * sp.exp(u / 2), sp.exp(u)),
        (sp.exp(u / r2) ** 2, sp.exp(r2 * u)),
        (sp.exp(-u) * sp.exp(2 * u), sp.exp(u)),
        (sp.exp(x / 3) ** 3 / (1 + sp.exp(x)), 1 - 1 / (1 + sp.exp(x))),
    ]
    assert equal_entries(pairs, at) == [True] * len(pairs)
    assert equal_entries([(sp.exp(u / 2), sp.exp(u))], at) == [False]


def test_eliminations_apply_inside_functions():
    """elim (from a linear assumption) replaces a symbol everywhere, also inside exp and log."""
    elim = {z: 1 - x - y}
    at = Atomizer()
    assert equal_entries([(z + x + y, sp.Integer(1)), (sp.exp(z) * sp.exp(x + y), sp.E)], at, elim) == [True, True]
    assert equal_entries([(z, sp.Integer(1))], Atomizer(), elim) == [False]


def test_shared_subexpressions_convert_once():
    big = sum(sp.exp(sp.Symbol(f"x{i}")) for i in range(6))
    entries = [(sp.exp(sp.Symbol(f"x{i}")) / big, sp.exp(sp.Symbol(f"x{i}")) / big) for i in range(6)]
    forms = RationalForms([e for pair in entries for e in pair], Atomizer())
    assert all(forms.equal(a, b) for a, b in entries)
    # the denominator was one factor, remembered once for all entries
    assert len(forms.factors) == 1


def test_generic_functions_are_atoms():
    f = sp.Function("f")
    assert is_zero(Atomizer().prepare(f(x) * f(y) - f(y) * f(x)))
    assert not is_zero(Atomizer().prepare(f(x) - f(y)))


def test_radicals_are_not_probeable():
    at = Atomizer()
    assert at.probeable(at.prepare(x + y))
    assert not at.probeable(at.prepare(sp.sqrt(x + y)))
    assert not at.probeable(at.prepare(sp.exp(x / 2)))


def test_probe_points_are_reproducible_and_positive_where_needed():
    a = probe_point({x, p}, random.Random(3))
    b = probe_point({x, p}, random.Random(3))
    assert a == b and a[p] > 0 and all(v.is_Rational and v != 0 for v in a.values())
