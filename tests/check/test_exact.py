"""docgen.check.exact: atoms (exp, logs, generic functions), equal entries over them, and probes."""

from __future__ import annotations

import random

import sympy as sp

from docgen.check.exact import Atomizer, equal_entries, probe_point
from docgen.check.rational import is_zero

x, y, z = sp.symbols("x y z")
p = sp.Symbol("p", positive=True)
r2 = sp.sqrt(2)


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
