"""docgen.read.spec with entries, index variables and explicit matrices: declarations, free
indices of the two sides, shapes of matrices with '...', and the errors that name the fix."""

from __future__ import annotations

import pytest

from docgen.model.errors import DocgenError, ErrorGroup
from docgen.model.expr import Entry, Literal

HEAD = """\
id: t
title: test
dims:
  n: {sizes: [2, 3], numeric: 6}
  m: {sizes: [3, 2], numeric: 5}
indices: {i: n, k: n, j: m}
symbols:
  x: {shape: [n]}
  W: {shape: [m, n]}
definitions:
  s: softmax(x)
"""


def errors_of(build, text: str) -> list[DocgenError]:
    with pytest.raises(DocgenError) as info:
        build(text)
    err = info.value
    return list(err.errors) if isinstance(err, ErrorGroup) else [err]


def one_error(build, text: str) -> DocgenError:
    errs = errors_of(build, text)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def test_entry_claim_builds_with_its_free_indices(build):
    der = build(HEAD + "claim: D(s[i], x[k]) = s[i] * (delta(i, k) - s[k])\n")
    part = der.parts[0]
    assert der.indices == {"i": "n", "k": "n", "j": "m"}
    assert der.free_indices(part.lhs.tree) == ("i", "k")
    assert der.free_indices(part.rhs.tree) == ("i", "k")
    assert isinstance(part.rhs.tree.left, Entry)  # type: ignore[attr-defined]


def test_mixed_chain_shapes(build):
    der = build(HEAD + """\
claim: D(s, x) = diag(s) - s @ s.T
steps:
  - matrix(i, k, D(s[k], x[i]))
  - matrix(i, k, s[k] * (delta(i, k) - s[i]))
  - diag(s) - s @ s.T
""")
    assert [s.expr.shape for s in der.parts[0].steps] == [("n", "n")] * 3
    assert der.free_indices(der.parts[0].steps[0].expr.tree) == ()


def test_matrix_with_dots_takes_the_shape_of_the_other_side(build):
    der = build(HEAD + """\
claim: "[[x[1], ..., x[n]], ..., [x[1], ..., x[n]]] = ones(n) @ x.T"
""")
    lhs = der.parts[0].lhs
    assert isinstance(lhs.tree, Literal) and lhs.tree.has_dots and lhs.shape == ("n", "n")


def test_literal_shapes_are_numbers(build):
    der = build(HEAD + "  v: {expr: '[x[1], x[n]]'}\n  M: {expr: '[[1, x[1]], [0, 1], [2, 3]]'}\nclaim: M @ v = M @ v\n")
    assert der.definitions["v"].expr.shape == (2, 1)
    assert der.definitions["M"].expr.shape == (3, 2)
    err = one_error(build, HEAD + "claim: x = [x[1], x[2]]\n")
    assert "different shapes: n×1 and 2×1" in err.message


