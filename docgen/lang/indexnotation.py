"""LaTeX of entries, index variables and explicit matrices, mixed into the document printer.

x[i] is x_{i}, X[i, j] is X_{ij} (X_{i,j} when an index is longer than one character); the entry
of an expression that is not a plain name is [ · ]_{i} (the Matrix Cookbook's notation);
delta(i, k) is δ_{ik}; sum(k, e) is Σ_{k=1}^{n} e; matrix(i, k, e) is [ e ]_{ik}, the matrix whose
(i, k) entry is e; basis(n, i) is e_i (e_1^{(n)} where its neighbours do not tell its size);
literals are bmatrix environments, with ⋯ for a '...' in a row, ⋮ for a whole row '...', and ⋱
where the two meet.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from .symbolic import Basis, EntryOf, ops
from .typeset import name_tex


def subscript(labels: list[str]) -> str:
    """Indices as one subscript: ik, or i,k when one is longer than a character."""
    texts = [_label_tex(s) for s in labels]
    sep = "" if all(len(s) == 1 for s in labels) else ","
    return "{" + sep.join(texts) + "}"


def _label_tex(label: str) -> str:
    if label.lstrip("-").isdigit():
        return label
    if "-" in label:
        name, k = label.split("-", 1)
        return name_tex(name, "plain") + "-" + k
    return name_tex(label, "plain")


class IndexNotation:
    """`_print_*` methods for the classes of symbolic.py that index notation adds."""

    def _print_EntryOf(self, expr: sp.Basic) -> str:
        base, labels = ops(expr)
        sub = subscript([str(s.name) for s in labels])
        if isinstance(base, (sp.Symbol, MatrixSymbol)) and "_" not in base.name:
            return name_tex(base.name, "plain") + "_" + sub
        return r"\left[" + self._print(base) + r"\right]_" + sub  # type: ignore[attr-defined]

    def _print_Delta(self, expr: sp.Basic) -> str:
        a, b = ops(expr)
        return r"\delta_" + subscript([a.name, b.name])

    def _print_IndexSum(self, expr: sp.Basic) -> str:
        k, dim, body = ops(expr)
        inner = self.paren(body, 50)  # type: ignore[attr-defined]  (P_MUL)
        return r"\sum_{" + _label_tex(k.name) + "=1}^{" + name_tex(dim.name, "plain") + "} " + inner

    def _print_MatrixOf(self, expr: sp.Basic) -> str:
        names, body = ops(expr)
        return r"\left[" + self._print(body) + r"\right]_" + subscript([n.name for n in names])  # type: ignore[attr-defined]

    def _print_Basis(self, expr: sp.Basic) -> str:
        i = ops(expr)[0]
        tex = r"\mathbf{e}_" + subscript([i.name])
        return tex + "^{(" + self._print(expr.shape[0]) + ")}" if is_sized_basis(expr) else tex  # type: ignore[attr-defined]

    def _print_LiteralOf(self, expr: sp.Basic) -> str:
        rows, kind = ops(expr)
        dots_cols = set()
        for row in rows:
            for c, e in enumerate(row):
                if getattr(e, "name", None) == "cdots":
                    dots_cols.add(c)
        width = max(len(r) for r in rows)
        lines = []
        for row in rows:
            if len(row) == 1 and getattr(row[0], "name", None) == "vdots":
                cells = [r"\ddots" if c in dots_cols else r"\vdots" for c in range(width)]
            else:
                cells = [r"\cdots" if getattr(e, "name", None) == "cdots" else self._print(e)  # type: ignore[attr-defined]
                         for e in row]
            lines.append(" & ".join(cells))
        return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def is_sized_basis(e: sp.Basic) -> bool:
    """A basis vector printed with its size, e_1^{(n)}: a superscript already."""
    return isinstance(e, Basis) and ops(e)[1].name == "sized"


def is_entry(e: sp.Basic) -> bool:
    return isinstance(e, EntryOf)
