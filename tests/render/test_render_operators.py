"""Documents with kron, vec, matpow, a root and a symbolic exponent, and a claim with four free
indices render in every format; HTML math goes through KaTeX (which must accept the TeX)."""

from __future__ import annotations

import pytest

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.render import katex
from docgen.render.render import render_document
from docgen.run.verify import verify

SOURCE = """
id: operators-render
title: Operators
dims:
  m: {sizes: [2, 3]}
  n: {sizes: [3, 2]}
  p: {sizes: [2, 2]}
indices: {i: p, j: n, k: m, l: n}
symbols:
  A: {shape: [p, m], assume: [constant]}
  B: {shape: [n, p], assume: [constant]}
  X: {shape: [m, n]}
  S: {shape: [p, p]}
  u: {shape: scalar, assume: [positive]}
  a: {shape: scalar}
parts:
  - label: vec
    claim: D(vec(A @ X @ B), vec(X)) = kron(B, A.T)
  - label: power
    claim: D(tr(matpow(S, 3)), S) = 3 * matpow(S, 2).T
  - label: exponents
    claim: D(u ** a + u ** (1/3), a) = u ** a * log(u)
  - label: entries
    claim: D((A @ X)[i, j], X[k, l]) = A[i, k] * delta(j, l)
example:
  values:
    A: [[1, 2], [0, 1]]
    B: [[1, 0], [2, 1], [0, 3]]
    X: [[1, 2, 0], [0, 1, 1]]
    S: [[2, 1], [1, 3]]
    u: 2
    a: 1.5
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = tmp_path_factory.mktemp("ops") / "ops.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    return res


def test_it_verifies(result):
    assert result.passed


@pytest.mark.parametrize("fmt, wanted", [
    ("latex", [r"\otimes", r"\operatorname{vec}", r"\mathbf{S}^{3}", "u^{a}", "u^{1/3}", r"\delta_{jl}"]),
    ("md", [r"\otimes", r"\operatorname{vec}"]),
    ("html", ['class="katex"', "⊗", "vec"]),
])
def test_every_format_renders_the_operators(result, fmt, wanted):
    math = katex.render_math if fmt == "html" else None
    out = render_document(result, fmt, math_to_html=math)
    text = out if isinstance(out, str) else out.decode("utf-8")
    for w in wanted:
        assert w in text, (fmt, w)
