"""Proofs for every size in index notation, and that they are only claimed when they hold."""

from __future__ import annotations

import pytest
import sympy as sp

from docgen.check.checker import Checker
from docgen.run.verify import load_corpus

HEAD = """\
id: t
title: t
dims:
  n: {sizes: [2, 3]}
symbols:
  x: {shape: [n]}
  y: {shape: [n], assume: [constant]}
definitions:
  s: softmax(x)
"""


def links(tmp_path, body: str, numeric: int = 7):
    path = tmp_path / "t.yaml"
    path.write_text(HEAD.replace("sizes: [2, 3]}", f"sizes: [2, 3], numeric: {numeric}}}") + body, encoding="utf-8")
    der = load_corpus([str(path)]).derivations[0]
    return Checker(der).check_all()


def test_softmax_jacobian_is_proven_for_every_size(tmp_path):
    out = links(tmp_path, "claim: D(s, x) = diag(s) - s @ s.T\nsteps:\n  - diag(s) - s @ s.T\n")
    assert {link.status for link in out} == {"proven-all"}
    assert any("index notation" in e for e in out[0].evidence)
    # the proof for every size comes on top of the exact checks at the declared sizes
    assert out[0].sizes == [{"n": 2}, {"n": 3}]


def test_identity_matrix_from_kronecker_deltas(tmp_path):
    out = links(tmp_path, "claim: D(x, x) = eye(n)\nsteps:\n  - eye(n)\n")
    assert out[0].status == "proven-all"


def test_cross_entropy_gradient_uses_the_assumption_for_every_size(tmp_path):
    body = ("assumptions:\n  - sum(y) = 1\n"
            "claim: D(-y.T @ log(s), x) = s - y\nsteps:\n  - s - y\n")
    assert links(tmp_path, body)[0].status == "proven-all"


def test_true_only_at_the_checked_sizes_is_not_claimed_for_all(tmp_path):
    # n (n - 2) (n - 3) vanishes at n = 2 and n = 3 only; numeric check at n = 3 too
    body = "claim: n * (n - 2) * (n - 3) * x = 0 * x\nsteps:\n  - 0 * x\n"
    step = links(tmp_path, body, numeric=3)[0]
    assert step.status == "proven"
    assert step.verdict() == "proven at n ∈ {2, 3}"


def test_true_only_at_the_checked_sizes_fails_at_the_numeric_size(tmp_path):
    body = "claim: n * (n - 2) * (n - 3) * x = 0 * x\nsteps:\n  - 0 * x\n"
    step = links(tmp_path, body)[0]
    assert step.status == "failed"
    assert step.witness is not None and step.witness.sizes == {"n": 7} and not step.witness.exact
    assert "holds exactly at n ∈ {2, 3} but not at n ∈ {7}" in step.evidence[-1]


MATRIX = """\
id: t
title: t
dims:
  n: {sizes: [2], numeric: 4}
symbols:
  A: {shape: [n, n]}
  B: {shape: [n, n], assume: [constant]}
"""


def matrix_links(tmp_path, body: str):
    path = tmp_path / "m.yaml"
    path.write_text(MATRIX + body, encoding="utf-8")
    return Checker(load_corpus([str(path)]).derivations[0]).check_all()


@pytest.mark.parametrize("claim", [
    "D(tr(B @ A), A) = B.T",
    "D(sum(A ** 2), A) = 2 * A",
    "sum(A + B) = sum(A) + sum(B)",
    "tr(A + B) = tr(A) + tr(B)",
    # equal only up to the order and names of the summation indices
    "A @ (B @ A) = (A @ B) @ A",
    "tr(A @ B) = tr(B @ A)",
    "sum(A @ B) = ones(n).T @ A @ B @ ones(n)",
])
def test_double_sums_are_proven_for_every_size(tmp_path, claim):
    rhs = claim.split(" = ")[1]
    out = matrix_links(tmp_path, f"claim: {claim}\nsteps:\n  - {rhs}\n")
    assert out[0].status == "proven-all", out[0].evidence


def test_double_sums_true_at_one_size_only_are_not_claimed_for_all(tmp_path):
    # 2 Σ A = n Σ A holds at n = 2 only: exact there, refuted numerically at n = 4
    out = matrix_links(tmp_path, "claim: 2 * sum(A) = n * sum(A)\nsteps:\n  - n * sum(A)\n")
    assert out[0].status == "failed"
    assert "holds exactly at n ∈ {2} but not at n ∈ {4}" in out[0].evidence[-1]
    # and tr(A) = Σ A is not an identity at any size above 1
    out = matrix_links(tmp_path, "claim: tr(A) = sum(A)\nsteps:\n  - sum(A)\n")
    assert out[0].status == "failed" and out[0].witness.exact


