"""The TeX of names, shapes and numbers: what the expression printer and the documents share.

A name is a validated identifier (alpha, W, x_1, W_new, x1) typeset in a style ('vec', 'bold'
or 'plain'): Greek letters become their commands, a suffix after '_' or trailing digits become a
subscript. `docgen.lang.notation` prints every symbol of an expression through `name_tex`; the
documents also show shapes (ℝ^{n×m}) and the rounded values of the numeric example.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

from sympy.printing.latex import greek_letters_set, tex_greek_dictionary

from ..model.derivation import SCALAR, Shape


def greek(name: str) -> str | None:
    """The TeX of a Greek letter's name (alpha -> \\alpha, Gamma -> \\Gamma), else None."""
    if name in tex_greek_dictionary:
        return tex_greek_dictionary[name]
    if name in greek_letters_set:
        return "\\" + name
    return None


def name_tex(name: str, style: str) -> str:
    """A validated identifier typeset: greek letters, style, subscript suffix."""
    base, _, sub = name.partition("_")
    if not sub:
        stem = base.rstrip("0123456789")
        if stem and stem != base:
            base, sub = stem, base[len(stem):]
    tex = _base_name(base, style)
    if sub:
        tex += "_{" + _subscript(sub) + "}"
    return tex


def _base_name(base: str, style: str) -> str:
    greek_tex = greek(base)
    if greek_tex is not None:
        if style == "vec":
            return r"\vec{" + greek_tex + "}"
        if style == "bold":
            return r"\boldsymbol{" + greek_tex + "}"
        return greek_tex
    if style == "vec":
        return r"\vec{" + base + "}" if len(base) == 1 else r"\vec{\mathit{" + base + "}}"
    if style == "bold":
        return r"\mathbf{" + base + "}"
    return base if len(base) == 1 else r"\mathit{" + base + "}"


def _subscript(sub: str) -> str:
    if sub.isdigit() or len(sub) == 1:
        return sub
    greek_tex = greek(sub)
    if greek_tex is not None:
        return greek_tex
    return r"\text{" + sub + "}"


def latex_shape(shape: Shape) -> str:
    """\\mathbb{R}, \\mathbb{R}^{n}, \\mathbb{R}^{n \\times m} (dimension names in plain style)."""

    def dim(d: str | int) -> str:  # a product m*n (kron, vec) is written mn
        return str(d) if isinstance(d, int) else " ".join(
            f if f.isdigit() else name_tex(f, "plain") for f in d.split("*"))

    if tuple(shape) == SCALAR:
        return r"\mathbb{R}"
    rows, cols = shape
    if cols == 1:
        return r"\mathbb{R}^{" + dim(rows) + "}"
    return r"\mathbb{R}^{" + dim(rows) + r" \times " + dim(cols) + "}"


def format_number(value: float | Fraction, digits: int) -> str:
    """A number rounded to `digits` decimals, trailing zeros dropped, never -0."""
    v = float(value)
    if not math.isfinite(v):
        return r"\infty" if v > 0 else (r"-\infty" if v < 0 else r"\mathrm{NaN}")
    s = f"{v:.{max(digits, 0)}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "-0.", ""):
        s = "0"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def latex_value(rows: list[list[float]], digits: int) -> str:
    """A number, or a vector/matrix as a bmatrix, deterministically rounded."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return format_number(rows[0][0], digits)
    body = r" \\ ".join(" & ".join(format_number(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def format_fixed(value: float, digits: int) -> str:
    """A number with exactly `digits` decimals (0.0900, -0.0220), never -0.0000: the numbers of
    a table that line up."""
    v = float(value)
    if not math.isfinite(v):
        return format_number(v, digits)
    s = f"{v:.{max(digits, 0)}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def latex_one_line(rows: list[list[float]], cell: Callable[[float], str]) -> str:
    """A value with each entry written by `cell`: a number; a vector as a tuple (a column
    vector transposed), in one line; a matrix with its columns right-aligned, so that fixed decimals line up."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return cell(rows[0][0])
    if all(len(r) == 1 for r in rows):  # a column vector: a transposed tuple, one line
        return "(" + ", ".join(cell(r[0]) for r in rows) + r")^{\top}"
    if len(rows) == 1:
        return "(" + ", ".join(cell(v) for v in rows[0]) + ")"
    body = r" \\ ".join(" & ".join(cell(v) for v in row) for row in rows)
    return (r"\left[\begin{array}{" + "r" * len(rows[0]) + "} " + body
            + r" \end{array}\right]")


def latex_fixed(rows: list[list[float]], digits: int) -> str:
    """A computed value with fixed decimals (an entry not known, NaN, as a centred dot); a square
    matrix whose entries off the diagonal all round to zero as diag(d₁, …, dₙ), in one line."""
    def cell(v: float) -> str:
        return r"\cdot" if v != v else format_fixed(v, digits)
    zero = format_fixed(0.0, digits)
    n = len(rows)
    if n > 1 and all(len(r) == n for r in rows) and all(
            cell(v) == zero for i, r in enumerate(rows) for j, v in enumerate(r) if i != j):
        return r"\operatorname{diag}(" + ", ".join(cell(rows[i][i]) for i in range(n)) + ")"
    return latex_one_line(rows, cell)


def latex_given(rows: list[list[float]], digits: int) -> str:
    """A given value as written (1, 0.5, -2), in one line where it can."""
    return latex_one_line(rows, lambda v: format_number(v, digits))
