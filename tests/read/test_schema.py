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
    assert "give either 'claim' and 'steps', or 'parts'" in err.message


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
