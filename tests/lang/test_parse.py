"""docgen.lang.parse: the whitelisted math language, positions in errors, nothing ever executed."""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

from docgen.model.errors import Location, ParseError
from docgen.model.expr import BinOp, Call, Name, Neg, Num, Pow, Transpose
from docgen.lang.parse import parse_equation, parse_expr, split_equation

LOC = Location("f.yaml", 3, 5)


def p(text: str):
    return parse_expr(text, LOC)


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_expr(text, LOC)
    return info.value


# -- valid syntax ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, op", [("x + y", "+"), ("x - y", "-"), ("x * y", "*"),
                                      ("x / y", "/"), ("x @ y", "@")])
def test_binary_operators(text, op):
    assert p(text) == BinOp(op, Name("x"), Name("y"))


def test_precedence_matmul_binds_like_times():
    assert p("a + b @ c") == BinOp("+", Name("a"), BinOp("@", Name("b"), Name("c")))
    assert p("(a + b) @ c") == BinOp("@", BinOp("+", Name("a"), Name("b")), Name("c"))


def test_transpose_and_double_transpose():
    assert p("W.T @ x") == BinOp("@", Transpose(Name("W")), Name("x"))
    assert p("(x).T.T") == Transpose(Transpose(Name("x")))
    assert p("(s - y).T") == Transpose(BinOp("-", Name("s"), Name("y")))


def test_unary_minus_and_plus():
    assert p("-x") == Neg(Name("x"))
    assert p("+x") == Name("x")
    assert p("2 * -x") == BinOp("*", Num(Fraction(2)), Neg(Name("x")))


def test_numbers_are_exact_fractions():
    assert p("0.1") == Num(Fraction(1, 10))  # not the binary float 0.1000000000000000055...
    assert p("1.5 * x").left == Num(Fraction(3, 2))
    assert p("1e3") == Num(Fraction(1000))
    assert p("2.5e-3") == Num(Fraction(1, 400))
    assert p("-3") == Num(Fraction(-3))
    assert isinstance(p("0.1").value, Fraction)


def test_powers_with_literal_exponents():
    assert p("x**2") == Pow(Name("x"), Fraction(2))
    assert p("x**-1") == Pow(Name("x"), Fraction(-1))
    assert p("x ** (-1)") == Pow(Name("x"), Fraction(-1))
    assert p("x**0.5") == Pow(Name("x"), Fraction(1, 2))
    assert p("x**-16") == Pow(Name("x"), Fraction(-16))
    assert p("(x**4)**4") == Pow(Pow(Name("x"), Fraction(4)), Fraction(4))


def test_calls_builtin_and_generic():
    assert p("exp(x)") == Call("exp", (Name("x"),))
    assert p("D(sum(exp(x)), x)") == Call("D", (Call("sum", (Call("exp", (Name("x"),)),)), Name("x")))
    assert p("ones(n, m)") == Call("ones", (Name("n"), Name("m")))
    assert p("f(x)") == Call("f", (Name("x"),))  # generic functions are resolved by shapes later
    assert p("d(y * z)") == Call("d", (BinOp("*", Name("y"), Name("z")),))


def test_softmax_jacobian_rhs():
    tree = p("diag(s) - s @ s.T")
    assert tree == BinOp("-", Call("diag", (Name("s"),)), BinOp("@", Name("s"), Transpose(Name("s"))))


def test_columns_are_offsets_in_the_text():
    tree = p("diag(s) - s @ s.T")
    assert tree.right.col == 10  # `s @ s.T` starts at offset 10
    assert tree.right.right.arg.col == 14
    assert tree.left.args[0].col == 5


def test_columns_ignore_surrounding_spaces_but_count_leading_ones():
    tree = p("   x + y")
    assert tree.left.col == 3
    assert tree.right.col == 7


def test_column_is_not_part_of_equality():
    assert p("x+y") == p("x   +   y")


