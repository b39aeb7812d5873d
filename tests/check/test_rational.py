"""docgen.check.rational: the exact zero test (rational functions in one ring, radicals with their
relations) and SymPy's fallback."""

from __future__ import annotations

import pytest
import sympy as sp

from docgen.check.exact import Atomizer
from docgen.check.rational import RationalForms, is_zero

x, y = sp.symbols("x y")
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


def test_shared_subexpressions_convert_once():
    big = sum(sp.exp(sp.Symbol(f"x{i}")) for i in range(6))
    entries = [(sp.exp(sp.Symbol(f"x{i}")) / big, sp.exp(sp.Symbol(f"x{i}")) / big) for i in range(6)]
    forms = RationalForms([e for pair in entries for e in pair], Atomizer())
    assert all(forms.equal(a, b) for a, b in entries)
    # the denominator was one factor, remembered once for all entries
    assert len(forms.factors) == 1
