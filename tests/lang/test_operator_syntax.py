"""The operators kron, vec, matpow, rational and symbolic exponents, and the derivatives that
have a matrix as their value (a matrix by a scalar, a row vector by a vector, D(f, vec(X))):
parsing, shapes in both layouts with located errors, and their TeX."""

from __future__ import annotations

import pytest

from docgen.lang.notation import latex_expr
from docgen.lang.parse import parse_expr
from docgen.lang.shapes import Scope, infer
from docgen.model.derivation import SCALAR, Symbol, dim_product, dim_size
from docgen.model.errors import Location, ParseError, ShapeError
from docgen.model.expr import BinOp, Call, Pow, unparse

LOC = Location("f.yaml", 7, 3)


def scope(layout: str = "denominator") -> Scope:
    symbols = {
        "x": Symbol("x", ("n", 1)),
        "A": Symbol("A", ("p", "m")),
        "B": Symbol("B", ("n", "p")),
        "X": Symbol("X", ("m", "n")),
        "S": Symbol("S", ("n", "n")),
        "a": Symbol("a", SCALAR),
        "y": Symbol("y", SCALAR, of=("x",)),
        "Q": Symbol("Q", ("n", "n"), assume=frozenset({"symmetric"})),
    }
    return Scope(symbols=symbols, dims=frozenset({"n", "m", "p"}), layout=layout,
                 smallest={"n": 2, "m": 3, "p": 2})


def shape(text: str, layout: str = "denominator"):
    return infer(parse_expr(text, LOC), scope(layout), LOC)


def shape_error(text: str, layout: str = "denominator") -> ShapeError:
    with pytest.raises(ShapeError) as info:
        shape(text, layout)
    return info.value


@pytest.mark.parametrize("text", [
    "x**(1/3)", "x**(-3/4)", "x**(5/12)", "x**a", "x**(a + 1)", "2**a", "(x**a)**2",
    "kron(A, B.T)", "vec(A @ X)", "matpow(S, 3)", "matpow(S, -2)", "matpow(S, 0)",
    "D(vec(A @ X), vec(X))",
])
def test_round_trip(text):
    tree = parse_expr(text)
    assert parse_expr(unparse(tree)) == tree


def test_exponents_are_rational_literals_or_symbolic_trees():
    assert parse_expr("x**(1/3)") == Pow(parse_expr("x"), __import__("fractions").Fraction(1, 3))
    assert parse_expr("x**(-(3/4))").exp == -__import__("fractions").Fraction(3, 4)
    tree = parse_expr("x**a")
    assert isinstance(tree, BinOp) and tree.op == "**"
    assert unparse(parse_expr("x**(2/6)")) == "x**(1/3)"


@pytest.mark.parametrize("text, message, col", [
    ("x**(1/13)", "exponent 1/13 not allowed", 7),
    ("matpow(S, a)", "matpow(X, k) takes an integer literal k", 13),
    ("matpow(S, 1/2)", "matpow(X, k) takes an integer literal k", 13),
    ("matpow(S, 17)", "-16 <= k <= 16", 13),
    ("D(x, vec(x.T))", "(or vec(X) of a symbol X)", 3),
    ("table(i, j, k, l, x)", "name 'table' is not allowed", 3),
])
def test_parse_errors_are_located(text, message, col):
    with pytest.raises(ParseError) as info:
        parse_expr(text, LOC)
    assert message in info.value.message
    assert info.value.location.column == col


def test_dimension_products_are_canonical():
    assert dim_product("m", "p") == dim_product("p", "m") == "m*p"
    assert dim_product(2, "n", 3) == "6*n" and dim_product(2, 3) == 6 and dim_product("n", 1) == "n"
    assert dim_product("m*p", "n") == "m*n*p"
    assert dim_size("2*m*n", {"m": 3, "n": 5}) == 30


@pytest.mark.parametrize("text, want", [
    ("kron(A, B)", ("n*p", "m*p")),
    ("kron(B, A.T)", ("m*n", "p*p")),
    ("kron(X, S) @ kron(S, X).T", ("m*n", "m*n")),
    ("vec(A @ X)", ("n*p", 1)),
    ("vec(X) + vec(X.T)", ("m*n", 1)),
    ("matpow(S, 3)", ("n", "n")),
    ("x**a", ("n", 1)),
    ("x**(1/3)", ("n", 1)),
])
def test_operator_shapes(text, want):
    assert shape(text) == want


