"""Helpers shared by the LaTeX reader's tests: print an expression as the documents do and read
the print back."""

from __future__ import annotations

from docgen.lang.latex import read_expr
from docgen.lang.latex.canonical import canonical
from docgen.lang.latex.context import from_derivation
from docgen.lang.notation import latex_expr
from docgen.lang.parse import parse_expr


def printed_and_read_back(der, text: str) -> str:  # noqa: ANN001  (a built Derivation)
    """The LaTeX the documents print for `text` in `der`'s notation, once it is asserted to read
    back to the same tree (up to the reader's canonical forms)."""
    tree = parse_expr(text)
    got = latex_expr(tree, der)
    ctx = from_derivation(der)
    assert canonical(read_expr(got, ctx).tree, ctx.scope) == canonical(tree, ctx.scope), (text, got)
    return got
