"""docgen.read.schema: the schema shipped in the package; schema errors located, in short messages,
all of a file's together."""

from __future__ import annotations

import json

import jsonschema
import pytest

from docgen.model.errors import DocgenError, ErrorGroup, ModelError
from docgen.read.schema import schema

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
CLAIM = "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n"


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


def test_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["title"] == "docgen derivation"


def test_schema_file_is_shipped_in_the_package():
    from importlib import resources
    text = resources.files("docgen").joinpath("schema/derivation.schema.json").read_text("utf-8")
    assert json.loads(text)["$schema"].endswith("2020-12/schema")


# -- schema errors, located ------------------------------------------------------------------

def test_unknown_top_level_key_is_located(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\ncolour: red\n")
    assert isinstance(err, ModelError)
    assert "unknown key(s)" in err.message and "'colour'" in err.message
    assert err.location.line == 1  # the document itself


def test_unknown_nested_key_is_located(build):
    err = one_error(build, HEAD.replace("x: {shape: [n]}", "x: {shape: [n], colour: red}")
                    + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert err.message.startswith("symbols/x: unknown key(s)")
    assert where(err) == (7, 6)


def test_wrong_type_is_located(build):
    err = one_error(build, HEAD.replace("title: test", "title: 5") + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert err.message == "title: 5 is not of type 'string'"
    assert where(err) == (2, 8)


def test_wrong_enum_is_located(build):
    err = one_error(build, HEAD + "language: fr\nclaim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "language: 'fr' is not one of" in err.message
    assert err.location.line == 9


def test_bad_id_is_refused(build):
    err = one_error(build, HEAD.replace("id: t", "id: ../etc") + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert err.message.startswith("id: '../etc' does not match")
    assert err.location.line == 1


def test_claim_and_parts_together_are_refused(build):
    err = one_error(build, HEAD + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\nparts: [{claim: a = a, steps: [a]}]\n")
    assert "give either 'claim' (with 'steps', or alone to check it directly), or 'parts'" in err.message


def test_missing_required_key(build):
    err = one_error(build, "id: t\ntitle: x\nclaim: a = a\nsteps: [a]\n")
    assert "'symbols' is a required property" in err.message


def test_top_level_list_is_refused(build):
    errs = errors_of(build, "- a\n- b\n")
    assert "top level: ['a', 'b'] is not of type 'object'" in [e.message for e in errs]
    assert all(e.location.line == 1 for e in errs)


def test_sizes_too_large_are_refused_by_the_schema(build):
    err = one_error(build, HEAD.replace("n: {sizes: [2, 3]}", "n: {sizes: [2, 1000000]}")
                    + "claim: sum(x) = sum(x)\nsteps: [sum(x)]\n")
    assert "dims/n/sizes/1" in err.message and "greater than the maximum" in err.message
    assert err.location.line == 4


def test_several_schema_errors_are_reported_together(build):
    text = HEAD.replace("title: test", "title: 5") + "language: fr\n" + CLAIM
    with pytest.raises(ErrorGroup) as info:
        build(text)
    assert len(info.value.errors) == 2
    assert [e.location.line for e in info.value.errors] == [9, 2] or \
        sorted(e.location.line for e in info.value.errors) == [2, 9]


# -- whole numbers written as floats (JSON Schema counts 4.0 as an integer) --------------------
@pytest.mark.parametrize("old, new, path, line", [
    ("n: {sizes: [2, 3]}", "n: {sizes: [2, 3], numeric: 4.0}", "dims/n/numeric", 4),
    ("n: {sizes: [2, 3]}", "n: {sizes: [2.0, 3]}", "dims/n/sizes/0", 4),
    ("x: {shape: [n]}", "x: {shape: [3.0]}", "symbols/x/shape/0", 7),
    ("W: {shape: [m, n]}", "W: {shape: [m, 2.0]}", "symbols/W/shape/1", 8),
    ("id: t", "id: t\ncheck: {probes: 5.0}", "check/probes", 2),
    ("id: t", "id: t\ncheck: {seed: 0.0}", "check/seed", 2),
])
def test_a_whole_number_written_as_a_float_is_refused_where_it_is(build, old, new, path, line):
    err = one_error(build, HEAD.replace(old, new) + CLAIM)
    assert err.message.startswith(f"{path}: ") and "write a whole number" in err.message, err.message
    assert err.location.line == line


def test_example_digits_and_sizes_as_floats_are_refused(build):
    errs = errors_of(build, HEAD + CLAIM + "example:\n  sizes: {n: 2.0}\n  digits: 4.0\n"
                     "  values: {x: [1, 2], W: [[1, 2], [3, 4], [5, 6]]}\n")
    assert sorted(e.message.split(":")[0] for e in errs) == ["example/digits", "example/sizes/n"]


def test_floats_stay_fine_where_numbers_are_expected(build):
    der = build(HEAD + CLAIM + "check: {budget: 10.0}\nexample:\n"
                "  values: {x: [1.0, 2.0], W: [[1.0, 2], [3, 4], [5, 6.5]]}\n")
    assert der.check.budget == 10.0


# -- text that is one line; patterns match the whole text ---------------------------------------
@pytest.mark.parametrize("old, new, line", [
    ("id: t", 'id: "t\\n"', 1),
    ("title: test", 'title: "a\\nb"', 2),
    ("title: test", "title: |\n  a title\n", 2),
    ("x: {shape: [n]}", 'x: {shape: ["n\\n"]}', 7),
    ("id: t", 'id: t\ntags: ["a\\n"]', 2),
    ("id: t", 'id: t\nsources: [{title: "a\\u2028b"}]', 2),
    ("id: t", 'id: t\nsources: [{title: a, url: "https://a.b/\\n"}]', 2),
])
def test_a_line_break_in_one_line_text_is_refused(build, old, new, line):
    errs = errors_of(build, HEAD.replace(old, new) + CLAIM)
    assert len(errs) == 1, [str(e) for e in errs]
    assert "holds a line break" in errs[0].message and errs[0].location.line == line


def test_a_line_break_in_a_name_is_refused_once(build):
    errs = errors_of(build, HEAD.replace("  m: {sizes: [3, 2]}", '  "m\\n": {sizes: [3, 2]}\n  m: {sizes: [3, 2]}')
                     + CLAIM)
    assert [e.message for e in errs] == ["dims: the name 'm\\n' holds a line break"]
    assert errs[0].location.line == 5


def test_prose_and_expressions_may_span_lines(build):
    der = build(HEAD.replace("x: {shape: [n]}", "x: {shape: [n], description: \"one\\ntwo\"}")
                + "summary: |\n  line one\n  line two\n"
                + "claim: |\n  sum(x) =\n  sum(x)\nsteps:\n  - expr: |\n      sum(x)\n    note: |\n      a\n      b\n")
    assert der.summary == "line one\nline two\n"


_EDGE_DOCS = [  # (what is added to a valid document, whether the result is valid)
    ({"id": "t\n"}, False), ({"id": "t"}, True), ({"tags": ["a\n"]}, False), ({"tags": ["a"]}, True),
    ({"dims": {"n\n": {"sizes": [2]}}}, False), ({"dims": {"n": {"sizes": [2]}}}, True),
    ({"dims": {"n": {"sizes": [2.0]}}}, False), ({"dims": {"n": {"numeric": 4.0}}}, False),
    ({"symbols": {"x": {"shape": [3.0]}}}, False), ({"symbols": {"x": {"shape": ["n\n"]}}}, False),
    ({"symbols": {"x": {"shape": [3]}}}, True), ({"example": {"digits": 4.0}}, False),
    ({"example": {"digits": 4}}, True), ({"example": {"values": {"x": "1/2\n"}}}, False),
    ({"example": {"values": {"x": "1/2"}}}, True), ({"example": {"values": {"x": [1.0, 2.0]}}}, True),
    ({"check": {"budget": 10.0}}, True), ({"wrt": "x\n"}, False), ({"wrt": "x"}, True),
    ({"parts": [{"label": "a\n", "claim": "a = a", "steps": ["a"]}]}, False),
    ({"sources": [{"title": "s", "url": "https://a.b/c\n"}]}, False),
    ({"sources": [{"title": "s", "url": "https://a.b/c"}]}, True),
]


@pytest.mark.parametrize("extra, valid", _EDGE_DOCS, ids=lambda d: repr(d)[:40])
def test_the_fast_and_the_reference_validator_agree_on_whole_floats_and_newlines(extra, valid):
    """The reference validator refuses a whole number written as a float where an integer is
    expected, and a pattern matched only before a final newline; the fast path never accepts
    what it refuses, and accepts what it accepts unless a whole float sends it to the reference
    validator (which only costs time)."""
    from docgen.read.schema import _has_whole_float, _validator, fast_accepts

    doc = {"id": "t", "title": "test", "dims": {"n": {"sizes": [2, 3]}}, "symbols": {"x": {"shape": ["n"]}},
           "claim": "sum(x) = sum(x)", "steps": ["sum(x)"]}
    if "parts" in extra:
        del doc["claim"], doc["steps"]
    doc.update(extra)
    assert _validator().is_valid(doc) == valid
    assert fast_accepts(doc) == (valid and not _has_whole_float(extra))
