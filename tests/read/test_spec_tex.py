"""LaTeX in derivation files (read/spec.py): tex: on steps, claim_tex:, input: tex; errors at
file:line:col inside the LaTeX; the reader's decisions kept on the expression."""

from __future__ import annotations

import pytest

from docgen.model.errors import DocgenError
from docgen.read.load import load_file
from docgen.read.spec import build_derivation

HEAD = """id: b15-tex
title: B.15 in LaTeX
dims:
  m: {sizes: [2, 3], numeric: 6}
  n: {sizes: [3, 2], numeric: 5}
symbols:
  x: {shape: [m]}
  y: {shape: scalar, of: [x]}
  z: {shape: [n], of: [x]}
"""
CLAIM = r"""claim_tex: '\frac{\partial y \vec{z}}{\partial \vec{x}} = y \frac{\partial \vec{z}}{\partial \vec{x}} + \frac{\partial y}{\partial \vec{x}} \cdot \vec{z}^{\top}'
method: differential
steps:
  - tex: 'd y \cdot \vec{z} + y \cdot d \vec{z}'
  - tex: '\vec{z} \cdot d y + y \cdot d \vec{z}'
  - expr: (y*D(z, x) + D(y, x) @ z.T).T @ d(x)
"""


def build(tmp_path, text):
    p = tmp_path / "d.yaml"
    p.write_text(text, encoding="utf-8")
    return build_derivation(load_file(p))


def test_tex_claim_and_steps_give_the_same_trees_as_expr(tmp_path):
    der = build(tmp_path, HEAD + CLAIM)
    part = der.parts[0]
    assert part.lhs.text == "D(y * z, x)" and part.rhs.text == "y * D(z, x) + D(y, x) @ z.T"
    assert [s.expr.text for s in part.steps][:2] == ["d(y) * z + y * d(z)", "z * d(y) + y * d(z)"]


def test_error_points_inside_the_latex(tmp_path):
    text = HEAD + CLAIM.replace(r"y \cdot d \vec{z}'", r"y \cdot d \vec{q}'", 1)
    with pytest.raises(DocgenError) as exc:
        build(tmp_path, text)
    line = text.splitlines().index(next(l for l in text.splitlines() if r"\vec{q}" in l)) + 1
    col = text.splitlines()[line - 1].index(r"\vec{q}") + 1
    assert f"d.yaml:{line}:{col}:" in str(exc.value) and "q is not declared" in str(exc.value)


def test_input_tex_reads_every_string_as_latex(tmp_path):
    text = HEAD + "input: tex\n" + r"""claim: '\frac{\partial \vec{x}^\top \vec{x}}{\partial \vec{x}} = 2 \vec{x}'
steps:
  - '2 \vec{x}'
"""
    der = build(tmp_path, text)
    assert der.parts[0].lhs.text == "D(x.T @ x, x)" and der.parts[0].steps[0].expr.text == "2 * x"


def test_decisions_are_kept_with_their_location(tmp_path):
    text = HEAD + r"""claim_tex: '\exp \vec x = \exp(\vec x)'
"""
    der = build(tmp_path, text)
    notes = der.parts[0].lhs.read_as
    assert notes and "without parentheses" in notes[0] and notes[0].startswith(str(tmp_path / "d.yaml") + ":10:")


def test_schema_refuses_both_expr_and_tex(tmp_path):
    text = HEAD + CLAIM.replace("  - expr: (y*D", "  - tex: 'y'\n    expr: (y*D", 1)
    with pytest.raises(DocgenError):
        build(tmp_path, text)
