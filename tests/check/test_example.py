"""docgen.check.example: the worked example's cross-check of SymPy against NumPy follows the scale
of the values; what floats cannot hold is not evaluable, not a failure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docgen.check.example import agree, evaluate_example
from docgen.check.numeric import Stats

ROOT = Path(__file__).resolve().parent.parent.parent
SUM_EXP = (ROOT / "derivations" / "sum-exp-gradient.yaml").read_text("utf-8")
SOFTMAX = (ROOT / "derivations" / "softmax-jacobian.yaml").read_text("utf-8")


def example(build, text: str, old: str, new: str):
    assert old in text
    return evaluate_example(build(text.replace(old, new)))


def sum_exp(build, values: str):
    return example(build, SUM_EXP, "values: {x: [0, 1, -1]}", f"values: {{x: {values}}}")


def softmax(build, values: str):
    return example(build, SOFTMAX, "values: {x: [1, 2, 0]}", f"values: {{x: {values}}}")


def test_a_correct_example_at_16_agrees(build):
    """The issue's reproduction: the gradient at x = (16, 2, 0.5) was 'finite differences give
    … 7.389058523318347' against SymPy's 7.38905609893065."""
    res = sum_exp(build, "[16, 2, 0.5]")
    assert res.problems == [] and res.fd_agree is True
    assert np.allclose(res.claims["main"], np.exp([[16], [2], [0.5]]), rtol=1e-15, atol=0)


@pytest.mark.parametrize("values", ["[30, 2, 0.5]", "[300, -40, 0.001]", "[-700, 3, 1]"])
def test_correct_examples_at_a_large_scale_agree(build, values):
    assert sum_exp(build, values).problems == []
    res = softmax(build, values)
    assert res.problems == [] and res.fd_agree is True


def test_an_overflow_is_not_evaluable_here_not_a_failure(build):
    """The issue's reproduction: x = (1000, …) failed with inf against NaN, and NumPy's
    RuntimeWarnings escaped (pytest makes every warning an error here)."""
    res = sum_exp(build, "[1000, 2, 0.5]")
    assert res.problems == [] and res.fd_agree is True
    assert res.claims["main"][0] == [np.inf]  # e^1000 is more than a float holds
    assert np.allclose(res.claims["main"][1:], np.exp([[2], [0.5]]), rtol=1e-15, atol=0)
    res = softmax(build, "[1000, 2, 0.5]")  # exp(1000) overflows in the unshifted steps
    assert res.problems == [] and res.fd_agree is True


def test_a_wrong_derivative_at_the_same_scale_fails(build):
    """A wrong step still fails at x = (16, 2, 0.5): the tolerance grew with the scale only
    where rounding needs it."""
    bad = SUM_EXP.replace("  - expr: exp(x).T @ d(x)\n", "  - expr: (exp(x) + x).T @ d(x)\n")
    assert bad != SUM_EXP
    res = example(build, bad.replace("claim: D(ones(n).T @ exp(x), x) = exp(x)",
                                     "claim: D(ones(n).T @ exp(x), x) = exp(x) + x"),
                  "values: {x: [0, 1, -1]}", "values: {x: [16, 2, 0.5]}")
    assert any("step 4 evaluates to" in p for p in res.problems), res.problems
    assert any("claim's two sides differ" in p for p in res.problems), res.problems


def test_the_cross_check_sees_a_wrong_value_at_the_same_scale():
    """The cross-check itself: NumPy's gradient of 1ᵀexp(x) at x = (16, 2, 0.5) met a sum of
    8.9e6 (peak); a value off by 1e-5 relative in its smallest entry is still told apart,
    while rounding at the scale of the peak is not a disagreement."""
    exact = np.exp(np.array([[16.0], [2.0], [0.5]]))
    stats = Stats()
    stats.peak = float(exact.sum())
    assert agree(exact, exact * (1 + 4 * np.finfo(float).eps), stats)
    assert agree(exact, exact + np.array([[0.0], [0.0], [1e-9]]), stats)  # rounding of the sum
    assert not agree(exact, exact * np.array([[1.0], [1.0], [1 + 1e-5]]), stats)
    assert not agree(exact, exact * np.array([[1 + 1e-5], [1.0], [1.0]]), stats)
    # entries that floats cannot hold are not compared: inf against NaN is not evaluable
    assert agree(np.array([[np.inf], [1.0]]), np.array([[np.nan], [1.0]]), stats)
    assert not agree(np.array([[np.inf], [1.0]]), np.array([[np.nan], [2.0]]), stats)


TERMS = """\
id: terms
title: Terms
dims:
  n: {sizes: [2], numeric: 3}
symbols:
  x: {shape: [n]}
claim: STEP = STEP
steps:
  - expr: STEP
    by: algebra
example:
  sizes: {n: 2}
  values: {x: [1, -2]}
"""


def test_the_terms_of_a_sum_are_evaluated_up_to_a_bound(build):
    from docgen.check.example import MAX_TERMS
    three = evaluate_example(build(TERMS.replace("STEP", "x - 2 * x + exp(x)")))
    assert [np.array(t).ravel().tolist() for t in three.terms["main"][1]] == [
        [1.0, -2.0], [-2.0, 4.0], [float(np.exp(1)), float(np.exp(-2))]]
    many = " + ".join(f"{k} * x" for k in range(1, MAX_TERMS + 2))
    assert evaluate_example(build(TERMS.replace("STEP", many))).terms["main"] == [[], []]
    assert evaluate_example(build(TERMS.replace("STEP", "exp(x)"))).terms["main"] == [[], []]


def test_a_term_that_is_not_real_where_the_sum_is_gets_no_values(build):
    # log(-2) - log(-2) cancels in the sum; the term log(x) alone is complex at x = (1, -2)
    res = evaluate_example(build(TERMS.replace("STEP", "log(x) - log(x) + x")))
    assert res.problems == [] and res.terms["main"] == [[], []]
    assert np.allclose(res.claims["main"], [[1], [-2]])
