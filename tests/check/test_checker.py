"""docgen.check.checker: each strategy on small derivations, and wrong links caught with a witness."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from docgen.check.checker import Checker, Link


@pytest.fixture(autouse=True)
def sizes_only(monkeypatch):
    """These tests are about the checks at the declared sizes; the proof for every size, which
    would upgrade many of these verdicts to 'proven-all', is tested in test_allsizes.py."""
    monkeypatch.setattr(Checker, "_all_sizes", lambda self, link, deadline: False)
from docgen.model.expr import BinOp, Call, Name

HEAD = """\
id: t
title: test
dims:
  n: {sizes: [2, 3], numeric: 5}
  m: {sizes: [3, 2], numeric: 4}
symbols:
  x: {shape: [n]}
  W: {shape: [m, n]}
  A: {shape: [n, n]}
  B: {shape: [n, n]}
  s: {shape: [n]}
  y: {shape: [n]}
"""
# line numbers in files built from HEAD: `claim:` is on line 13, the first step on line 15


def check_all(build, text: str) -> dict[str, Link]:
    """Check every link; keys 'step1', 'step2', ..., 'identification5', 'claim'."""
    der = build(text)
    checker = Checker(der)
    out = {}
    for link in checker.links():
        checker.check(link)
        out["claim" if link.kind == "claim" else f"{link.kind}{link.index}"] = link
    return out


def F(text: str) -> Fraction:
    return Fraction(text)


def assert_exact_witness(link: Link, line: int) -> None:
    assert link.status == "failed", (link.status, link.evidence)
    assert link.verdict() == "failed"
    assert not link.ok
    w = link.witness
    assert w is not None and w.exact is True
    assert w.sizes == {"n": 2, "m": 3}  # the smallest failing size comes first
    assert w.point and all(F(v) == F(v) for v in w.point.values())  # exact rationals
    assert F(w.left) != F(w.right)
    assert link.loc.line == line
    assert any("exact probe differs at (n, m) ∈ {(2, 3)}" in e for e in link.evidence)


# -- strategies that prove -----------------------------------------------------------------------

def test_identical_after_definitions_is_proven_for_all_sizes(build):
    links = check_all(build, HEAD.replace("  s: {shape: [n]}\n", "") + """\
definitions:
  s: softmax(x)
claim: D(s, x) = D(softmax(x), x)
steps:
  - D(softmax(x), x)
