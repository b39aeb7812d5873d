"""docgen.check.modular: rational links decided by exact values at random points."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from docgen.check.checker import Checker
from docgen.check.modular import (MODULAR_DEGREE, P, Field, PointEvaluator, Unsupported, decide, degree,
                                  random_points, symbol_names)
from docgen.check.verdict import FAILED, PROVEN, chain_links
from docgen.lang.parse import parse_expr

HEAD = """\
id: t
title: test
dims:
  k: {sizes: [2, 3]}
symbols:
  X: {shape: [k, k], assume: [invertible]}
  A: {shape: [k, k]}
  B: {shape: [k, k]}
  C: {shape: [k, k]}
  S: {shape: [k, k], assume: [symmetric]}
  a: {shape: [k]}
  b: {shape: [k]}
  x: {shape: [k]}
"""


def _decide(der, left: str, right: str, size: int = 3, min_degree: int = 0):
    return decide(der, parse_expr(left), parse_expr(right), {"k": size}, random.Random(1), min_degree)


def _value(der, text: str, values: dict, size: int = 2):
    ev = PointEvaluator(der, {"k": size}, values, Field(False))
    return [[e.v for e in row] for row in ev.evaluate(parse_expr(text))]


def test_values_inverse_determinant_and_derivative_at_a_rational_point(build):
    der = build(HEAD + "claim: X = X\n")
    point = {"X_11": Fraction(2), "X_12": Fraction(1), "X_21": Fraction(3), "X_22": Fraction(4),
             "a_1": Fraction(1), "a_2": Fraction(-1), "b_1": Fraction(1, 2), "b_2": Fraction(2)}
    assert _value(der, "det(X)", point) == [[5]]
    assert _value(der, "inv(X)", point) == [[Fraction(4, 5), Fraction(-1, 5)], [Fraction(-3, 5), Fraction(2, 5)]]
    # d(aᵀXb)/dX = a bᵀ (denominator layout: the shape of X)
    assert _value(der, "D(a.T @ X @ b, X)", point) == [[Fraction(1, 2), 2], [Fraction(-1, 2), -2]]
    # d(det X)/dX = det(X) inv(X)ᵀ
    assert _value(der, "D(det(X), X)", point) == [[4, -3], [-1, 2]]
    # a vector by a vector: entry (i, j) = ∂f_j/∂x_i
    point.update({"x_1": Fraction(3), "x_2": Fraction(5)})
    assert _value(der, "D(X @ x, x)", point) == [[2, 3], [1, 4]]


def test_a_true_identity_with_inverses_is_equal_with_its_bound(build):
    der = build(HEAD + "claim: X = X\n")
    out = _decide(der, "D(tr(A @ inv(X) @ B), X)", "-inv(X).T @ A.T @ B.T @ inv(X).T")
    assert out.witness is None and out.points == 3
    assert out.degree > MODULAR_DEGREE and 0 < out.bound < 1e-40


def test_a_wrong_identity_gets_an_exact_rational_witness(build):
    der = build(HEAD + "claim: X = X\n")
    out = _decide(der, "D(tr(A @ inv(X) @ B), X)", "-inv(X).T @ B.T @ A.T @ inv(X).T")
    point, left, right, entry = out.witness
    assert set(point) >= {"X_11", "A_11", "B_33"} and left != right
    # the witness is right: evaluate both sides at it again over the rationals
    values = {k: Fraction(v) for k, v in point.items()}
    ev = PointEvaluator(der, {"k": 3}, values, Field(False))
    r, c = entry
    assert str(ev.evaluate(parse_expr("D(tr(A @ inv(X) @ B), X)"))[r][c].v) == left
    assert str(ev.evaluate(parse_expr("-inv(X).T @ B.T @ A.T @ inv(X).T"))[r][c].v) == right


def test_low_degree_is_left_to_the_normal_form_and_other_functions_are_unsupported(build):
    der = build(HEAD + "claim: X = X\n")
    assert _decide(der, "D(a.T @ X @ b, X)", "a @ b.T", min_degree=MODULAR_DEGREE) is None
    for text in ("exp(x)", "x**0.5", "sum(exp(x))", "d(x)"):
        with pytest.raises(Unsupported):
            _decide(der, text, text)


def test_symmetric_entries_are_one_unknown(build):
    der = build(HEAD + "claim: X = X\n")
    assert _decide(der, "S @ A @ S", "S.T @ A @ S.T").witness is None
    assert _decide(der, "S @ A", "A @ S").witness is not None
    values = random_points(der, {"k": 2}, {"S"}, random.Random(3), lambda r, p: r.randrange(1, P))
    assert sorted(values) == ["S_11", "S_12", "S_22"]


def test_degree_bounds():
    sizes = {"k": 3}
    assert degree(parse_expr("a.T @ X @ b"), sizes, {}) == (3, 0)
    x = parse_expr("X")
    assert degree(parse_expr("inv(X)"), sizes, {x: 3}) == (2, 3)
    assert degree(parse_expr("det(X) / tr(X)"), sizes, {x: 3}) == (3, 1)
    assert degree(parse_expr("D(tr(X @ X), X)"), sizes, {}) == (1, 0)


def test_the_checker_uses_it_at_the_declared_sizes_and_says_so(build):
    der = build(HEAD + "claim: D(tr(inv(X.T @ C @ X) @ A), X) = -inv(X).T @ A.T @ inv(X) @ inv(C).T @ inv(X).T"
                " - inv(X).T @ A @ inv(X) @ inv(C) @ inv(X).T\n")
    link = chain_links(der)[-1]
    Checker(der).check(link)
    assert link.status == PROVEN and link.sizes == [{"k": 2}, {"k": 3}]
    assert any(e.startswith("equal as rational functions at k ∈ {2, 3}: exact values agree at 3 random points")
               for e in link.evidence)
    wrong = build(HEAD + "claim: D(tr(inv(X.T @ C @ X) @ A), X) = -2 * inv(X).T @ A @ inv(X) @ inv(C) @ inv(X).T\n",
                  "w.yaml")
    link = chain_links(wrong)[-1]
    Checker(wrong).check(link)
    assert link.status == FAILED and link.witness.exact and link.witness.sizes == {"k": 2}
    assert link.evidence[0] == "exact probe differs at k ∈ {2}"


def test_symbol_names(build):
    der = build(HEAD + "claim: X = X\n")
    assert symbol_names(parse_expr("a.T @ inv(X + A) @ b * k"), der) == {"a", "X", "A", "b"}


def test_a_symbolic_exponent_is_left_to_the_normal_form(build):
    """u ** a is not a rational function of u and a: evaluating it as a product would 'refute'
    u^a u^b = u^(a+b) with a false witness."""
    from docgen.check.modular import Unsupported, decide

    der = build("id: t\ntitle: t\ndims:\n  n: {sizes: [2]}\nsymbols:\n  u: {shape: scalar}\n"
                "  a: {shape: scalar}\n  b: {shape: scalar}\nclaim: u ** a * u ** b = u ** (a + b)\n")
    part = der.parts[0]
    with pytest.raises(Unsupported):
        decide(der, part.lhs.tree, part.rhs.tree, {"n": 2}, random.Random(1))