@pytest.mark.parametrize("claim, message", [
    ("x[l] = x[l]", "unknown index 'l': declare it under indices, e.g. indices: {l: n}"),
    ("x[j] = x[j]", "index j ranges over m, but is used along a dimension of size n"),
    ("W[k, i] = W[k, i]", "index k ranges over n, but is used along a dimension of size m"),
    ("x[i] = x[k]", "different free indices: {i} and {k}"),
    ("x[3] = x[1]", "index 3 is out of range for n, whose smallest checked size is 2"),
    ("x[m] = x[1]", "index m (the last entry along m) used along a dimension of size n"),
    ("x[n - 2] = x[1]", "out of range at n = 2"),
    ("x[i] * x = x[i] * x", "both sides are scalars, got n×1"),
    ("i * x[1] = x[1]", "index variable 'i' used as a value"),
    ("sum(i, sum(i, x[i])) = x[1]", "index 'i' is already bound"),
    ("matrix(i, i, x[i]) = ones(n, n)", "needs two different index variables"),
    ("matrix(i, k, x) = ones(n, n)", "matrix() builds from a scalar entry, got n×1"),
    ("x[1, 2] = x[1]", "index 2 is out of range for size 1"),
    ("W[1] = x[1]", "a m×n matrix has entries X[i, j]: two indices"),
    ("sum(x)[1] = x[1]", "a scalar has no entries to index"),
    ("D(s, x[k]) = x", "D(f, x[k]) differentiates a scalar"),
    ("D(x[1], s[1]) = 0", "'s' must be an independent symbol"),
    ("[x[1], ..., x[n]] = [x[1], ..., x[n]]", "both sides are matrices with '...'"),
    ("x + [x[1], ..., x[n]] = x", "may only be a whole side of an equation"),
    ("[[x[1], ..., x[n]], ..., [x[1], x[n]]] = ones(n, n)", "every row of a matrix with '...' shows the same columns"),
    ("[x[1], ..., x[n]] = ones(n, n)", "a column vector with '...' cannot equal a n×n matrix"),
    ("[[1, 2], [3]] = ones(2, 2)", "rows of a matrix literal have different lengths"),
    ("[x, x] = x", "an entry of a matrix literal is a scalar, got n×1"),
    ("delta(i, l) = 1", "unknown index 'l'"),
    ("basis(n, j) = x", "index j ranges over m"),
])
def test_index_errors_name_the_fix(build, claim, message):
    err = one_error(build, HEAD + f'claim: "{claim}"\n')
    assert message in err.message
    assert err.location.line == 12


def test_index_declarations_are_checked(build):
    errs = errors_of(build, HEAD.replace("{i: n, k: n, j: m}", "{i: q, x: n}") + "claim: x = x\n")
    text = " ".join(e.message for e in errs)
    assert "indices/i: unknown dimension 'q'" in text
    assert "'x' is already declared under indices" in text


def test_free_index_in_a_definition_or_assumption_is_refused(build):
    errs = errors_of(build, HEAD + "  u: x[i]\nassumptions:\n  - x[k] = x[k]\nclaim: x = x\n")
    text = " ".join(e.message for e in errs)
    assert "definitions/u has the free index i" in text
    assert "an assumption has the free index k" in text


def test_steps_keep_the_claims_free_indices(build):
    err = one_error(build, HEAD + "claim: x[i] = x[i]\nsteps:\n  - x[k]\n  - x[i]\n")
    assert "step has the free indices {k}, but the claim has {i}" in err.message


def test_three_and_four_free_indices_are_accepted(build):
    der = build(HEAD + "claim: x[i] * x[k] * W[j, i] = W[j, i] * x[k] * x[i]\n")
    assert der.free_indices(der.parts[0].lhs.tree) == ("i", "k", "j")
    tree, shape, free = der.tabulate(der.parts[0].lhs.tree)
    assert tree.func == "table" and shape == ("n*n", "m") and free == ("i", "k", "j")


def test_five_free_indices_are_refused(build):
    head = HEAD.replace("indices: {i: n, k: n, j: m}", "indices: {i: n, k: n, j: m, l: n, r: m}")
    err = one_error(build, head + "claim: W[j, i] * W[r, k] * x[l] = x[l] * W[j, i] * W[r, k]\n")
    assert "at most four free indices in an equation, got i, k, j, l, r" in err.message


def test_differential_proof_with_free_indices_is_refused(build):
    err = one_error(build, HEAD + "claim: D(s[i], x[1]) = s[i] * (delta(i, 1) - s[1])\nmethod: differential\nsteps:\n  - d(s[i])\n")
    assert "a differential proof is about whole matrices" in err.message


def test_index_names_are_reserved_against_builtins(build):
    err = one_error(build, HEAD.replace("{i: n, k: n, j: m}", "{delta: n}") + "claim: x = x\n")
    assert "'delta' is a reserved name" in err.message
