"""docgen.lang.symbolic: trees become SymPy objects, nothing evaluated, the author's terms kept."""

from __future__ import annotations

import sympy as sp

from docgen.lang.parse import parse_expr
from docgen.lang.symbolic import to_sympy


def test_sympy_objects_unevaluated(der):
    obj = to_sympy(parse_expr("diag(s) - s @ s.T"), der)
    assert isinstance(obj, sp.MatAdd)
    assert type(obj.args[0]).__name__ == "MatrixDiag"
    obj = to_sympy(parse_expr("alpha + alpha"), der)
    assert isinstance(obj, sp.Add) and len(obj.args) == 2  # not 2*alpha
