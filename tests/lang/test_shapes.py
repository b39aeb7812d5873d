"""docgen.lang.shapes: the shape rule of every operator and builtin; mismatches name both shapes."""

from __future__ import annotations

import pytest

from docgen.model.errors import Location, ShapeError
from docgen.model.derivation import SCALAR, Symbol
from docgen.lang.parse import parse_expr
from docgen.lang.shapes import Scope, infer, show

LOC = Location("f.yaml", 7, 3)


def scope(layout: str = "denominator") -> Scope:
    symbols = {
        "x": Symbol("x", ("n", 1)),
        "u": Symbol("u", ("m", 1)),
        "W": Symbol("W", ("m", "n")),
        "A": Symbol("A", ("n", "n")),
        "X": Symbol("X", ("n", "m")),
        "a": Symbol("a", SCALAR),
        "y": Symbol("y", SCALAR, of=("x",)),
        "z": Symbol("z", ("m", 1), of=("x",)),
        "S": Symbol("S", ("n", "n"), assume=frozenset({"symmetric"})),
    }
    return Scope(symbols=symbols, definitions={"s": ("n", 1)}, functions={"f": "f", "fprime": "f"},
                 dims=frozenset({"n", "m"}), layout=layout)


def shape(text: str, layout: str = "denominator"):
    return infer(parse_expr(text, LOC), scope(layout), LOC)


def shape_error(text: str, layout: str = "denominator") -> ShapeError:
    with pytest.raises(ShapeError) as info:
        shape(text, layout)
    return info.value


def test_show():
    assert show(SCALAR) == "scalar"
    assert show(("n", 1)) == "n×1"
    assert show(("m", "n")) == "m×n"