def test_differentials_are_proven_for_every_size(tmp_path):
    body = "claim: d(sum(x)) = ones(n).T @ d(x)\nsteps:\n  - ones(n).T @ d(x)\n"
    assert links(tmp_path, body)[0].status == "proven-all"
    body = "claim: d(x.T @ x) = 2 * x.T @ d(x)\nsteps:\n  - d(x).T @ x + x.T @ d(x)\n  - 2 * x.T @ d(x)\n"
    assert {link.status for link in links(tmp_path, body)} == {"proven-all"}


def test_determinants_keep_their_verdict_at_sizes(tmp_path):
    out = matrix_links(tmp_path, "claim: det(A @ B) = det(A) * det(B)\nsteps:\n  - det(A) * det(B)\n")
    assert out[0].status == "proven" and out[0].sizes == [{"n": 2}]


@pytest.mark.parametrize("make", [
    lambda x, W, k, i: sp.exp(x[k]) * x[i],
    lambda x, W, k, i: sp.Sum(sp.exp(x[k]) * W[i, k], (k, 1, 3)),
    lambda x, W, k, i: sp.log(sp.Sum(sp.exp(x[k]), (k, 1, 3))),
    lambda x, W, k, i: sp.tanh(x[i]) ** 2 / sp.Sum(x[k] ** 2, (k, 1, 3)),
    lambda x, W, k, i: sp.sqrt(1 + x[i] ** 2) * W[i, i],
])
def test_index_derivative_agrees_with_sympy(make):
    """The prover's own ∂/∂x[j] gives what SymPy's diff gives (compared at a concrete size)."""
    from docgen.check.allsizes import _diff

    x, W = sp.IndexedBase("x", real=True), sp.IndexedBase("W", real=True)
    k, i, j = (sp.Symbol(n, integer=True) for n in "kij")
    e = make(x, W, k, i)
    ours, theirs = _diff(e, x[j]), sp.diff(e, x[j])
    point = {x[m]: sp.Rational(m + 2, 3) for m in range(1, 4)} | {W[a, b]: a - b for a in range(1, 4) for b in range(1, 4)}
    for iv in (1, 2, 3):
        for jv in (1, 2, 3):
            at = {i: iv, j: jv}
            a = ours.xreplace(at).doit().xreplace(point)
            b = theirs.xreplace(at).doit().xreplace(point)
            assert sp.simplify(a - b) == 0, (iv, jv, a, b)


def test_derivatives_by_an_intermediate_are_proven_for_every_size(tmp_path):
    # D(L, z) for z := 2x: z's entries are unknowns in L, then take their values again
    body = ("definitions:\n  z:\n    expr: 2 * x\n  L:\n    expr: y.T @ exp(z)\n"
            "claim: D(L, x) = 2 * (y * exp(2 * x))\nsteps:\n  - D(z, x) @ D(L, z)\n  - 2 * eye(n) @ (y * exp(z))\n"
            "  - 2 * (y * exp(2 * x))\n")
    out = links(tmp_path, body.replace("definitions:\n", ""))
    assert [link.status for link in out] == ["proven-all"] * 4, [(l.status, l.evidence) for l in out]


@pytest.mark.parametrize("definitions, claim", [
    ("  L: -y.T @ log(s)\n", "D(L, x) = D(s, x) @ D(L, s)"),  # cross-entropy through softmax
    ("  L: ones(n).T @ exp(s)\n", "D(L, x) = D(s, x) @ D(L, s)"),
    ("  L: -y.T @ log(s)\n", "D(L, x) = s - y"),  # with the assumption sum(y) = 1 below
])
def test_the_chain_rule_through_a_definition_is_proven_for_every_size(tmp_path, definitions, claim):
    """Σ_k exp(x_k + x_i) = exp(x_i) Σ_k exp(x_k): a factor that does not depend on the sum's
    index leaves the sum even inside one exp, so the two sides of the chain rule meet."""
    body = definitions + "assumptions:\n  - sum(y) = 1\n" + f"claim: {claim}\n"
    out = links(tmp_path, body)
    assert [link.status for link in out] == ["proven-all"], [link.evidence for link in out]


def test_the_chain_rule_with_a_wrong_factor_is_not_proven(tmp_path):
    out = links(tmp_path, "  L: -y.T @ log(s)\nclaim: D(L, x) = D(L, s)\n")  # the Jacobian dropped
    assert out[0].status == "failed"
