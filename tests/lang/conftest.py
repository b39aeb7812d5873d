"""The derivation the notation and symbolic tests print and convert against: every style, a
definition, a generic function, subscripted and multi-letter names."""

from __future__ import annotations

import pytest

DOC = """
id: notation-test
title: Notation
language: en
layout: denominator
dims:
  n: {sizes: [2, 3], numeric: 4}
  m: {sizes: [3, 2], numeric: 3}
symbols:
  x: {shape: [n], style: vec}
  y: {shape: [n], style: bold}
  u: {shape: [n], style: plain}
  W: {shape: [m, n], style: bold}
  A: {shape: [n, n]}
  alpha: {shape: scalar}
  eta: {shape: scalar}
  W_new: {shape: [m, n]}
  x_1: {shape: [n]}
  c: {shape: scalar}
  loss: {shape: scalar, of: [x]}
functions:
  f: {derivative: fprime}
definitions:
  s: softmax(x)
claim: D(s, x) = diag(s) - s @ s.T
steps:
  - diag(s) - s @ s.T
"""


@pytest.fixture(scope="module")
def der(tmp_path_factory):
    from docgen.read.load import load_file
    from docgen.read.spec import build_derivation

    path = tmp_path_factory.mktemp("notation") / "d.yaml"
    path.write_text(DOC, encoding="utf-8")
    return build_derivation(load_file(path))