""")
    for key in ("step1", "claim"):
        link = links[key]
        assert link.status == "proven-all"
        assert link.evidence == ["identical after expanding definitions"]
        assert link.verdict() == "proven for all sizes"
        assert link.witness is None and link.sizes == []


def test_exact_normal_form_proves_at_every_declared_size(build):
    links = check_all(build, HEAD + "claim: (A + B) @ x = A @ x + B @ x\nsteps:\n  - A @ x + B @ x\n")
    link = links["step1"]
    assert link.status == "proven"
    assert link.sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]
    assert link.verdict() == "proven at (n, m) ∈ {(2, 3), (3, 2)}"
    assert "exact normal form is 0 at (n, m) ∈ {(2, 3), (3, 2)}" in link.evidence
    assert any(e.startswith("numeric values agree at (n, m) ∈ {(5, 4)}") for e in link.evidence)
    assert link.witness is None
    assert link.loc.line == 15 and links["claim"].loc.line == 13


def test_single_dimension_verdict_wording(build):
    links = check_all(build, HEAD + "claim: sum(x + y) = sum(x) + sum(y)\nsteps:\n  - sum(x) + sum(y)\n")
    assert links["claim"].status == "proven"
    # m is declared but unused; the verdict still lists the sizes checked
    assert links["claim"].verdict() == "proven at (n, m) ∈ {(2, 3), (3, 2)}"


@pytest.mark.parametrize("lhs, rhs", [
    ("log(exp(x) * exp(x))", "2 * x"),
    ("sigmoid(x)", "ones(n) / (ones(n) + exp(-x))"),
    ("softplus(x)", "log(ones(n) + exp(x))"),
    ("exp(x) / sum(exp(x))", "softmax(x)"),
    ("D(sum(exp(x)), x)", "exp(x)"),
    ("D(exp(x), x)", "diag(exp(x))"),
])
def test_exp_log_identities_are_proven_exactly(build, lhs, rhs):
    links = check_all(build, HEAD + f"claim: {lhs} = {rhs}\nsteps:\n  - {rhs}\n")
    assert links["claim"].status == "proven", links["claim"].evidence
    assert links["claim"].sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]


@pytest.mark.parametrize("lhs, rhs", [
    # roots of sizes (attention's 1/sqrt(d)): sqrt(2), sqrt(3) with their relations
    ("D(sum(exp(x / sqrt(n))), x)", "exp(x / sqrt(n)) / sqrt(n)"),
    ("(x / sqrt(n)) * sqrt(n)", "x"),
    # a root of a polynomial (layer norm's standard deviation)
    ("D(sqrt(sum(x**2) + 1), x)", "x / sqrt(sum(x**2) + 1)"),
    ("x / sqrt(sum(x**2) + 1) ** 3", "x / ((sum(x**2) + 1) * sqrt(sum(x**2) + 1))"),
    # fractional exponents of exp stay related to whole ones
    ("exp(x / 2) * exp(x / 2)", "exp(x)"),
    ("(exp(2 * x / sqrt(n)) - ones(n)) / (exp(x / sqrt(n)) - ones(n))", "exp(x / sqrt(n)) + ones(n)"),
    ("(exp(x) - ones(n)) / (exp(x / 2) + ones(n))", "exp(x / 2) - ones(n)"),
])
def test_radicals_are_proven_by_the_normal_form_without_simplify(build, lhs, rhs):
    links = check_all(build, HEAD + f"claim: {lhs} = {rhs}\nsteps:\n  - {rhs}\n")
    link = links["claim"]
    assert link.status == "proven", link.evidence
    assert link.sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]
    assert not any("simplify" in e for e in link.evidence), link.evidence


def test_wrong_link_with_radicals_fails_with_a_numeric_witness(build):
    links = check_all(build, HEAD + "claim: D(sqrt(sum(x**2) + 1), x) = 2 * x / sqrt(sum(x**2) + 1)\n"
                                    "steps:\n  - 2 * x / sqrt(sum(x**2) + 1)\n")
    link = links["claim"]
    assert link.status == "failed" and link.witness is not None
    assert link.witness.sizes == {"n": 2, "m": 3}


def test_identity_outside_the_normal_form_gets_numeric_evidence_only(build):
    # tanh is not a rational function of exp atoms for the normal form: no exact proof,
    # and the verdict must say so honestly.
    links = check_all(build, """\
id: t
title: test
dims:
  n: {sizes: [2], numeric: 5}
symbols:
  x: {shape: [n]}
claim: tanh(x) = (exp(2*x) - ones(n)) / (exp(2*x) + ones(n))
steps:
  - (exp(2*x) - ones(n)) / (exp(2*x) + ones(n))
""")
    link = links["claim"]
    assert link.status == "numeric", link.evidence
    assert link.verdict() == "numeric evidence only"
    assert link.sizes == []
    assert any(e.startswith("numeric values agree at n ∈ {5}") for e in link.evidence)
    assert link.witness is None


def test_wrong_identity_outside_the_normal_form_fails_numerically(build):
    links = check_all(build, """\
id: t
title: test
dims:
  n: {sizes: [2], numeric: 5}
symbols:
  x: {shape: [n]}
claim: tanh(x) = (exp(2*x) - ones(n)) / (exp(2*x) + 2 * ones(n))
steps:
  - (exp(2*x) - ones(n)) / (exp(2*x) + 2 * ones(n))
""")
    link = links["claim"]
    assert link.status == "failed"
    assert link.witness is not None
    assert float(link.witness.left) != pytest.approx(float(link.witness.right))


def test_generic_elementwise_function(build):
    text = """\
id: b26
title: test
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
functions:
  f: {derivative: fp}
claim: D(f(x), x) = diag(fp(x))
steps:
  - diag(fp(x))
"""
    links = check_all(build, text)
    assert links["claim"].status == "proven"
    assert links["claim"].sizes == [{"n": 2}, {"n": 3}]
    assert any(e.startswith("finite differences agree at n ∈ {5}") for e in links["claim"].evidence)

    bad = check_all(build, text.replace("diag(fp(x))", "diag(f(x))"))
    link = bad["step1"]
    assert link.status == "failed" and link.loc.line == 11
    w = link.witness
    assert w.exact and w.sizes == {"n": 2} and w.entry == (0, 0)
    # at entry (1,1): f'(x_1) on the left, f(x_1) on the right, read straight from the point
    assert set(w.point) == {"f'(x_1)", "f(x_1)"}
    assert F(w.left) == F(w.point["f'(x_1)"]) and F(w.right) == F(w.point["f(x_1)"])


B15_HEAD = """\
id: b15
title: test
dims:
  n: {sizes: [2, 3], numeric: 5}
  m: {sizes: [3, 2], numeric: 4}
