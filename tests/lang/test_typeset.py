"""docgen.lang.typeset: shapes and deterministically rounded numbers in TeX."""

from __future__ import annotations

from docgen.lang.typeset import format_number, latex_shape, latex_value


def test_latex_shape():
    assert latex_shape((1, 1)) == r"\mathbb{R}"
    assert latex_shape(("n", 1)) == r"\mathbb{R}^{n}"
    assert latex_shape(("m", "n")) == r"\mathbb{R}^{m \times n}"
    assert latex_shape((3, 2)) == r"\mathbb{R}^{3 \times 2}"


def test_latex_value_scalar_vector_matrix():
    assert latex_value([[0.5]], 4) == "0.5"
    assert latex_value([[1.0], [2.0]], 4) == r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}"
    assert latex_value([[1.23456, -2.0], [0.0, 3.5]], 3) == (
        r"\begin{bmatrix} 1.235 & -2 \\ 0 & 3.5 \end{bmatrix}")


def test_negative_zero_is_zero():
    assert format_number(-0.0, 3) == "0"
    assert format_number(-0.00001, 3) == "0"
    assert latex_value([[-1e-9, 1e-9]], 4) == r"\begin{bmatrix} 0 & 0 \end{bmatrix}"


def test_values_deterministic_rounding():
    assert format_number(0.12345678, 4) == "0.1235"
    assert format_number(2.0, 0) == "2"
    assert format_number(-1.5, 2) == "-1.5"
