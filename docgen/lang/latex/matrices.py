"""bmatrix, pmatrix, matrix and array environments -> docgen matrix literals (with '...').

A column where some row has \\cdots or \\ddots is the '...' column: there, \\cdots and blank cells
are the entries left out. A row of \\vdots, \\ddots and blanks is a whole row left out. Other
blank cells are 0, and short rows are padded with 0 (as LaTeX shows them: empty). A matrix with
one column is a column vector. `docgen.model.expr.Literal` is what comes out.
"""

from __future__ import annotations

from fractions import Fraction

from lark import Tree

from ...model.expr import Dots, Literal, Node, Num
from ..parse import MAX_LITERAL_ENTRIES


def _dots(cell: Tree) -> str | None:
    """'cdots', 'vdots' or 'ddots' when the cell is only dots; '' when blank; else None."""
    if not cell.children:
        return ""
    e = cell.children[0]
    if len(e.children) != 1 or len(e.children[0].children) != 1:
        return None
    prod = e.children[0].children[0]
    if len(prod.children) != 1 or len(prod.children[0].children) != 1:
        return None
    atom = prod.children[0].children[0]
    return str(atom.children[0]) if atom.data == "dots" else None


def environment(r, atom: Tree) -> Node:  # noqa: ANN001  (a Resolver)
    env = str(atom.children[0])
    col = r.col_of(atom)
    if env not in ("bmatrix", "pmatrix", "matrix", "array"):
        raise r.error(col, f"\\begin{{{env}}} is a layout of several formulas; inside one formula only "
                      "bmatrix, pmatrix, matrix and array are read")
    rows = [[c for c in row.children if isinstance(c, Tree)] for row in atom.children[1].children
            if isinstance(row, Tree)]
    if rows and len(rows) > 1 and all(not c.children for c in rows[-1]):
        rows = rows[:-1]  # a trailing \\ before \end
    cells = sum(len(row) for row in rows)
    if cells > MAX_LITERAL_ENTRIES:
        raise r.error(col, f"matrix has {cells} cells; at most {MAX_LITERAL_ENTRIES}")
    kinds = [[_dots(c) for c in row] for row in rows]
    dots_cols = {k for row in kinds for k, d in enumerate(row) if d in ("cdots", "ddots")}
    whole = [all(d in ("", "vdots", "ddots") for d in row) and any(d in ("vdots", "ddots") for d in row)
             for row in kinds]
    if len(dots_cols) > 1:
        raise r.error(col, "a matrix is read with at most one column of \\cdots/\\ddots")
    width = max(len(row) for row in rows)
    out: list[tuple[Node, ...]] = []
    for row, kind, is_whole in zip(rows, kinds, whole):
        if is_whole:
            out.append(())
            continue
        entries: list[Node] = []
        for k in range(width):
            cell = row[k] if k < len(row) else None
            d = kind[k] if k < len(row) else ""
            ccol = r.col_of(cell) if cell is not None and cell.children else col
            if k in dots_cols:
                if d not in ("", "cdots", "ddots"):
                    raise r.error(ccol, "an entry in the column of \\cdots: the dots stand for the entries left out")
                entries.append(Dots(ccol))
            elif d == "":
                r.blank = True
                entries.append(Num(Fraction(0), ccol))
            elif d is not None:
                raise r.error(ccol, f"\\{d} here is not read: \\cdots goes in a row, \\vdots in a row of its own")
            else:
                entries.append(r.expr(cell.children[0]))
        out.append(tuple(entries))
    if r.blank:
        r.decide(col, "blank cells of the matrix read as 0")
    if width == 1:
        return Literal(tuple(row for row in out), True, col)
    return Literal(tuple(out), False, col)
