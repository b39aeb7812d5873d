"""Checking kron, vec, matpow, rational and symbolic exponents, derivatives whose value is a
matrix (by a scalar, of a row vector, by vec(X)) and claims with four free indices (∂Y_ij/∂X_kl):
right ones verify (for every size where the index-notation prover applies), wrong ones fail with
a witness that names the entry (and the index values)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from docgen.check.checker import Checker
from docgen.check.linktrees import index_values
from docgen.check.concrete import Evaluator, kron, matrix_power, vec
from docgen.check.points import random_evaluator
from docgen.model.errors import DocgenError

HEAD = """\
id: t
title: test
dims:
  m: {sizes: [2, 3], numeric: 5}
  n: {sizes: [3, 2], numeric: 4}
  p: {sizes: [2, 2], numeric: 3}
indices: {i: p, j: n, k: m, l: n, r: n}
symbols:
  A: {shape: [p, m], assume: [constant]}
  B: {shape: [n, p], assume: [constant]}
  C: {shape: [m, n], assume: [constant]}
  X: {shape: [m, n]}
  S: {shape: [n, n]}
  x: {shape: [n]}
  s: {shape: scalar}
  a: {shape: scalar}
  b: {shape: scalar}
  u: {shape: scalar, assume: [positive]}
  v: {shape: [n], assume: [positive]}