def test_multiline_text_is_joined():
    assert p("x +\n y") == BinOp("+", Name("x"), Name("y"))


# -- errors with file:line:column -------------------------------------------------------------

def test_syntax_error_names_file_line_column():
    err = error("diag(x")
    assert err.location == Location("f.yaml", 3, 9)
    assert str(err).startswith("f.yaml:3:9: syntax error")


def test_syntax_error_column_counts_leading_spaces():
    err = error("  x + )")
    assert err.location == Location("f.yaml", 3, 11)  # the ')' at offset 6


def test_syntax_error_at_end_points_after_the_text():
    err = error("x +")
    assert err.location == Location("f.yaml", 3, 8)


def test_rejected_attribute_is_located():
    err = error("x + W.foo")
    assert err.location == Location("f.yaml", 3, 9)
    assert "'.foo'" in err.message


def test_default_location_when_none_given():
    with pytest.raises(ParseError) as info:
        parse_expr("x +* y")
    assert str(info.value).startswith("<expr>:1:")


def test_non_text_is_rejected():
    with pytest.raises(ParseError, match="expected an expression as text, got int"):
        parse_expr(3, LOC)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, message", [
    ("exp()", "exp() takes 1 argument(s), got 0"),
    ("exp(x, y)", "exp() takes 1 argument(s), got 2"),
    ("ones(n, m, k)", "ones() takes 1 or 2 argument(s), got 3"),
    ("D(x)", "D() takes 2 argument(s), got 1"),
    ("D(x, 2*x)", "D(f, x) differentiates with respect to a symbol x"),
    ("a[0]", "index 0 is out of range: indices count from 1"),
    ("a[1:2]", "slices are not part"),
    ("a[-1]", "an index is an index variable"),
    ("a[i, j, k]", "an entry has one index x[i] or two X[i, j], not 3"),
    ("[]", "an empty matrix literal"),
    ("[[a], []]", "an empty row"),
    ("[[[a]]]", "an entry of a matrix literal is a scalar, not a list"),
    ("x + ...", "may stand only inside a matrix literal"),
    ("sum(2, x)", "sum() ranges over an index variable"),
    ("matrix(i, 2*j, x)", "matrix() ranges over an index variable"),
    ("delta(i, 2*k)", "an index is an index variable"),
    ("D(x, x[1] + 1)", "differentiates with respect to a symbol x or an entry x[k]"),
    ("x if y else z", "IfExp is not part"),
    ("x < y", "Compare is not part"),
    ("x % y", "operator Mod is not allowed"),
    ("x // y", "operator FloorDiv is not allowed"),
    ("not x", "operator Not is not allowed"),
    ("~x", "operator Invert is not allowed"),
    ("f(x)(y)", "only named functions can be called"),
    ("x.T()", "only named functions can be called"),
    ("exp(*x)", "starred arguments are not allowed"),
    ("_x + 1", "name '_x' is not allowed"),
    ("x._T", "attribute '._T' is not allowed"),
    ("None", "literal NoneType is not allowed"),
    ("True * x", "literal bool is not allowed"),
    ("1j * x", "literal complex is not allowed"),
    ("x**(1/13)", "exponent 1/13 not allowed: a rational p/q with |p/q| <= 16 and q <= 12"),
    ("x**(2 - 2.01)", "exponent -1/100 not allowed"),
    ("x**(1/0)", "an exponent is a number such as 2, -1, 1/3, or a scalar expression with a symbol"),
    ("x**exp(1)", "an exponent is a number such as 2, -1, 1/3, or a scalar expression with a symbol"),
    ("x**2.05", "exponent 41/20 not allowed"),
    ("x**17", "exponent 17 not allowed"),
    ("(x, y)", "Tuple is not part"),
    ("{x: y}", "Dict is not part"),
    ("x := 1", "syntax error"),
    ("x; y", "syntax error"),
])
def test_rejected_syntax(text, message):
    err = error(text)
    assert message in err.message
    assert err.location.path == "f.yaml" and err.location.line == 3 and err.location.column >= 5