symbols:
  x: {shape: [n]}
  y: {shape: scalar, of: [x]}
  z: {shape: [m], of: [x]}
claim: D(y * z, x) = y * D(z, x) + D(y, x) @ z.T
"""


def test_generic_scalar_and_vector_functions_product_rule(build):
    links = check_all(build, B15_HEAD + "steps:\n  - y * D(z, x) + D(y, x) @ z.T\n")
    assert links["claim"].status == "proven"
    assert links["claim"].sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]


def test_generic_product_rule_with_a_swapped_term_fails(build):
    # the dropped transpose of the seed's typo: D(y, x) @ z.T versus (D(z, x) * y) ... here as
    # ∂y/∂x zᵀ replaced by y ∂z/∂x twice: type-checks, wrong
    links = check_all(build, B15_HEAD.replace("= y * D(z, x) + D(y, x) @ z.T", "= 2 * y * D(z, x)")
                      + "steps:\n  - 2 * y * D(z, x)\n")
    link = links["step1"]
    assert link.status == "failed" and link.witness is not None and link.loc.line == 12


DIFFERENTIAL = B15_HEAD + """\
method: differential
steps:
  - d(y) * z + y * d(z)
  - z @ d(y) + y * d(z)
  - z @ D(y, x).T @ d(x) + y * D(z, x).T @ d(x)
  - (y * D(z, x) + D(y, x) @ z.T).T @ d(x)
"""


def test_differential_method_passes(build):
    der = build(DIFFERENTIAL)
    start = Checker.start(der.parts[0])
    assert start.text == "d(y * z)"
    assert start.tree == Call("d", (BinOp("*", Name("y"), Name("z")),))
    links = check_all(build, DIFFERENTIAL)
    assert list(links) == ["step1", "step2", "step3", "step4", "identification5", "claim"]
    for key in ("step1", "step2", "step3", "step4", "claim"):
        assert links[key].status == "proven", (key, links[key].evidence)
        assert links[key].sizes == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]
    assert links["identification5"].kind == "identification"
    assert links["identification5"].status == "proven-all"
    assert any("finite differences agree" in e for e in links["step1"].evidence)
    assert [links[f"step{k}"].loc.line for k in range(1, 5)] == [13, 14, 15, 16]


def test_differential_method_with_a_flipped_sign_fails_at_its_step(build):
    links = check_all(build, DIFFERENTIAL.replace("  - z @ d(y) + y * d(z)\n", "  - z @ d(y) - y * d(z)\n"))
    assert links["step1"].status == "proven"
    assert links["step2"].status == "failed" and links["step2"].loc.line == 14
    assert links["step3"].status == "failed" and links["step3"].loc.line == 15
    assert links["step4"].status == "proven"
    w = links["step2"].witness
    assert w.exact and w.sizes == {"n": 2, "m": 3}
    assert "dx_1" in w.point or any(k.startswith("d") for k in w.point)


# -- wrong links caught with a witness ---------------------------------------------------------

def test_flipped_sign_is_caught(build):
    links = check_all(build, HEAD + "claim: -(x - y) = y - x\nsteps:\n  - x - y\n  - y - x\n")
    assert_exact_witness(links["step1"], 15)
    assert_exact_witness(links["step2"], 16)
    w = links["step1"].witness
    # entry (1, 1): -(x_1 - y_1) on the left, x_1 - y_1 on the right
    x1, y1 = F(w.point["x_1"]), F(w.point["y_1"])
    assert (F(w.left), F(w.right)) == (-(x1 - y1), x1 - y1)
    assert links["claim"].status == "proven"  # the claim itself is right


def test_dropped_transpose_is_caught(build):
    links = check_all(build, HEAD + "claim: A.T @ (s - y) = A @ (s - y)\nsteps:\n  - A @ (s - y)\n")
    link = links["step1"]
    assert_exact_witness(link, 15)
    w = link.witness
    assert w.entry == (0, 0)
    p = {k: F(v) for k, v in w.point.items()}
    left = p["A_11"] * (p["s_1"] - p["y_1"]) + p["A_21"] * (p["s_2"] - p["y_2"])
    right = p["A_11"] * (p["s_1"] - p["y_1"]) + p["A_12"] * (p["s_2"] - p["y_2"])
    assert (F(w.left), F(w.right)) == (left, right)


def test_dropped_transpose_in_an_outer_product_is_caught(build):
    links = check_all(build, HEAD + "claim: x @ y.T = y @ x.T\nsteps:\n  - y @ x.T\n")
    link = links["step1"]
    assert link.status == "failed" and link.witness.exact and link.loc.line == 15
    w = link.witness
    i, j = w.entry
    assert i != j  # diagonal entries agree; the witness is off the diagonal
    p = {k: F(v) for k, v in w.point.items()}
    assert F(w.left) == p[f"x_{i + 1}"] * p[f"y_{j + 1}"]
    assert F(w.right) == p[f"y_{i + 1}"] * p[f"x_{j + 1}"]


def test_swapped_product_is_caught(build):
    links = check_all(build, HEAD + "claim: A @ B = B @ A\nsteps:\n  - B @ A\n")
    link = links["step1"]
    assert_exact_witness(link, 15)
    p = {k: F(v) for k, v in link.witness.point.items()}
    assert link.witness.entry == (0, 0)
    assert F(link.witness.left) == p["A_11"] * p["B_11"] + p["A_12"] * p["B_21"]
    assert F(link.witness.right) == p["B_11"] * p["A_11"] + p["B_12"] * p["A_21"]


def test_wrong_factor_is_caught(build):
    links = check_all(build, HEAD + "claim: 2 * x = x\nsteps:\n  - x\n")
    for key, line in (("step1", 15), ("claim", 13)):
        link = links[key]
        assert_exact_witness(link, line)
        assert F(link.witness.left) == 2 * F(link.witness.right)
        assert link.witness.point == {"x_1": str(F(link.witness.right))}


def test_wrong_factor_in_a_derivative_is_caught(build):
    links = check_all(build, HEAD + "claim: D(x.T @ x, x) = x\nsteps:\n  - x\n")
    link = links["claim"]
    assert link.status == "failed" and link.witness.exact
    assert F(link.witness.left) == 2 * F(link.witness.right)


CROSS_ENTROPY = """\
id: ce
title: test
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
  y: {shape: [n], assume: [constant]}
