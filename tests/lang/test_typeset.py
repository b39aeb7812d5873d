"""docgen.lang.typeset: shapes and deterministically rounded numbers in TeX."""

from __future__ import annotations

from docgen.lang.typeset import format_number, latex_fixed, latex_shape, latex_value


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


def test_a_diagonal_value_is_written_in_one_line():
    assert latex_fixed([[0.25, 0.0], [-0.00001, 1.5]], 4) == r"\operatorname{diag}(0.2500, 1.5000)"
    # an entry off the diagonal that shows in the decimals keeps the full matrix
    full = latex_fixed([[0.25, 0.001], [0.0, 1.5]], 4)
    assert full.startswith(r"\left[\begin{array}{rr}") and "0.0010" in full
    # not square, or a vector: as before
    assert latex_fixed([[1.0, 0.0]], 2) == "(1.00, 0.00)"
    assert "diag" not in latex_fixed([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]], 2)
