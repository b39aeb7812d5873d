"""Exact LaTeX per construct, in the style of SymPy's own printer tests (test_latex.py).

The derivation `der` they print against is in conftest.py."""

from __future__ import annotations

import pytest

from docgen.lang.notation import DocLatexPrinter, latex_equation, latex_expr
from docgen.lang.parse import parse_expr


@pytest.fixture(scope="module")
def tex(der):
    def _tex(text: str, **settings) -> str:
        return latex_expr(parse_expr(text), der, **settings)

    return _tex


# -- names and styles ----------------------------------------------------------------------
def test_vec_style(tex):
    assert tex("x") == r"\vec{x}"


def test_bold_style(tex):
    assert tex("y") == r"\mathbf{y}"
    assert tex("W") == r"\mathbf{W}"


def test_plain_style(tex):
    assert tex("u") == "u"


def test_default_styles(tex):
    assert tex("A") == r"\mathbf{A}"  # a matrix defaults to bold
    assert tex("x_1") == r"\vec{x}_{1}"  # a column vector to vec
    assert tex("c") == "c"


def test_greek(tex):
    assert tex("alpha") == r"\alpha"
    assert tex("eta") == r"\eta"


def test_subscript_suffix(tex):
    assert tex("W_new") == r"\mathbf{W}_{\text{new}}"


def test_multi_letter_name(tex):
    assert tex("loss") == r"\mathit{loss}"


def test_definition_prints_as_its_name(tex):
    assert tex("s") == r"\vec{s}"


# -- numbers --------------------------------------------------------------------------------
def test_integer_and_rational(tex):
    assert tex("2 * x") == r"2 \vec{x}"
    assert tex("1/2 * x") == r"\frac{1}{2} \vec{x}"
    assert tex("-3 * alpha") == r"-3 \alpha"


# -- sums and order -----------------------------------------------------------------------
def test_term_order_kept(tex):
    assert tex("diag(s) - s @ s.T") == r"\operatorname{diag}(\vec{s}) - \vec{s} \vec{s}^{\top}"
    assert tex("-s @ s.T + diag(s)") == r"- \vec{s} \vec{s}^{\top} + \operatorname{diag}(\vec{s})"


def test_scalar_sum_order(tex):
    assert tex("eta + alpha") == r"\eta + \alpha"
    assert tex("eta - alpha + c") == r"\eta - \alpha + c"


def test_subtracting_a_sum(tex):
    assert tex("x - (x - u)") == r"\vec{x} - (\vec{x} - u)"


def test_unary_minus(tex):
    assert tex("-(x + u)") == r"- (\vec{x} + u)"
    assert tex("x - (-u)") == r"\vec{x} - (- u)"
    assert tex("alpha * -alpha") == r"\alpha (- \alpha)"


# -- products -------------------------------------------------------------------------------
def test_matrix_product(tex):
    assert tex("W @ x") == r"\mathbf{W} \vec{x}"


def test_sum_inside_product(tex):
    assert tex("W @ (x + u)") == r"\mathbf{W} (\vec{x} + u)"


def test_hadamard(tex):
    assert tex("x * u") == r"\vec{x} \odot u"
    assert tex("(x + u) * u") == r"(\vec{x} + u) \odot u"
    assert tex("A @ x * u") == r"(\mathbf{A} \vec{x}) \odot u"


def test_scalar_scaling(tex):
    assert tex("alpha * W @ x") == r"\alpha \mathbf{W} \vec{x}"


def test_authors_grouping(tex):
    assert tex("W @ (alpha * x)") == r"\mathbf{W} (\alpha \vec{x})"
    assert tex("(x.T @ u) * x") == r"(\vec{x}^{\top} u) \vec{x}"


def test_mul_symbol_setting(tex):
    assert tex("W @ x", mul_symbol="dot") == r"\mathbf{W} \cdot \vec{x}"


# -- division ------------------------------------------------------------------------------
def test_division_by_scalar(tex):
    assert tex("x / alpha") == r"\frac{\vec{x}}{\alpha}"
    assert tex("exp(x) / sum(exp(x))") == r"\frac{\exp(\vec{x})}{\mathbf{1}^{\top} \exp(\vec{x})}"


def test_elementwise_division(tex):
    assert tex("x / u") == r"\vec{x} \oslash u"


# -- transpose, powers, inverse ------------------------------------------------------------
def test_transpose(tex):
    assert tex("x.T") == r"\vec{x}^{\top}"
    assert tex("(x + u).T") == r"(\vec{x} + u)^{\top}"
    assert tex("(W @ x).T") == r"(\mathbf{W} \vec{x})^{\top}"


def test_powers(tex):
    assert tex("alpha**2") == r"\alpha^{2}"
    assert tex("(alpha + 1)**2") == r"(\alpha + 1)^{2}"
    assert tex("x**2") == r"\vec{x}^{\circ 2}"
    assert tex("alpha**0.5") == r"\sqrt{\alpha}"
    assert tex("sum(exp(x))**2") == r"(\mathbf{1}^{\top} \exp(\vec{x}))^{2}"


