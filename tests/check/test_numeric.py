"""docgen.check.numeric: derivatives by batched finite differences, in chunks when the batch is large."""

from __future__ import annotations

import numpy as np

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