# -- hostile input: rejected without running anything ------------------------------------------

def test_import_os_system_is_rejected_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    for text in ["__import__('os').system('touch MARKER')",
                 "exp(__import__('os').system('touch MARKER'))",
                 "x + __import__('os').system('touch MARKER')"]:
        with pytest.raises(ParseError):
            parse_expr(text, LOC)
    assert not marker.exists()
    assert os.listdir(tmp_path) == []


def test_builtin_call_of_open_or_eval_is_rejected(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "literal str is not allowed" in error("open('MARKER', 'w')").message
    assert "literal str is not allowed" in error("eval('1')").message
    assert "keyword arguments are not allowed" in error("open(file=x)").message
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize("text", ["x.__class__", "x.__class__.__mro__", "().__class__",
                                  "exp.__globals__", "x.T.__dict__"])
def test_dunder_attributes_are_rejected(text):
    err = error(text)
    assert "is not allowed; only '.T'" in err.message or "not part of" in err.message


def test_dunder_names_are_rejected():
    assert "leading underscore" in error("__builtins__").message
    assert "leading underscore" in error("__import__(x)").message


@pytest.mark.parametrize("text, kind", [
    ("lambda: 1", "Lambda"),
    ("(lambda x: x)(y)", "only named functions"),
    ("[i for i in x]", "ListComp"),
    ("{i for i in x}", "SetComp"),
    ("(i for i in x)", "GeneratorExp"),
    ("{i: i for i in x}", "DictComp"),
    ('f"{x}"', "JoinedStr"),
    ("'abc'", "literal str"),
    ('b"x"', "literal bytes"),
    ("[x, *y]", "Starred is not part"),
    ("exp(x=1)", "keyword arguments"),
    ("exp(**x)", "keyword arguments"),
    ("...", "may stand only inside a matrix literal"),
    ("await x", "Await is not part"),
    ("yield x", "syntax error"),
])
def test_code_constructs_are_rejected(text, kind):
    assert kind in error(text).message


@pytest.mark.parametrize("text", ["x**100000", "x**1000000000", "x**-100", "x**16.5"])
def test_huge_powers_are_rejected(text):
    assert "not allowed: a rational p/q with |p/q| <= 16" in error(text).message


@pytest.mark.parametrize("text", ["((x**16)**16)**16", "(x**4)**5", "(x**2 + 1)**16"])
def test_nested_powers_cannot_multiply_past_the_limit(text):
    assert "nested powers" in error(text).message


@pytest.mark.parametrize("text, message", [
    ("9999999999999", "13 digits"),
    ("1234567890123 * x", "13 digits"),
    ("9" * 5000, "characters long"),
    ("1e308 * x", "too large or too small"),
    ("1e-300 * x", "too large or too small"),
    ("1e999 * x", "not finite"),
])
def test_huge_numbers_are_rejected(text, message):
    assert message in error(text).message


def test_twelve_digit_numbers_are_accepted():
    assert p("999999999999") == Num(Fraction(999999999999))


@pytest.mark.parametrize("text", ["(" * 60 + "x" + ")" * 60, "exp(" * 60 + "x" + ")" * 60,
                                  "-" * 500 + "x", "x" + " + x" * 400, "-(" * 200 + "x" + ")" * 200])
def test_deep_nesting_is_rejected(text):
    err = error(text)
    assert "nested deeper than" in err.message or "cannot be parsed" in err.message


def test_nesting_below_the_limit_is_fine():
    text = "(" * 40 + "x" + ")" * 40
    assert p(text) == Name("x")


def test_overlong_expression_is_rejected():
    assert "at most 2000" in error("x" * 2001).message


# -- equations ---------------------------------------------------------------------------------

def test_split_equation_offsets():
    assert split_equation("a = b", LOC) == ("a ", 0, " b", 3)


def test_parse_equation_columns_relative_to_the_whole_text():
    lhs, rhs = parse_equation("D(s, x) = diag(s)", LOC)
    assert lhs == Call("D", (Name("s"), Name("x")))
    assert rhs == Call("diag", (Name("s"),))
    # rhs columns are relative to the rhs text, which starts at offset 9 (" diag(s)")
    assert LOC.shifted(9).shifted(rhs.col) == Location("f.yaml", 3, 15)


def test_error_in_rhs_points_into_the_rhs():
    with pytest.raises(ParseError) as info:
        parse_equation("a = b.foo", LOC)
    assert info.value.location == Location("f.yaml", 3, 9)


@pytest.mark.parametrize("text, found", [("a", "no"), ("a = b = c", "2"), ("a == b", "no"),
                                         ("a <= b", "no"), ("a != b", "no"), ("a >= b = c", "1")])
def test_equation_needs_exactly_one_equals(text, found):
    if found == "1":
        lhs, rhs = split_equation(text, LOC)[0], split_equation(text, LOC)[2]
        assert (lhs, rhs) == ("a >= b ", " c")
        with pytest.raises(ParseError, match="Compare is not part"):
            parse_equation(text, LOC)
        return
    with pytest.raises(ParseError) as info:
        parse_equation(text, LOC)
    assert info.value.message == f"expected an equation 'lhs = rhs' with one '=', found {found} '='"
    assert info.value.location == LOC


# -- entries, indices and explicit matrices ------------------------------------------------------

def test_entries_and_literals_round_trip():
    from docgen.model.expr import Dots, Entry, Literal, unparse
    for text in ["x[i]", "X[i, j]", "f(x)[1]", "(A @ x)[i]", "D(s, x)[i, k]", "D(s[i], x[k])",
                 "sum(k, x[k])", "matrix(i, j, delta(i, j))", "vector(i, x[i])", "basis(n, i)",
                 "[a, b, c]", "[[1, 2], [3, 4]]", "x[n - 1]", "x.T[1]", "[a, ..., c]",
                 "[[a, ..., b], ..., [c, ..., d]]"]:
        tree = p(text)
        assert p(unparse(tree)) == tree, text
    assert p("x[i]") == Entry(Name("x"), (Name("i"),))
    lit = p("[[a, ..., b], ..., [c, ..., d]]")
    assert isinstance(lit, Literal) and lit.has_dots and lit.rows[1] == () and isinstance(lit.rows[0][1], Dots)
    assert p("[a, b]").column and not p("[[a, b]]").column
    assert not p("[[1, 2], [3, 4]]").has_dots


def test_huge_literal_is_refused():
    from docgen.lang.parse import MAX_LITERAL_ENTRIES
    row = "[" + ", ".join(["1"] * 12) + "]"
    assert p("[" + ", ".join([row] * 12) + "]").rows  # 144 entries: the limit
    err = error("[" + ", ".join([row] * 13) + "]")
    assert f"matrix literal has 156 entries; at most {MAX_LITERAL_ENTRIES}" in err.message


def test_deeply_nested_literal_is_refused():
    err = error("[" * 60 + "x" + "]" * 60)
    assert "nested deeper than 48 levels" in err.message


def test_big_index_is_refused():
    assert "index 65 is out of range" in error("x[65]").message


def test_summands_negate_what_a_difference_subtracts():
    from docgen.model.expr import summands, unparse

    def terms(text):
        return [unparse(t) for t in summands(parse_expr(text))]

    assert terms("a - (b + c) + d") == ["a", "-b", "-c", "d"]
    assert terms("a - (b - c)") == ["a", "-b", "c"]
    assert terms("-(a - b)") == ["-a", "b"]
    assert terms("a @ (b + c)") == ["a @ (b + c)"]  # a product is one term