@pytest.mark.parametrize("text, message, col", [
    ("matpow(X, 2)", "matpow() takes a square matrix, got m×n", 3),
    ("x**x", "an exponent is a scalar, got n×1", 6),
    ("vec(A) + vec(X)", "cannot add m*p×1 and m*n×1", 3),
    ("vec(X)[i]", "unknown index 'i'", 10),
    ("D(a, vec(y))", "'y' must be an independent symbol", 12),
    ("D(a, vec(Q))", "symmetric matrix are not supported", 12),
])
def test_operator_shape_errors_are_located(text, message, col):
    err = shape_error(text)
    assert message in err.message
    assert err.location.column == col


@pytest.mark.parametrize("text, denominator, numerator", [
    ("D(a * X, a)", ("m", "n"), ("m", "n")),             # a matrix by a scalar: its shape in both
    ("D(matpow(S, 2) * a, a)", ("n", "n"), ("n", "n")),
    ("D(a * x, a)", (1, "n"), ("n", 1)),                 # a column by a scalar, as before
    ("D(a * x.T, a)", (1, "n"), ("n", 1)),               # a row: as the column xᵀ
    ("D(x.T @ S, x)", ("n", "n"), ("n", "n")),           # a row by a vector: as D((x.T @ S).T, x)
    ("D((A @ X)[1, 1] * x.T, x)", ("n", "n"), ("n", "n")),
    ("D(vec(A @ X), vec(X))", ("m*n", "n*p"), ("n*p", "m*n")),
    ("D(tr(A @ X @ B), vec(X))", ("m*n", 1), (1, "m*n")),
])
def test_matrix_valued_derivatives_in_both_layouts(text, denominator, numerator):
    assert shape(text, "denominator") == denominator
    assert shape(text, "numerator") == numerator


@pytest.mark.parametrize("text, tex", [
    ("kron(B, A.T)", r"\mathbf{B} \otimes \mathbf{A}^{\top}"),
    ("kron(A @ X, B) @ vec(X)", r"((\mathbf{A} \mathbf{X}) \otimes \mathbf{B}) \operatorname{vec}(\mathbf{X})"),
    ("kron(A + A, B).T", r"((\mathbf{A} + \mathbf{A}) \otimes \mathbf{B})^{\top}"),
    ("matpow(S, 3)", r"\mathbf{S}^{3}"),
    ("matpow(S.T @ S, -2)", r"(\mathbf{S}^{\top} \mathbf{S})^{-2}"),
    ("a ** (1/3)", "a^{1/3}"),
    ("a ** (a + 1)", "a^{a + 1}"),
    ("x ** a", r"\vec{x}^{\circ a}"),
    ("D(vec(A @ X), vec(X))",
     r"\frac{\partial}{\partial \operatorname{vec}(\mathbf{X})} \operatorname{vec}(\mathbf{A} \mathbf{X})"),
])
def test_tex(build, text, tex):
    der = build("""
        id: t
        title: t
        dims: {n: {sizes: [2]}, m: {sizes: [3]}, p: {sizes: [2]}}
        symbols:
          x: {shape: [n]}
          A: {shape: [p, m]}
          B: {shape: [n, p]}
          X: {shape: [m, n]}
          S: {shape: [n, n]}
          a: {shape: scalar}
        claim: a = a
        """)
    assert latex_expr(parse_expr(text), der) == tex


def test_matpow_is_a_call_and_double_star_stays_elementwise():
    assert isinstance(parse_expr("matpow(S, 2)"), Call)
    assert isinstance(parse_expr("S ** 2"), Pow)  # elementwise, unlike SymPy's S**2


def test_product_dimensions_in_tex():
    from docgen.lang.typeset import latex_shape
    assert latex_shape(("m*n", 1)) == r"\mathbb{R}^{m n}"
    assert latex_shape(("2*m*p", "n")) == r"\mathbb{R}^{2 m p \times n}"
