"""docgen.read.spec: names, shapes, chains, sizes, examples; all problems together (schema errors:
test_schema.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from docgen.model.errors import DocgenError, ErrorGroup, ParseError, ShapeError
from docgen.model.expr import BinOp, Call, Name, Transpose
from docgen.read.spec import build_derivation

HEAD = """\
id: t
title: test
dims:
  n: {sizes: [2, 3]}
  m: {sizes: [3, 2]}
symbols:
  x: {shape: [n]}
  W: {shape: [m, n]}
"""


def errors_of(build, text: str) -> list[DocgenError]:
    with pytest.raises(DocgenError) as info:
        build(text)
    err = info.value
    return list(err.errors) if isinstance(err, ErrorGroup) else [err]


def one_error(build, text: str) -> DocgenError:
    errs = errors_of(build, text)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def where(err: DocgenError) -> tuple[int, int]:
    return err.location.line, err.location.column


# -- a valid file --------------------------------------------------------------------------------

def test_valid_derivation_builds(build, tmp_path):
    der = build(HEAD + """\
definitions:
  s: softmax(x)
  v: {expr: W @ x, note: the product}
assumptions:
  - sum(x) = 1
claim: D(s, x) = diag(s) - s @ s.T
steps:
  - expr: D(exp(x) / sum(exp(x)), x)
    by: definition
    note: by definition
  - diag(s) - s @ s.T
example:
  values: {x: ["1/2", 0.5], W: [[1, 2], [3, 4], [5, 6]]}
""")
    assert der.id == "t" and der.path == str(tmp_path / "d.yaml")
    assert der.dims["n"].sizes == (2, 3) and der.dims["m"].sizes == (3, 2)
    assert der.symbols["x"].shape == ("n", 1) and der.symbols["x"].style == "vec"
    assert der.symbols["W"].style == "bold"
    assert der.definitions["v"].expr.shape == ("m", 1)
    assert der.definitions["v"].note == "the product"
    (part,) = der.parts
    assert part.label == "main" and part.method == "chain"
    assert part.lhs.tree == Call("D", (Name("s"), Name("x")))
    assert part.rhs.shape == ("n", "n")
    assert [s.by for s in part.steps] == ["definition", ""]
    assert part.steps[0].note == "by definition"
    assert part.steps[1].expr.tree == BinOp("-", Call("diag", (Name("s"),)),
                                            BinOp("@", Name("s"), Transpose(Name("s"))))
    assert der.assumptions[0].text == "sum(x) = 1"
    assert der.example.sizes == {"n": 2, "m": 3}
    assert der.example.values["x"][0] == (Fraction(1, 2),)
    assert der.size_assignments() == [{"n": 2, "m": 3}, {"n": 3, "m": 2}]


def test_example_defaults_to_the_first_sizes(build):
    der = build(HEAD + """\
claim: sum(x) = sum(x)
steps: [sum(x)]
example:
  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]]}
""")
    assert der.example.sizes == {"n": 2, "m": 3}
    assert der.example.values["W"][2] == (Fraction(5), Fraction(6))


def test_step_expression_location_is_the_text_in_the_file(build):
    der = build(HEAD + """\
claim: sum(x) = sum(x)
steps:
  - "sum(x)"
