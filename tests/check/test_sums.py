"""docgen.check.sums: sums in index notation collapse over deltas and have one canonical form."""

from __future__ import annotations

import sympy as sp

from docgen.check.sums import canonical, collapse, positive

A, x, y = sp.IndexedBase("A"), sp.IndexedBase("x"), sp.IndexedBase("y")
k, l = sp.Dummy("k", integer=True), sp.Dummy("l", integer=True)
i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
n = sp.Symbol("n", integer=True, positive=True)


def test_sums_over_a_delta_collapse():
    assert collapse(sp.Sum(sp.KroneckerDelta(i, k) * x[k], (k, 1, n))) == x[i]
    # a body free of the index is n times the body; factors free of it leave the sum
    assert collapse(sp.Sum(y[i], (k, 1, n))) == n * y[i]
    assert collapse(sp.Sum(y[i] * x[k], (k, 1, n))) == y[i] * sp.Sum(x[k], (k, 1, n))


def test_canonical_form_ignores_nesting_order_and_names():
    one = sp.Sum(A[k, i] * sp.Sum(A[k, l] * x[l], (l, 1, n)), (k, 1, n))
    two = sp.Sum(x[l] * sp.Sum(A[k, l] * A[k, i], (k, 1, n)), (l, 1, n))
    assert canonical(one) == canonical(two)
    # tr(AB) and tr(BA): the same double sum once its indices are named canonically
    B = sp.IndexedBase("B")
    assert canonical(sp.Sum(A[k, l] * B[l, k], (k, 1, n), (l, 1, n))) == \
        canonical(sp.Sum(B[k, l] * A[l, k], (k, 1, n), (l, 1, n)))
    assert canonical(one) != canonical(sp.Sum(A[i, k] * sp.Sum(A[k, l] * x[l], (l, 1, n)), (k, 1, n)))


def test_canonical_form_is_idempotent_and_keeps_independent_sums_apart():
    inside = 1 / sp.sqrt(1 + sp.Sum(x[k] ** 2, (k, 1, n))) * sp.Sum(x[l], (l, 1, n))
    assert canonical(canonical(inside)) == canonical(inside)
    prod = canonical(sp.Sum(x[k], (k, 1, n)) * sp.Sum(y[l], (l, 1, n)))
    assert prod.is_Mul and len(prod.atoms(sp.Sum)) == 2  # Σ y stays a factor (Σ y = 1 applies)


def test_a_sum_inside_a_function_keeps_its_own_index():
    # the outer index has the inner sum's canonical name: renaming it must not capture the inner one
    inner = canonical(sp.Sum(x[k] ** 2, (k, 1, n)))
    (name,) = [s for s in inner.atoms(sp.Symbol) if s.name.startswith("_s")]
    outer = sp.Sum(x[name] / sp.sqrt(inner), (name, 1, n))
    assert canonical(outer) == canonical(sp.Sum(x[l] / sp.sqrt(sp.Sum(x[k] ** 2, (k, 1, n))), (l, 1, n)))


def test_positive_sums():
    assert positive(sp.Sum(sp.exp(x[k]), (k, 1, n)))
    assert positive(sp.exp(x[i]) * 2 + sp.exp(y[i]))
    assert not positive(sp.Sum(x[k], (k, 1, n)))
    assert not positive(sp.exp(x[i]) - 1)