definitions:
  s: softmax(x)
ASSUMPTIONS
claim: D(-y.T @ log(s), x) = s - y
steps:
  - D(-y.T @ log(s), x)
  - s - y
"""


def test_cross_entropy_gradient_with_the_assumption_passes(build):
    links = check_all(build, CROSS_ENTROPY.replace("ASSUMPTIONS", "assumptions:\n  - sum(y) = 1"))
    assert links["step1"].status == "proven-all"
    assert links["step2"].status == "proven", links["step2"].evidence
    assert links["claim"].status == "proven"
    assert links["claim"].sizes == [{"n": 2}, {"n": 3}]


def test_cross_entropy_gradient_without_the_assumption_fails(build):
    links = check_all(build, CROSS_ENTROPY.replace("ASSUMPTIONS\n", ""))
    link = links["step2"]
    assert link.status == "failed"
    assert link.loc.line == 13
    w = link.witness
    assert w.exact and w.sizes == {"n": 2}
    assert set(w.point) >= {"y_1", "y_2"}
    assert F(w.left) != F(w.right)
    assert links["claim"].status == "failed"


def test_assumption_does_not_rescue_a_wrong_link(build):
    text = CROSS_ENTROPY.replace("ASSUMPTIONS", "assumptions:\n  - sum(y) = 1").replace("s - y", "y - s")
    links = check_all(build, text)
    assert links["claim"].status == "failed" and links["claim"].witness.exact


def test_links_are_in_document_order_and_located(build):
    der = build(HEAD + "claim: 2 * x = x + x\nsteps:\n  - x + x\n")
    links = Checker(der).links()
    assert [(link.kind, link.index) for link in links] == [("step", 1), ("claim", 0)]
    assert links[0].left.text == "2 * x" and links[0].right.text == "x + x"
    assert [link.loc.line for link in links] == [15, 13]


def test_checking_is_deterministic(build):
    text = HEAD + "claim: A @ B = B @ A\nsteps:\n  - B @ A\n"
    first = check_all(build, text)["step1"].witness
    second = check_all(build, text)["step1"].witness
    assert first == second


# -- layouts and matrix variables ------------------------------------------------------------

LAYOUT_HEAD = """\
id: t
title: test
layout: LAYOUT
dims:
  n: {sizes: [2, 3], numeric: 5}
  m: {sizes: [3, 2], numeric: 4}
