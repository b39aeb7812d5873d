"""docgen.check.numeric: derivatives by batched complex steps, in chunks when the batch is large;
exact per entry at any scale, an overflow not evaluable, every function analytic or made so."""

from __future__ import annotations

import numpy as np
import pytest

import docgen.check.numeric as numeric
from docgen.check.checker import Checker
from docgen.lang.parse import parse_expr

TEXT = """\
id: t
title: t
dims:
  n: {sizes: [2], numeric: 6}
symbols:
  X: {shape: [n, n]}
  x: {shape: [n]}
claim: D(sum(X @ X), X) = ones(n, n) @ X.T + X.T @ ones(n, n)
steps:
  - ones(n, n) @ X.T + X.T @ ones(n, n)
"""


def evaluate(der, text: str, seed: int = 3) -> np.ndarray:
    ev = Checker(der).numeric_evaluator(der.numeric_sizes(), np.random.default_rng(seed))
    return ev.evaluate(parse_expr(text))


def test_jacobian_in_chunks_equals_one_batch(build, monkeypatch):
    der = build(TEXT)
    whole = evaluate(der, "D(sum(X @ X), X)")
    exact = evaluate(der, "ones(n, n) @ X.T + X.T @ ones(n, n)")
    assert whole.shape == (6, 6) and np.allclose(whole, exact, rtol=1e-6, atol=1e-6)
    # a batch of 5 numbers: one perturbed copy at a time
    monkeypatch.setattr(numeric, "BATCH_FLOATS", 5)
    chunked = evaluate(der, "D(sum(X @ X), X)")
    assert np.allclose(chunked, whole, rtol=1e-9, atol=1e-12)
    vec = evaluate(der, "D(exp(X @ x), x)")
    monkeypatch.setattr(numeric, "BATCH_FLOATS", 1 << 23)
    assert np.allclose(vec, evaluate(der, "D(exp(X @ x), x)"), rtol=1e-9, atol=1e-12)


def test_jacobian_of_a_large_matrix_stays_within_the_batch(build, monkeypatch):
    """A 60×60 matrix has 3600 perturbed copies; with a small batch they are never all in memory."""
    der = build(TEXT.replace("numeric: 6", "numeric: 60"))
    seen = []
    original = numeric.NumericEvaluator.with_values

    def spy(self, values):  # noqa: ANN001
        seen.append(max(v.size for v in values.values()))
        return original(self, values)

    monkeypatch.setattr(numeric, "BATCH_FLOATS", 100_000)
    monkeypatch.setattr(numeric.NumericEvaluator, "with_values", spy)
    got = evaluate(der, "D(sum(X @ X), X)")
    assert got.shape == (60, 60) and max(seen) <= 100_000 and len(seen) > 2
    assert np.allclose(got, evaluate(der, "ones(n, n) @ X.T + X.T @ ones(n, n)"), rtol=1e-5, atol=1e-5)


# -- derivatives by the complex step: exact per entry whatever the scale --------------------------
VECTOR = """\
id: t
title: t
dims:
  n: {sizes: [3], numeric: 3}
symbols:
  x: {shape: [n]}
claim: D(ones(n).T @ exp(x), x) = exp(x)
steps:
  - exp(x)
"""


def at(der, x, differential=None) -> numeric.NumericEvaluator:
    """An evaluator at the column x (and d(x), all ones by default)."""
    col = np.array(x, dtype=float).reshape(-1, 1)
    dx = np.ones_like(col) if differential is None else np.array(differential, float).reshape(-1, 1)
    return numeric.NumericEvaluator(der, {"n": col.shape[0]}, {"x": col}, {"x": dx}, {})


@pytest.mark.parametrize("x", [[16, 2, 0.5], [30, 2, 0.5], [700, 2, 0.5], [-3, 0.25, 40]])
def test_gradient_is_exact_per_entry_at_any_scale(build, x):
    """∇ 1ᵀexp(x) = exp(x): central differences lost eps·|f|/h on every entry (3.9e-6 relative on
    the last entry at x = (16, 2, 0.5), the whole entry at x = (30, 2, 0.5)); the complex step
    has no cancellation."""
    der = build(VECTOR)
    ev = at(der, x)
    got = ev.evaluate(parse_expr("D(ones(n).T @ exp(x), x)"))
    assert np.allclose(got, np.exp(np.array(x, dtype=float)).reshape(-1, 1), rtol=1e-14, atol=0)
    assert ev.stats.noise == 0  # no central differences were needed
    # the differential along d(x) = (1, 0, 2): exp(x₁) + 2 exp(x₃)
    dx = [1, 0, 2]
    d = at(der, x, dx).evaluate(parse_expr("d(ones(n).T @ exp(x))"))
    assert d[0, 0] == pytest.approx(np.exp(x[0]) + 2 * np.exp(x[2]), rel=1e-14)