def test_inverse(tex):
    assert tex("inv(A)") == r"\mathbf{A}^{-1}"
    assert tex("inv(A.T @ A)") == r"(\mathbf{A}^{\top} \mathbf{A})^{-1}"
    assert tex("inv(alpha)") == r"\alpha^{-1}"


# -- functions --------------------------------------------------------------------------------
def test_elementwise_functions(tex):
    assert tex("exp(x)") == r"\exp(\vec{x})"
    assert tex("log(x)") == r"\log(\vec{x})"
    assert tex("tanh(x)") == r"\tanh(\vec{x})"
    assert tex("sigmoid(x)") == r"\sigma(\vec{x})"
    assert tex("softplus(x)") == r"\operatorname{softplus}(\vec{x})"
    assert tex("sqrt(x)") == r"\sqrt{\vec{x}}"
    assert tex("abs(x)") == r"\left|\vec{x}\right|"


def test_sigmoid_setting(tex):
    assert tex("sigmoid(x)", sigmoid=r"\operatorname{sigmoid}") == r"\operatorname{sigmoid}(\vec{x})"


def test_generic_function_and_derivative(tex):
    assert tex("f(W @ x)") == r"f(\mathbf{W} \vec{x})"
    assert tex("fprime(W @ x)") == r"f'(\mathbf{W} \vec{x})"


def test_softmax_and_logsumexp(tex):
    assert tex("softmax(x)") == r"\operatorname{softmax}(\vec{x})"
    assert tex("logsumexp(x)") == r"\operatorname{logsumexp}(\vec{x})"


def test_diag(tex):
    assert tex("diag(exp(x))") == r"\operatorname{diag}(\exp(\vec{x}))"


def test_sum_ones(tex):
    assert tex("sum(x)") == r"\mathbf{1}^{\top} \vec{x}"
    assert tex("sum(x * u)") == r"\mathbf{1}^{\top} (\vec{x} \odot u)"
    assert tex("sum(W)") == r"\mathbf{1}^{\top} \mathbf{W} \mathbf{1}"


def test_sum_sigma_setting(tex):
    assert tex("sum(u)", sum_style="sigma") == r"\sum_{i} u_{i}"
    assert tex("sum(exp(x))", sum_style="sigma") == r"\sum_{i} \left[\exp(\vec{x})\right]_{i}"


def test_trace_det_norm(tex):
    assert tex("tr(A)") == r"\operatorname{tr}(\mathbf{A})"
    assert tex("det(A)") == r"\det(\mathbf{A})"
    assert tex("norm(x)") == r"\left\lVert \vec{x} \right\rVert"


def test_constants(tex):
    assert tex("ones(n)") == r"\mathbf{1}_{n}"  # alone, nothing tells its size
    assert tex("x + ones(n)") == r"\vec{x} + \mathbf{1}"
    assert tex("ones(n).T @ x") == r"\mathbf{1}^{\top} \vec{x}"
    assert tex("zeros(m, n)") == r"\mathbf{0}_{m \times n}"
    assert tex("eye(n) @ x") == r"\mathbf{I} \vec{x}"


# -- calculus ---------------------------------------------------------------------------------
def test_derivative_of_a_name(tex):
    assert tex("D(s, x)") == r"\frac{\partial \vec{s}}{\partial \vec{x}}"


def test_derivative_operator_form(tex):
    assert tex("D(exp(x) / sum(exp(x)), x)") == (
        r"\frac{\partial}{\partial \vec{x}} \left(\frac{\exp(\vec{x})}{\mathbf{1}^{\top} \exp(\vec{x})}\right)")
    assert tex("D(sum(exp(x)), x)") == r"\frac{\partial}{\partial \vec{x}} (\mathbf{1}^{\top} \exp(\vec{x}))"


def test_derivative_transposed(tex):
    assert tex("D(s, x).T") == r"\left(\frac{\partial \vec{s}}{\partial \vec{x}}\right)^{\top}"


def test_differential(tex):
    assert tex("d(x)") == r"\mathrm{d}\vec{x}"
    assert tex("d(s).T") == r"(\mathrm{d}\vec{s})^{\top}"
    assert tex("A @ d(x)") == r"\mathbf{A} \mathrm{d}\vec{x}"
    assert tex("d(exp(x))") == r"\mathrm{d}(\exp(\vec{x}))"


def test_diff_operator_setting(tex):
    assert tex("d(x)", diff_operator="d") == r"d \vec{x}"


# -- equations, shapes, values --------------------------------------------------------------
def test_equation(der):
    part = der.parts[0]
    assert latex_equation(part.lhs, part.rhs, der) == (
        r"\frac{\partial \vec{s}}{\partial \vec{x}} = \operatorname{diag}(\vec{s}) - \vec{s} \vec{s}^{\top}")


# -- the printer is a proper LatexPrinter subclass ------------------------------------------
def test_unknown_setting_rejected():
    with pytest.raises(TypeError):
        DocLatexPrinter({"no_such_setting": 1})
