"""Helpers shared by the render tests: a small derivation with two parts, written and verified."""

from __future__ import annotations

import textwrap
from pathlib import Path

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.run.verify import verify

FORMATS = ("latex", "html", "md")

BASE = """
id: {id}
title: "{title}"
language: en
summary: "A test with $\\\\alpha$ math."
dims:
  n: {{sizes: [2, 3], numeric: 4}}
symbols:
  x: {{shape: [n], description: "input"}}
  alpha: {{shape: scalar, assume: [constant]}}
definitions:
  s: softmax(x)
parts:
  - label: first
    claim: D(alpha * sum(x), x) = alpha * ones(n)
    steps:
{first}
  - label: second
    claim: D(s, x) = diag(s) - s @ s.T
    steps:
      - expr: D(exp(x) / sum(exp(x)), x)
        by: definition
        note: "{note}"
      - diag(s) - s @ s.T
example:
  sizes: {{n: 3}}
  values: {{x: [1, 2, 0.5], alpha: 2}}
  digits: 3
"""
FIRST = """\
      - expr: alpha * D(sum(x), x)
        by: linearity
      - alpha * ones(n)"""
FIRST_LONGER = """\
      - expr: alpha * D(sum(x), x)
        by: linearity
      - expr: alpha * D(ones(n).T @ x, x)
        by: definition
      - alpha * ones(n)"""


def make(tmp_path: Path, *, title: str = "Test", note: str = "Note with $x$.",
         first: str = FIRST, name: str = "d.yaml", id: str = "render-test"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(BASE.format(id=id, title=title, note=note, first=first)),
                    encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert res.passed, [str(p) for p in res.problems] + [lk.status for lk in res.links]
    return res