def test_a_wrong_gradient_at_the_same_scale_differs(build):
    """The exactness cuts both ways: at x = (16, 2, 0.5), a gradient wrong by a relative 1e-7
    in one entry is seen, where central differences were off by 3.9e-6."""
    der = build(VECTOR)
    x = np.array([[16.0], [2.0], [0.5]])
    got = at(der, x).evaluate(parse_expr("D(ones(n).T @ exp(x), x)"))
    wrong = np.exp(x) * np.array([[1.0], [1.0], [1 + 1e-7]])
    assert not np.allclose(got, wrong, rtol=1e-9, atol=0)
    assert np.allclose(got, np.exp(x), rtol=1e-9, atol=0)


def test_an_overflow_is_not_evaluable_and_warns_nothing(build):
    """exp(1000) overflows: the value is inf or NaN, not a RuntimeWarning (pytest makes every
    warning an error here) and not a number."""
    der = build(VECTOR)
    ev = at(der, [1000, 2, 0.5])
    value = ev.evaluate(parse_expr("ones(n).T @ exp(x)"))
    grad = ev.evaluate(parse_expr("D(ones(n).T @ exp(x), x)"))
    soft = ev.evaluate(parse_expr("D(exp(x) / (ones(n).T @ exp(x)), x)"))
    assert not any(np.isfinite(v).all() for v in (value, grad, soft))
    # the shifted softmax stays finite: the shift is a constant of the complex step
    stable = ev.evaluate(parse_expr("D(softmax(x), x)"))
    s = np.exp(np.array([0.0, 2 - 1000, 0.5 - 1000]))
    s /= s.sum()
    assert np.allclose(stable, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-300)


# f, its derivative, at points on both sides of 0 (and far out, where exp overflows)
ANALYTIC = [
    ("abs(x)", lambda x: np.sign(x)),
    ("x ** 3", lambda x: 3 * x ** 2),
    ("x ** (-2)", lambda x: -2 * x ** -3.0),
    ("softplus(x)", lambda x: np.exp(-np.logaddexp(0, -x))),
    ("sigmoid(x)", lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2),
    ("tanh(x)", lambda x: 1 - np.tanh(x) ** 2),
    ("sin(x) * cos(x)", lambda x: np.cos(2 * x)),
]


@pytest.mark.parametrize("text, derivative", ANALYTIC, ids=[t for t, _ in ANALYTIC])
def test_every_function_takes_the_complex_step(build, text, derivative):
    """Each function's complex extension gives its real derivative: |x| is not analytic (np.abs
    of a complex number is its modulus), a negative base must not cross the branch cut of the
    complex power, and softplus and sigmoid must not overflow at ±800."""
    der = build(VECTOR)
    x = np.array([-800.0, -1.5, 0.75])
    grad = at(der, x).evaluate(parse_expr(f"D(ones(n).T @ ({text}), x)"))
    assert np.allclose(grad, derivative(x).reshape(-1, 1), rtol=1e-12, atol=1e-300)


def test_logs_roots_and_fractional_powers_keep_their_domain(build):
    """The complex log of -1 is iπ, a finite number: the derivative of a function outside its
    real domain must stay NaN, as central differences of the real function gave."""
    der = build(VECTOR)
    ev = at(der, [-1, 4, 0.25])
    for text in ("D(ones(n).T @ log(x), x)", "D(ones(n).T @ sqrt(x), x)",
                 "D(ones(n).T @ x ** 0.5, x)", "d(ones(n).T @ log(x))"):
        assert np.isnan(ev.evaluate(parse_expr(text))).any(), text
    # log of a negative sum: its real part is NaN, its imaginary part a harmless-looking number
    ev = at(der, [-5, 1, 1])
    for text in ("d(log(ones(n).T @ x))", "D(log(ones(n).T @ x), x)", "D(sqrt(ones(n).T @ x), x)"):
        assert np.isnan(ev.evaluate(parse_expr(text))).all(), text
    grad = at(der, [1, 4, 0.25]).evaluate(parse_expr("D(ones(n).T @ (log(x) + sqrt(x)), x)"))
    x = np.array([[1.0], [4.0], [0.25]])
    assert np.allclose(grad, 1 / x + 0.5 / np.sqrt(x), rtol=1e-14)


def test_a_nested_derivative_falls_back_to_central_differences_and_says_so(build):
    """A complex step cannot be taken twice: inside one, D takes central differences with the
    step eps^(1/3)·(1 + |x|) and records their noise for the caller's tolerance."""
    der = build(VECTOR)
    x = np.array([[0.5], [-1.0], [2.0]])
    ev = at(der, x)
    got = ev.evaluate(parse_expr("D(ones(n).T @ D(ones(n).T @ exp(x * x), x), x)"))
    # ∂/∂xᵢ of 2xᵢ exp(xᵢ²): (2 + 4xᵢ²) exp(xᵢ²)
    assert np.allclose(got, (2 + 4 * x ** 2) * np.exp(x ** 2), rtol=1e-7)
    assert ev.stats.noise == numeric.FD_NOISE