symbols:
  x: {shape: [n]}
  u: {shape: [m]}
  W: {shape: [m, n]}
"""


@pytest.mark.parametrize("layout, claim", [
    ("denominator", "D(W @ x, x) = W.T"),
    ("numerator", "D(W @ x, x) = W"),
    ("denominator", "D(u.T @ W @ x, W) = u @ x.T"),
    ("numerator", "D(u.T @ W @ x, W) = x @ u.T"),
    ("denominator", "D(x.T @ x, x) = 2 * x"),
    ("numerator", "D(x.T @ x, x) = 2 * x.T"),
    ("denominator", "D(sum(W @ x), x) = W.T @ ones(m)"),
])
def test_derivatives_in_both_layouts_are_proven(build, layout, claim):
    rhs = claim.split(" = ")[1]
    links = check_all(build, LAYOUT_HEAD.replace("LAYOUT", layout) + f"claim: {claim}\nsteps:\n  - {rhs}\n")
    assert links["claim"].status == "proven", links["claim"].evidence


def test_the_other_layout_is_refuted(build):
    # numerator-layout answer W claimed in denominator layout: shapes n×m vs m×n only agree when
    # square, so use the square case x -> A x
    text = HEAD + "claim: D(A @ x, x) = A\nsteps:\n  - A\n"
    link = check_all(build, text)["claim"]
    assert link.status == "failed" and link.witness.exact


MATRIX_DIFFERENTIAL = LAYOUT_HEAD.replace("LAYOUT", "denominator") + """\
claim: D(u.T @ W @ x, W) = u @ x.T
method: differential
steps:
  - u.T @ d(W) @ x
  - tr(x @ u.T @ d(W))
  - tr((u @ x.T).T @ d(W))
"""


def test_matrix_differential_with_constants_passes(build):
    text = MATRIX_DIFFERENTIAL.replace("x: {shape: [n]}", "x: {shape: [n], assume: [constant]}") \
        .replace("u: {shape: [m]}", "u: {shape: [m], assume: [constant]}")
    links = check_all(build, text)
    assert [links[k].status for k in ("step1", "step2", "step3", "identification4", "claim")] == \
        ["proven", "proven", "proven", "proven-all", "proven"]


def test_matrix_differential_without_constant_assumption_fails(build):
    # u and x vary too: d(uᵀ W x) has du and dx terms, so the first step is wrong
    links = check_all(build, MATRIX_DIFFERENTIAL)
    link = links["step1"]
    assert link.status == "failed" and link.witness.exact and link.loc.line == 14
    assert links["claim"].status == "proven"  # the claim (a partial derivative) still holds


# -- the numeric check at a large scale --------------------------------------------------------
LARGE = HEAD + """\
claim: D((ones(n).T @ tanh(x) + 1000000) ** 2, x) = {rhs}
steps:
  - {rhs}
