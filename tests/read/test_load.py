"""docgen.read.load: safe YAML with positions; every refusal is a LoadError naming file:line."""

from __future__ import annotations

import os

import pytest

from docgen.model.errors import LoadError, Location
from docgen.read.load import load_bytes, load_file


def load_error(tmp_path, raw: bytes, name: str = "d.yaml") -> LoadError:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert info.value.location is not None and info.value.location.path == str(path)
    return info.value


def test_plain_file_loads_with_positions(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("id: x\nsymbols:\n  x: {shape: [n]}\nsteps:\n  - 'a + b'\n  - c\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.data == {"id": "x", "symbols": {"x": {"shape": ["n"]}}, "steps": ["a + b", "c"]}
    assert doc.loc("id") == Location(str(path), 1, 5)
    assert doc.loc("symbols", "x", "shape") == Location(str(path), 3, 14)
    assert doc.loc("steps", 1) == Location(str(path), 6, 5)
    # a quoted scalar's text starts after the quote
    assert doc.text_loc("steps", 0) == Location(str(path), 5, 6)
    # an unknown key path falls back to its nearest located parent
    assert doc.loc("symbols", "x", "nope") == Location(str(path), 3, 6)


def test_block_scalar_text_starts_on_the_next_line(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("claim: |\n  a = b\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.data == {"claim": "a = b\n"}
    assert doc.text_loc("claim") == Location(str(path), 2, 0)


def test_dates_stay_text_and_bom_is_ignored():
    doc = load_bytes("\ufeffdate: 2024-01-02\n".encode(), "d.yaml")
    assert doc.data == {"date": "2024-01-02"}


def test_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="cannot read file"):
        load_file(tmp_path / "nope.yaml")


@pytest.mark.parametrize("raw, line", [
    (b"a: &x 1\nb: *x\n", 1),
    (b"a: 1\nb: &anchor {c: 1}\n", 2),
    (b"a: 1\nb: 2\nc: [*x]\n", 3),
])
def test_anchors_and_aliases_are_refused(tmp_path, raw, line):
    err = load_error(tmp_path, raw)
    assert "anchors and aliases" in err.message
    assert err.location.line == line


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 12)]
    err = load_error(tmp_path, "\n".join(lines).encode() + b"\n")
    assert err.location.line == 1


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['touch MARKER']",
                                 "!!python/object/new:os.system [touch MARKER]",
                                 "!!python/name:os.system",
                                 "!!python/module:os"])
def test_python_tags_are_refused_and_never_run(tmp_path, monkeypatch, tag):
    monkeypatch.chdir(tmp_path)
    err = load_error(tmp_path, f"id: x\ntitle: {tag}\n".encode())
    assert "YAML tag" in err.message and "is not allowed" in err.message
    assert err.location.line == 2
    assert not (tmp_path / "MARKER").exists()
    assert os.listdir(tmp_path) == ["d.yaml"]


@pytest.mark.parametrize("raw", [b"a: !!str 1\n", b"a: !foo bar\n", b"a: !!binary aGVsbG8=\n",
                                 b"a: !!set {x, y}\n", b"a: !!omap [{x: 1}]\n"])
def test_every_explicit_tag_is_refused(tmp_path, raw):
    err = load_error(tmp_path, raw)
    assert "YAML tag" in err.message
    assert err.location.line == 1


def test_non_utf8_bytes_name_the_line(tmp_path):
    err = load_error(tmp_path, b"id: x\ntitle: ok\nnote: caf\xe9\n")
    assert err.message == "not UTF-8: byte 0xe9 cannot be decoded"
    assert err.location.line == 3


def test_utf16_file_is_refused(tmp_path):
    err = load_error(tmp_path, "id: x\n".encode("utf-16"))
    assert "not UTF-8" in err.message
    assert err.location.line == 1


def test_duplicate_keys_are_refused_at_the_second(tmp_path):
    err = load_error(tmp_path, b"id: x\ntitle: a\nid: y\n")
    assert err.message == "duplicate key 'id'"
    assert (err.location.line, err.location.column) == (3, 1)


def test_nested_duplicate_keys_are_refused(tmp_path):
    err = load_error(tmp_path, b"symbols:\n  x: {shape: [n]}\n  x: {shape: [m]}\n")
    assert err.message == "duplicate key 'x'"
    assert err.location.line == 3


@pytest.mark.parametrize("raw", [b"", b"# only a comment\n", b"\n\n"])
def test_empty_file_is_refused(tmp_path, raw):
    err = load_error(tmp_path, raw)
    assert err.message == "file is empty"
    assert err.location.line == 1


@pytest.mark.parametrize("raw, line", [
    (b"id: x\ntitle: [a, b\n", 3),
    (b"id: x\n  title: y\n", 2),
    (b"id: x\n\tb: 1\n", 2),
    (b"a: 1\n---\nb: 2\n", 2),
    (b"a: 'unterminated\n", 2),
])
def test_invalid_yaml_names_the_line(tmp_path, raw, line):
    err = load_error(tmp_path, raw)
    assert err.message.startswith("invalid YAML")
    assert err.location.line == line


def test_control_characters_name_the_line(tmp_path):
    err = load_error(tmp_path, b"a: 1\nb: \x07\n")
    assert "U+0007" in err.message
    assert (err.location.line, err.location.column) == (2, 4)


@pytest.mark.parametrize("raw, what", [
    (b"a: {x: 1}\nb:\n  <<: {y: 2}\n", "merge keys"),
    (b"a: 1\nb: " + b"9" * 5000 + b"\n", "unreadable value"),
    (b"a: 1\nb: 2024-13-45\n", "unreadable value"),
    (b"a: 1\n? [k]\n: v\n", "mapping keys must be plain text"),
    (b"a: 1\n~: v\n", "mapping keys must be plain text"),
])
def test_unusable_values_and_keys_are_load_errors(tmp_path, raw, what):
    err = load_error(tmp_path, raw)
    assert what in err.message
    assert err.location.line in (2, 3)


def test_deep_nesting_is_refused_without_recursion_error(tmp_path):
    err = load_error(tmp_path, b"[" * 3000 + b"]" * 3000 + b"\n")
    assert "nested deeper" in err.message
    assert err.location.line == 1


def test_too_many_nodes_is_refused(tmp_path):
    raw = b"a: [" + b"1, " * 60_000 + b"1]\n"
    err = load_error(tmp_path, raw)
    assert "YAML nodes" in err.message


def test_too_large_file_is_refused(tmp_path):
    err = load_error(tmp_path, b"a: '" + b"x" * 1_100_000 + b"'\n")
    assert "bytes; at most" in err.message
