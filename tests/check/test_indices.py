"""Entry claims with free indices, sums over an index, delta, matrix(i, j, ·), basis vectors:
checked at every declared size for every index value (exact, numeric), and for every size by the
index-notation prover; wrong ones refuted with the index values in the witness."""

from __future__ import annotations

import numpy as np
import pytest

from docgen.check.checker import Checker
from docgen.check.linktrees import entry_trees
from docgen.check.concrete import Evaluator
from docgen.check.points import random_evaluator
from docgen.model.derivation import Expr

HEAD = """\
id: t
title: test
dims:
  n: {sizes: [2, 3, 4], numeric: 6}
  m: {sizes: [3, 2, 2], numeric: 5}
indices: {i: n, k: n, l: n, j: m}
symbols:
  x: {shape: [n]}
  A: {shape: [m, n]}
  B: {shape: [n, n]}
  c: {shape: scalar}
definitions:
  s: softmax(x)
"""


def check(build, claim: str, steps: str = "", all_sizes: bool = True) -> list:
    der = build(HEAD + f'claim: "{claim}"\n' + steps)
    checker = Checker(der)
    if not all_sizes:
        checker._all_sizes = lambda link, deadline: False  # type: ignore[method-assign]
    return checker.check_all()


@pytest.mark.parametrize("claim", [
    "D(s[i], x[k]) = s[i] * (delta(i, k) - s[k])",
    "D(s, x)[i, k] = s[k] * (delta(i, k) - s[i])",
    "(A @ x)[j] = sum(k, A[j, k] * x[k])",
    "sum(k, delta(i, k) * x[k]) = x[i]",
    "x[i] = sum(k, basis(n, i)[k] * x[k])",
    "D(x.T @ B @ x, x[k]) = sum(i, (B[k, i] + B[i, k]) * x[i])",
    "(B @ B)[i, k] = sum(l, B[i, l] * B[l, k])",
    "D(c * x[i], x[k]) = c * delta(i, k)",
])
def test_true_entry_claims_are_proven_for_every_size(build, claim):
    (link,) = check(build, claim)
    assert link.status == "proven-all", link.evidence
    free = build(HEAD + f'claim: "{claim}"\n').free_indices(link.left.tree)
    if free:
        assert any(f"for every value of {', '.join(free)}" in e for e in link.evidence)
        assert any(f"every size and every value of {', '.join(free)}" in e for e in link.evidence)


@pytest.mark.parametrize("claim", [
    "x[n] = sum(k, basis(n, n)[k] * x[k])",
    "x[1] * x[n] = x[n] * x[1]",
    "delta(i, 1) * x[i] = delta(i, 1) * x[1]",
])
def test_literal_and_last_indices(build, claim):
    (link,) = check(build, claim)
    assert link.status in ("proven-all", "proven"), link.evidence
    assert link.sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}, {"n": 4, "m": 2}]


@pytest.mark.parametrize("claim, where", [
    ("D(s[i], x[k]) = s[i] * (delta(i, k) - s[i])", "i = 1, k = 2"),
    ("D(s, x)[i, k] = s[i] * (delta(i, k) + s[k])", "i = 1, k = 1"),
    ("(A @ x)[j] = sum(k, A[j, k] * x[1])", "j = 1"),
    ("sum(k, delta(i, k) * x[k]) = x[i] + delta(i, 2)", "i = 2"),
    ("x[i] = x[i] + delta(i, 1) * x[n]", "i = 1"),
])
def test_wrong_entry_claims_fail_with_the_index_values(build, claim, where):
    (link,) = check(build, claim, all_sizes=False)
    assert link.status == "failed", link.evidence
    w = link.witness
    assert w is not None and w.exact and w.sizes["n"] == 2
    assert w.where == where
    assert w.position() == where


def test_wrong_claim_fails_numerically_with_the_index_values(build, monkeypatch):
    # sin has no exact decision here: the numeric check refutes at the declared size
    (link,) = check(build, "sin(x[i]) ** 2 = 1 - cos(x[i]) ** 2 + delta(i, n)", all_sizes=False)
    assert link.status == "failed"
    assert link.witness is not None and not link.witness.exact
    assert link.witness.where == f"i = {link.witness.entry[0] + 1}"
    assert link.witness.entry[0] + 1 == link.witness.sizes["n"]  # only i = n differs


def test_mixed_chain_is_proven_for_every_size(build):
    links = check(build, "D(s, x) = diag(s) - s @ s.T", """\
steps:
  - matrix(i, k, D(s[k], x[i]))
  - matrix(i, k, s[k] * (delta(i, k) - s[i]))
  - diag(s) - s @ s.T
""")
    assert [k.status for k in links] == ["proven-all"] * 4


def test_mixed_chain_with_a_wrong_entry_formula_fails(build):
    links = check(build, "D(s, x) = diag(s) - s @ s.T", """\
steps:
  - matrix(i, k, D(s[i], x[k]))
  - matrix(i, k, s[i] * (delta(i, k) - s[k]))
  - diag(s) - s @ s.T
""", all_sizes=False)
    # D(s[i], x[k]) at (i, k) is the numerator layout; it equals the denominator one only
    # because the softmax Jacobian is symmetric: both links hold
    assert [k.status for k in links] == ["proven"] * 4
    links = check(build, "D(A @ x, x) = A.T", """\
steps:
  - matrix(k, j, D((A @ x)[k], x[j]))
  - A.T
""".replace("matrix(k, j, D((A @ x)[k], x[j]))", "matrix(k, j, D((A @ x)[j], x[k]))"))
    assert [k.status for k in links] == ["proven-all"] * 3
    links = check(build, "D(A @ x, x) = A.T", """\
steps:
  - matrix(k, j, A[j, k] + delta(k, 1) * delta(j, 1))
  - A.T
""", all_sizes=False)
    assert links[0].status == "failed" and links[0].witness.entry == (0, 0)


def test_entry_trees_wrap_free_indices(build):
    der = build(HEAD + "claim: x[i] * x[k] = x[k] * x[i]\n")
    left, right, shape, free = entry_trees(der, Checker(der).links()[0])
    assert free == ("i", "k") and shape == ("n", "n")
    ev = Evaluator(der, {"n": 3, "m": 2})
    value = ev.evaluate(left)
    xs = ev.symbols["x"]
    assert value.shape == (3, 3) and value[0, 2] == xs[0] * xs[2]


def test_numeric_evaluator_entries_and_entry_derivatives(build):
    der = build(HEAD + "claim: x = x\n")
    rng = np.random.default_rng(1)
    ev = random_evaluator(der, {"n": 4, "m": 2}, rng)
    x = ev.values["x"]

    def val(text: str) -> np.ndarray:
        from docgen.lang.parse import parse_expr
        return ev.evaluate(parse_expr(text))

    s = np.exp(x) / np.exp(x).sum()
    jac = np.array([[s[k, 0] * ((i == k) - s[i, 0]) for k in range(4)] for i in range(4)])
    assert np.allclose(val("matrix(i, k, D(s[k], x[i]))"), jac, atol=1e-12)
    assert np.allclose(val("vector(i, x[n])"), np.full((4, 1), x[3, 0]))
    assert np.allclose(val("sum(k, x[k])"), x.sum())
    assert np.allclose(val("basis(n, 2)"), np.eye(4)[:, 1:2])
    assert np.allclose(val("[x[1], x[n - 1]]"), [[x[0, 0]], [x[2, 0]]])
    assert np.allclose(val("B[2, n]"), ev.values["B"][1, 3])