"""


def test_a_correct_derivative_at_a_large_scale_passes(build):
    """f ≈ 1e12, its gradient ≈ 2e6: central differences lost eps·|f|/h ≈ 60 per entry, 3e-5 of
    the scale, and the numeric check contradicted the exact proof; complex steps do not."""
    rhs = "2 * (ones(n).T @ tanh(x) + 1000000) * (ones(n) - tanh(x) * tanh(x))"
    links = check_all(build, LARGE.replace("{rhs}", rhs))
    for link in links.values():
        assert link.status == "proven", link.evidence
        assert not any("disagrees" in e for e in link.evidence), link.evidence
        assert link.witness is None


def test_a_wrong_derivative_at_a_large_scale_fails_with_a_numeric_witness(build):
    rhs = "2 * (ones(n).T @ tanh(x) + 1000000) * (ones(n) + tanh(x) * tanh(x))"
    links = check_all(build, LARGE.replace("{rhs}", rhs))
    for link in links.values():
        assert link.status == "failed", link.evidence
        w = link.witness
        assert w is not None and w.exact is False
        assert abs(float(w.left) - float(w.right)) > 1e-3 * abs(float(w.left))


def test_an_overflow_at_the_numeric_size_is_drawn_again_without_a_warning(build):
    """exp(200 eˣ) overflows for x > 1.27: such a point is not evaluable (pytest makes every
    RuntimeWarning an error here); the check draws another and still decides."""
    rhs = "200 * exp(x) * exp(200 * exp(x))"
    text = HEAD + f"claim: D(ones(n).T @ exp(200 * exp(x)), x) = {rhs}\nsteps:\n  - {rhs}\n"
    links = check_all(build, text)
    assert links["claim"].status == "proven", links["claim"].evidence
    wrong = check_all(build, text.replace("200 * exp(x) * exp", "300 * exp(x) * exp"))
    assert wrong["claim"].status == "failed"


@pytest.mark.parametrize("lhs, rhs, good", [
    ("D(tan(x), x)", "diag(ones(n) + tan(x) * tan(x))", True),
    ("D(tan(x), x)", "diag(ones(n) - tan(x) * tan(x))", False),
    ("D(sinh(x), x)", "diag(cosh(x))", True),
    ("D(cosh(x), x)", "diag(-sinh(x))", False),
    ("D(arctan(x), x)", "diag(ones(n) / (ones(n) + x * x))", True),
    ("D(arctan(x), x)", "diag(ones(n) / (ones(n) + x))", False),
])
def test_tan_sinh_cosh_arctan(build, lhs, rhs, good):
    """The elementwise functions beyond exp/log/tanh: right derivatives are proven, wrong ones
    fail with a witness."""
    links = check_all(build, HEAD + f"claim: {lhs} = {rhs}\n")
    claim = links["claim"]
    if good:
        assert claim.status == "proven", claim.evidence
    else:
        assert claim.status == "failed" and claim.witness is not None


PD = """\
id: t
title: test
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  S: {shape: [n, n], assume: [positive-definite, constant]}
  x: {shape: [n]}
"""


def test_positive_definite_is_symmetric_and_invertible_and_its_witnesses_are_definite(build):
    der = build(PD + "claim: D(x.T @ inv(S) @ x, x) = 2 * inv(S) @ x\n")
    assert {"positive-definite", "symmetric", "invertible"} <= der.symbols["S"].assume
    assert check_all(build, PD + "claim: D(x.T @ inv(S) @ x, x) = 2 * inv(S) @ x\n")["claim"].status == "proven"
    for seed in range(5):  # a wrong link: every exact witness is a positive definite matrix
        claim = check_all(build, PD + f"claim: S @ x = S.T @ S @ x\ncheck: {{seed: {seed}}}\n")["claim"]
        assert claim.status == "failed" and claim.witness is not None and claim.witness.exact
        n = claim.witness.sizes["n"]
        value = {k: F(v) for k, v in claim.witness.point.items()}
        S = np.array([[float(value.get(f"S_{min(i, j)}{max(i, j)}", 0)) for j in range(1, n + 1)]
                      for i in range(1, n + 1)])
        assert np.all(np.linalg.eigvalsh(S) > 0), S


def test_numeric_points_of_a_positive_definite_matrix_are_definite(build):
    from docgen.check.points import random_point

    der = build(PD + "claim: S @ x = S @ x\n")
    for seed in range(20):
        values, _ = random_point(der, {"n": 4}, np.random.default_rng(seed))
        S = values["S"]
        assert np.allclose(S, S.T) and np.linalg.eigvalsh(S).min() >= 0.49


ABS = """\
id: t
title: test
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  u: {shape: scalar}
  X: {shape: [n, n]}
"""


@pytest.mark.parametrize("claim", [
    "D(log(abs(u)), u) = 1 / u",
    "D(log(abs(det(X))), X) = inv(X).T",
    "D(abs(det(X)), X) = abs(det(X)) * inv(X).T",
    "abs(u * det(X)) = abs(u) * abs(det(X))",
    "abs(u) / u = u / abs(u)",
])
def test_abs_is_decided_exactly_by_cases_on_its_signs(build, claim):
    link = check_all(build, ABS + f"claim: {claim}\n")["claim"]
    assert link.status == "proven", link.evidence
    assert any("taking each sign" in e for e in link.evidence), link.evidence
    assert not any("simplify" in e for e in link.evidence)


@pytest.mark.parametrize("claim", [
    "D(log(abs(u)), u) = abs(1 / u)",
    "D(log(abs(det(X))), X) = inv(X)",
    "abs(u + det(X)) = abs(u) + abs(det(X))",
])
def test_a_wrong_identity_with_abs_gets_an_exact_witness(build, claim):
    link = check_all(build, ABS + f"claim: {claim}\n")["claim"]
    assert link.status == "failed" and link.witness is not None and link.witness.exact, link.evidence