@pytest.mark.parametrize("text, expected", [
    ("3", SCALAR), ("a", SCALAR), ("x", ("n", 1)), ("W", ("m", "n")), ("s", ("n", 1)),
    ("-W", ("m", "n")), ("W.T", ("n", "m")), ("x.T", (1, "n")), ("W.T.T", ("m", "n")),
    ("x**2", ("n", 1)), ("W**-1", ("m", "n")),
])
def test_atoms_and_unary(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("x + x", ("n", 1)), ("W - W", ("m", "n")), ("a + 1", SCALAR),
    ("a * W", ("m", "n")), ("W * a", ("m", "n")), ("x * x", ("n", 1)), ("W * W", ("m", "n")),
    ("W / a", ("m", "n")), ("x / x", ("n", 1)), ("x / sum(x)", ("n", 1)),
    ("W @ x", ("m", 1)), ("x.T @ x", SCALAR), ("x @ x.T", ("n", "n")), ("W @ X", ("m", "m")),
    ("x.T @ A @ x", SCALAR),
])
def test_binary_operators(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("sum(x) @ x", ("n", 1)), ("x @ sum(x)", ("n", 1)), ("a @ W", ("m", "n")),
    ("W @ a", ("m", "n")), ("(x.T @ x) @ W", ("m", "n")), ("W @ (u.T @ u)", ("m", "n")),
])
def test_one_by_one_acts_as_scalar_in_matmul(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize("text, message", [
    ("x + W", "cannot add n×1 and m×n"),
    ("W - x", "cannot subtract m×n and n×1"),
    ("x + a", "cannot add n×1 and scalar"),
    ("x * W", "'*' needs a scalar or equal shapes (elementwise), got n×1 * m×n"),
    ("x * u", "got n×1 * m×1"),
    ("a / x", "cannot divide scalar by n×1"),
    ("W / x", "cannot divide m×n by n×1"),
    ("x @ x", "matrix product n×1 @ n×1: inner sizes 1 and n differ"),
    ("W @ u", "matrix product m×n @ m×1: inner sizes n and m differ"),
    ("x @ W", "matrix product n×1 @ m×n: inner sizes 1 and m differ"),
])
def test_mismatches_name_both_shapes(text, message):
    err = shape_error(text)
    assert message in err.message
    assert err.location.path == "f.yaml" and err.location.line == 7


def test_mismatch_location_is_the_operator_subexpression():
    err = shape_error("a + (x + W)")
    assert err.location == Location("f.yaml", 7, 3 + 5)  # the inner sum starts at offset 5


@pytest.mark.parametrize("fn", ["exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "sin", "cos",
                                "abs", "f", "fprime", "d"])
@pytest.mark.parametrize("arg, expected", [("x", ("n", 1)), ("W", ("m", "n")), ("a", SCALAR)])
def test_elementwise_functions_keep_the_shape(fn, arg, expected):
    assert shape(f"{fn}({arg})") == expected


@pytest.mark.parametrize("text, expected", [
    ("softmax(x)", ("n", 1)), ("logsumexp(x)", SCALAR), ("sum(x)", SCALAR), ("sum(W)", SCALAR),
    ("diag(x)", ("n", "n")), ("diag(u)", ("m", "m")), ("tr(A)", SCALAR), ("det(A)", SCALAR),
    ("inv(A)", ("n", "n")), ("norm(x)", SCALAR), ("norm(W)", SCALAR),
    ("ones(n)", ("n", 1)), ("ones(n, m)", ("n", "m")), ("zeros(m)", ("m", 1)),
    ("zeros(m, n)", ("m", "n")), ("eye(n)", ("n", "n")), ("ones(3)", (3, 1)), ("ones(n, 2)", ("n", 2)),
])
def test_builtins(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize("text, message", [
    ("softmax(W)", "softmax() takes a column vector, got m×n"),
    ("softmax(a)", "softmax() takes a column vector, got scalar"),
    ("logsumexp(W)", "logsumexp() takes a column vector, got m×n"),
    ("diag(W)", "diag() takes a column vector, got m×n"),
    ("diag(x.T)", "diag() takes a column vector, got 1×n"),
    ("tr(W)", "tr() takes a square matrix, got m×n"),
    ("det(x)", "det() takes a square matrix, got n×1"),
    ("inv(W)", "inv() takes a square matrix, got m×n"),
    ("ones(x)", "ones() takes dimension names or sizes 1..64"),
    ("ones(65)", "ones() takes dimension names or sizes 1..64"),
    ("eye(0.5)", "eye() takes dimension names or sizes 1..64"),
    ("f + x", "function 'f' must be applied"),
    ("q", "unknown name 'q'"),
    ("g(x)", "unknown function 'g'"),
    ("f(x, x)", "f() takes 1 argument, got 2"),
])
def test_builtin_misuse(text, message):
    assert message in shape_error(text).message


# -- D(f, x) in both layouts -------------------------------------------------------------------

@pytest.mark.parametrize("text, denominator, numerator", [
    ("D(y, x)", ("n", 1), (1, "n")),                 # scalar by vector
    ("D(sum(x), x)", ("n", 1), (1, "n")),
    ("D(z, x)", ("n", "m"), ("m", "n")),             # vector (m) by vector (n)
    ("D(W @ x, x)", ("n", "m"), ("m", "n")),
    ("D(exp(x), x)", ("n", "n"), ("n", "n")),
    ("D(a, W)", ("m", "n"), ("n", "m")),             # scalar by matrix
    ("D(sum(W @ x), W)", ("m", "n"), ("n", "m")),
    ("D(a * a, a)", SCALAR, SCALAR),
])
def test_derivative_shapes_in_both_layouts(text, denominator, numerator):
    assert shape(text, "denominator") == denominator
    assert shape(text, "numerator") == numerator


@pytest.mark.parametrize("text, message", [
    ("D(z, W)", "D of a vector (m×1) by a matrix (m×n) has 3 indices, which is not a matrix"),
    ("D(W, x)", "D of a matrix (m×n) by a vector (n×1) has 3 indices"),
    ("D(W, W)", "D of a matrix (m×n) by a matrix (m×n) has 4 indices, which is not a matrix: write it entry "
                "by entry, D(Y[i, j], X[k, l]) with index variables, or as D(vec(Y), vec(X))"),
    ("D(x.T, W)", "D of a vector (1×n) by a matrix (m×n) has 3 indices"),
    ("D(y, y)", "'y' must be an independent symbol"),
    ("D(a, S)", "symmetric matrix are not supported"),
])
def test_unsupported_derivatives(text, message):
    assert message in shape_error(text).message


def test_locals_shadow_symbols():
    sc = scope()
    sc.locals = {"t": SCALAR}
    assert infer(parse_expr("tanh(t) + t", LOC), sc, LOC) == SCALAR


def test_dimension_used_as_a_number_is_scalar():
    # a dimension name stands for its size, e.g. the mean sum(x) / n
    assert shape("sum(x) / n") == (1, 1)


def test_derivative_by_an_intermediate_definition():
    # ∂x/∂s with s := ... (an n×1 definition) is n×n, like a derivative by a symbol
    assert shape("D(x, s)") == ("n", "n")