""")
    loc = der.parts[0].steps[0].expr.loc
    assert (loc.line, loc.column) == (11, 6)  # after the opening quote
    assert der.parts[0].rhs.loc.column == 16  # 'claim: sum(x) =' -> rhs text starts at column 16


# -- names -------------------------------------------------------------------------------------

def test_unknown_name_in_a_step(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps:\n  - sum(q)\n")
    assert isinstance(err, ShapeError)
    assert err.message.startswith("unknown name 'q'")
    assert where(err) == (11, 9)


def test_unknown_dimension(build):
    err = one_error(build, HEAD.replace("x: {shape: [n]}", "x: {shape: [k]}") + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "unknown dimension 'k'" in err.message
    assert err.location.line == 7


def test_reserved_and_duplicate_names(build):
    errs = errors_of(build, HEAD.replace("W: {shape: [m, n]}", "W: {shape: [m, n]}\n  exp: {shape: scalar}")
                     + "definitions:\n  W: x\nclaim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    messages = sorted(e.message for e in errs)
    assert any("'exp' is a reserved name" in m for m in messages)
    assert any("definitions/W: 'W' is already declared under symbols" in m for m in messages)


def test_generic_of_an_unknown_symbol(build):
    err = one_error(build, HEAD + "  y: {shape: scalar, of: [v]}\nclaim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "'of' names 'v', which is not an independent symbol" in err.message


def test_self_referential_definition(build):
    err = one_error(build, HEAD + "definitions:\n  s: softmax(x)\n  r: r + x\nclaim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "unknown name 'r'" in err.message or "defined in terms of itself" in err.message
    assert err.location.line == 11


def test_parse_error_in_a_claim_is_located(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x.__class__)\nsteps: [sum(x)]\n")
    assert isinstance(err, ParseError)
    assert where(err) == (9, 21)


# -- shapes --------------------------------------------------------------------------------------

def test_shape_mismatch_names_both_shapes_and_the_step(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps:\n  - sum(x + W)\n  - sum(x)\n")
    assert isinstance(err, ShapeError)
    assert err.message == "cannot add n×1 and m×n"
    assert where(err) == (11, 9)
    assert str(err) == f"{err.location.path}:11:9: cannot add n×1 and m×n"


def test_claim_sides_of_different_shapes(build):
    err = one_error(build, HEAD + "claim: x = W @ x\nsteps: [W @ x]\n")
    assert err.message == "the two sides have different shapes: n×1 and m×1"
    assert err.location.line == 9


def test_step_of_another_shape_than_the_chain(build):
    err = one_error(build, HEAD + "claim: W @ x = W @ x\nsteps:\n  - x\n  - W @ x\n")
    assert err.message == "step has shape n×1, but the chain has shape m×1"
    assert err.location.line == 11


# -- chains ----------------------------------------------------------------------------------

def test_chain_ending_elsewhere_than_the_rhs(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps:\n  - sum(x)\n  - 2 * sum(x)\n")
    assert err.message == "the chain ends at '2 * sum(x)', not at the claim's right-hand side 'sum(x)'"
    assert err.location.line == 12


def test_chain_must_end_at_the_rhs_exactly_not_an_equal_form(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps:\n  - sum(x) + 0\n")
    assert "the chain ends at" in err.message


def test_spaces_do_not_matter_for_the_chain_end(build):
    der = build(HEAD + "claim: W @ x = W@x\nsteps:\n  - W   @   x\n")
    assert der.parts[0].steps[-1].expr.tree == der.parts[0].rhs.tree


def test_differential_claim_must_be_a_derivative(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nmethod: differential\nsteps: [sum(x)]\n")
    assert "a differential proof needs a claim of the form D(f, x)" in err.message


def test_differential_chain_must_end_in_identifiable_form(build):
    err = one_error(build, HEAD + "claim: D(sum(x), x) = ones(n)\nmethod: differential\nsteps:\n  - sum(d(x))\n")
    assert "a differential chain must end in the form (R).T @ d(x)" in err.message
    assert err.location.line == 12


def test_differential_chain_must_identify_the_rhs(build):
    err = one_error(build, HEAD + "claim: D(sum(x), x) = ones(n)\nmethod: differential\nsteps:\n"
                    "  - ones(n).T @ d(x)\n  - (2 * ones(n)).T @ d(x)\n")
    assert "identifies ∂f/∂x as something other than the claim's right-hand side 'ones(n)'" in err.message


def test_differential_wrt_must_match(build):
    err = one_error(build, HEAD + "claim: D(sum(x), x) = ones(n)\nmethod: differential\nwrt: W\n"
                    "steps:\n  - ones(n).T @ d(x)\n")
    assert "wrt: 'W' differs from the claim's variable 'x'" in err.message


def test_differential_proof_builds(build):
    der = build(HEAD + "claim: D(sum(x), x) = ones(n)\nmethod: differential\nsteps:\n"
                "  - sum(d(x))\n  - ones(n).T @ d(x)\n")
    part = der.parts[0]
    assert part.method == "differential" and part.wrt == "x"
    assert part.steps[0].expr.shape == (1, 1)


def test_duplicate_part_labels(build):
    err = one_error(build, HEAD + "parts:\n  - {label: a, claim: sum(x) = sum(x), steps: [sum(x)]}\n"
                    "  - {label: a, claim: sum(x) = sum(x), steps: [sum(x)]}\n")
    assert err.message == "duplicate part label 'a'"
    assert err.location.line == 11


# -- sizes -------------------------------------------------------------------------------------

def test_sizes_all_one_are_refused(build):
    err = one_error(build, HEAD.replace("n: {sizes: [2, 3]}", "n: {sizes: [1, 1]}")
                    + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "dims/n: exact-check sizes are all 1" in err.message
    assert err.location.line == 4


def test_size_one_among_others_is_fine(build):
    der = build(HEAD.replace("n: {sizes: [2, 3]}", "n: {sizes: [1, 3]}") + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert der.dims["n"].sizes == (1, 3)


def test_sizes_lists_of_different_lengths_are_refused(build):
    err = one_error(build, HEAD.replace("n: {sizes: [2, 3]}", "n: {sizes: [2, 3, 4]}")
                    + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "every dimension lists the same number of sizes" in err.message


def test_default_sizes_are_not_one(build):
    der = build(HEAD.replace("n: {sizes: [2, 3]}", "n: {}") + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert all(s > 1 for s in der.dims["n"].sizes)
    assert der.dims["n"].numeric > max(der.dims["n"].sizes)


# -- example values ------------------------------------------------------------------------------

CLAIM = "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n"


def test_example_value_of_the_wrong_shape(build):
    err = one_error(build, HEAD + CLAIM + "example:\n  values: {x: [1, 2, 3], W: [[1, 2], [3, 4], [5, 6]]}\n")
    assert err.message == "value does not have shape 2×1"
    assert err.location.line == 12


def test_example_matrix_value_of_the_wrong_shape(build):
    err = one_error(build, HEAD + CLAIM + "example:\n  values: {x: [1, 2], W: [[1, 2], [3, 4]]}\n")
    assert err.message == "value does not have shape 3×2"


@pytest.mark.parametrize("value, message", [
    ("[1, abc]", "example/values/x: [1, 'abc'] is not a valid value here"),
    ("[1, .nan]", "is not finite"),
    ("[1, .inf]", "is not finite"),
    ("[1, 1.0e+20]", "is too large"),
    ("[1, '1/0']", "is not a number"),
])
def test_example_values_must_be_finite_numbers(build, value, message):
    err = one_error(build, HEAD + CLAIM + f"example:\n  values: {{x: {value}, W: [[1, 2], [3, 4], [5, 6]]}}\n")
    assert message in err.message


def test_example_missing_value(build):
    err = one_error(build, HEAD + CLAIM + "example:\n  values: {x: [1, 2]}\n")
    assert err.message == "example/values: give a value for W"


def test_example_value_for_an_unknown_symbol(build):
    err = one_error(build, HEAD + CLAIM + "example:\n  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]], q: 1}\n")
    assert "'q' is not an independent symbol" in err.message


def test_example_needs_concrete_generic_functions(build):
    text = HEAD + "  y: {shape: scalar, of: [x]}\nfunctions:\n  f: {derivative: fp}\n" + CLAIM
    err = one_error(build, text + "example:\n  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]]}\n"
                    "  functions: {f: tanh(t)}\n")
    assert err.message == "example/functions: give a concrete function for 'y'"
    err = one_error(build, text + "example:\n  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]]}\n"
                    "  functions: {f: tanh(t) * sum(x), y: sum(x**2)}\n")
    assert "an elementwise function uses only t" in err.message
    err = one_error(build, text + "example:\n  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]]}\n"
                    "  functions: {f: tanh(t), y: sum(W @ x)}\n")
    assert "may use only x, not W" in err.message


def test_example_unknown_size(build):
    err = one_error(build, HEAD + CLAIM + "example:\n  sizes: {k: 2}\n  values: {x: [1, 2]}\n")
    assert "example/sizes: unknown dimension 'k'" in err.message


# -- every problem of a file together ------------------------------------------------------------

def test_all_problems_of_a_file_are_reported_together(build):
    text = HEAD.replace("n: {sizes: [2, 3]}", "n: {sizes: [1, 1]}") + """\