"""


def check(build, claim: str, layout: str = "denominator") -> list:
    der = build(HEAD + f"layout: {layout}\n" + f'claim: "{claim}"\n')
    return Checker(der).check_all()


PROVEN_ALL = [
    "D(tr(matpow(S, 3)), S) = 3 * matpow(S, 2).T",
    "matpow(S, 2) = S @ S",
    "matpow(S, 0) = eye(n)",
    "D(s ** 2 * X + exp(s) * C, s) = 2 * s * X + exp(s) * C",
    "D(x.T @ S, x) = S",
    "D(s * x, s) = x.T",
    "D((A @ X)[i, j], X[k, l]) = A[i, k] * delta(j, l)",
    "D((S @ x)[j], S[l, r]) = delta(j, l) * x[r]",
    "D(v ** (1/3), v) = diag((1/3) * v ** (-2/3))",
    "v ** (3/4) * v ** (1/4) = v",
    "D(u ** a, a) = u ** a * log(u)",
    "D(u ** a, u) = a * u ** (a - 1)",
    "D(sum(v ** a), v) = a * v ** (a - 1)",
]


@pytest.mark.parametrize("claim", PROVEN_ALL)
def test_right_claims_are_proven_for_every_size(build, claim):
    (link,) = check(build, claim)
    assert link.status == "proven-all", link.evidence


PROVEN_AT = [
    "D(vec(A @ X @ B), vec(X)) = kron(B, A.T)",
    "vec(A @ X @ B) = kron(B.T, A) @ vec(X)",
    "kron(A, B).T = kron(A.T, B.T)",
    "D(tr(A @ X @ B), vec(X)) = vec(A.T @ B.T)",
    "D(tr(matpow(S, -1)), S) = -matpow(S, -2).T",
    "matpow(S, -2) @ matpow(S, 2) = eye(n)",
    "u ** a * u ** b = u ** (a + b)",
]


@pytest.mark.parametrize("claim", PROVEN_AT)
def test_right_claims_are_proven_at_the_sizes(build, claim):
    (link,) = check(build, claim)
    assert link.status in ("proven", "proven-all"), link.evidence
    assert [sorted(s.items()) for s in link.sizes] == [[("m", 2), ("n", 3), ("p", 2)],
                                                      [("m", 3), ("n", 2), ("p", 2)]]
    assert any("finite differences agree" in e or "numeric values agree" in e for e in link.evidence)


def test_the_vec_form_in_numerator_layout_is_the_transpose(build):
    (link,) = check(build, "D(vec(A @ X @ B), vec(X)) = kron(B.T, A)", "numerator")
    assert link.status == "proven", link.evidence
    with pytest.raises(DocgenError) as info:  # the denominator form: the shapes tell
        check(build, "D(vec(A @ X @ B), vec(X)) = kron(B, A.T)", "numerator")
    assert "different shapes: p*p×m*n and m*n×p*p" in info.value.message


WRONG = [
    ("D(vec(A @ X @ B), vec(X)) = kron(A.T, B)", "exact"),        # the factors swapped
    ("vec(S @ S) = kron(S, eye(n)) @ vec(S)", "exact"),           # the Kronecker factors swapped
    ("D(tr(matpow(S, 3)), S) = 3 * matpow(S, 2)", "exact"),        # the transpose dropped
    ("D(s ** 2 * X, s) = s * X", "exact"),
    ("D(x.T @ S, x) = S.T", "exact"),
    ("D(u ** a, a) = a * u ** (a - 1)", "numeric"),                 # the power rule, misapplied
    ("D(u ** (1/3), u) = (1/3) * u ** (-1/3)", "numeric"),
]


@pytest.mark.parametrize("claim, kind", WRONG)
def test_wrong_claims_fail_with_a_witness(build, claim, kind):
    (link,) = check(build, claim)
    assert link.status == "failed", link.evidence
    assert link.witness is not None and link.witness.entry is not None
    if kind == "exact":
        assert link.witness.exact
    if kind == "numeric":
        assert not link.witness.exact


def test_four_free_indices_are_named_in_the_witness(build):
    (link,) = check(build, "D((A @ X)[i, j], X[k, l]) = A[i, k] * delta(j, l) + delta(i, 2) * delta(k, 1) * delta(j, l)")
    assert link.status == "failed"
    w = link.witness
    assert w.where.startswith("i = 2, j = ") and ", k = 1, l = " in w.where
    j, l = (int(part.split(" = ")[1]) for part in w.where.split(", ")[1::2])
    assert j == l  # where the delta is 1


def test_the_control_of_the_kronecker_swap_is_right(build):
    # vec(A X B) = (Bᵀ ⊗ A) vec(X) with A = S, X = I, B = x xᵀ
    (link,) = check(build, "vec(S @ x @ x.T) = kron(x @ x.T, S) @ vec(eye(n))")
    assert link.status in ("proven", "proven-all"), link.evidence


def test_index_values_of_a_table():
    # rows over (i, j) with i in 1..2, j in 1..3; columns over (k, l) with k in 1..3, l in 1..3
    assert index_values(("i", "j", "k", "l"), (4, 7), [2, 3, 3, 3]) == "i = 2, j = 2, k = 3, l = 2"
    assert index_values(("i", "j", "k"), (5, 1), [2, 3, 4]) == "i = 2, j = 3, k = 2"
    assert index_values(("i", "k"), (1, 0)) == "i = 2, k = 1"


def test_concrete_operators_agree_with_sympy():
    A = sp.Matrix(2, 3, sp.symbols("a0:6"))
    B = sp.Matrix(3, 2, sp.symbols("b0:6"))
    assert kron(sp.ImmutableMatrix(A), sp.ImmutableMatrix(B)) == sp.kronecker_product(A, B)
    assert list(vec(sp.ImmutableMatrix(A))) == [A[0, 0], A[1, 0], A[0, 1], A[1, 1], A[0, 2], A[1, 2]]
    S = sp.ImmutableMatrix([[2, 1], [1, 3]])
    assert matrix_power(S, 3) == S**3 and matrix_power(S, -2) == (S**-1) ** 2
    assert matrix_power(sp.ImmutableMatrix([[1, 1], [1, 1]]), -1)[0, 0] == sp.zoo


def test_numeric_operators_agree_with_the_exact_ones(build):
    der = build(HEAD + 'claim: "kron(A, B) = kron(A, B)"\n')
    sizes = {"m": 2, "n": 3, "p": 2}
    ev = random_evaluator(der, sizes, np.random.default_rng(3))
    exact = Evaluator(der, sizes)
    point = {}
    for name in ("A", "B", "S", "X"):
        for sym, value in zip(exact.symbols[name], ev.values[name].ravel()):
            point[sym] = sp.Float(float(value), 30)
    from docgen.lang.parse import parse_expr
    for text in ("kron(A, B)", "vec(A @ X @ B)", "matpow(S, 3)", "matpow(S, -2)", "D(vec(A @ X @ B), vec(X))",
                 "D(tr(matpow(S, 3)), vec(S))"):
        tree = parse_expr(text)
        want = np.array(exact.evaluate(tree).xreplace(point).evalf(), dtype=float)
        got = ev.evaluate(tree)
        assert got.shape == want.shape, text
        assert np.allclose(got, want, rtol=1e-8, atol=1e-10), text