parts:
  - label: one
    claim: sum(x) = sum(x)
    steps:
      - sum(x + W)
      - sum(x)
  - label: two
    claim: sum(x) = sum(x)
    steps:
      - sum(q)
  - label: three
    claim: sum(x) = sum(x)
    steps:
      - 3 * sum(x)
"""
    with pytest.raises(ErrorGroup) as info:
        build(text)
    errs = info.value.errors
    assert len(errs) == 4
    lines = sorted(e.location.line for e in errs)
    assert lines == [4, 13, 18, 22]
    text_out = str(info.value)
    assert "cannot add n×1 and m×n" in text_out and "unknown name 'q'" in text_out
    assert "exact-check sizes are all 1" in text_out and "the chain ends at '3 * sum(x)'" in text_out
    assert all(str(e).startswith(f"{e.location.path}:{e.location.line}:") for e in errs)


def test_build_derivation_accepts_a_loaded_document(tmp_path):
    from docgen.read.load import load_bytes
    doc = load_bytes((HEAD + CLAIM).encode(), str(tmp_path / "x.yaml"))
    assert build_derivation(doc).parts[0].rhs.text == "sum(x)"


# -- a bare identity: a claim without steps ------------------------------------------------------

def test_a_claim_without_steps_is_one_link(build):
    der = build(HEAD + "claim: D(x.T @ x, x) = 2 * x\n")
    from docgen.check.verdict import chain_links

    links = chain_links(der)
    assert [(link.kind, link.left.text, link.right.text) for link in links] == \
        [("claim", "D(x.T @ x, x)", "2 * x")]
    der = build(HEAD + "parts:\n  - {label: a, claim: sum(x) = ones(n).T @ x}\n"
                "  - {label: b, claim: 'D(sum(x), x) = ones(n)', steps: [ones(n)]}\n")
    assert [len(p.steps) for p in der.parts] == [0, 1]


def test_a_differential_proof_without_steps_is_refused(build):
    err = one_error(build, HEAD + "claim: D(sum(x), x) = ones(n)\nmethod: differential\n")
    assert "a differential proof needs steps" in err.message
    assert where(err) == (9, 8)  # the claim


def test_positive_definite_needs_a_square_matrix(build):
    err = one_error(build, HEAD.replace("W: {shape: [m, n]}", "W: {shape: [m, n], assume: [positive-definite]}")
                    + "claim: sum(x) = sum(x)\n")
    assert "symbols/W: positive-definite needs a square matrix, not m×n" in err.message
