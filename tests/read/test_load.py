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


# -- characters and values no derivation may hold (escapes get past the YAML reader) ----------
@pytest.mark.parametrize("escape, what", [
    ("\\0", "control character U+0000"),
    ("\\e", "control character U+001B"),
    ("\\x7f", "control character U+007F"),
    ("\\r", "control character U+000D"),
    ("\\x9b", "control character U+009B"),
    ("\\N", "control character U+0085"),
    ("\\ue000", "private-use character U+E000"),
    ("\\uf8ff", "private-use character U+F8FF"),
    ("\\U000F0000", "private-use character U+F0000"),
    ("\\U0010FFFD", "private-use character U+10FFFD"),
])
def test_escaped_control_and_private_use_characters_are_refused_where_they_are(tmp_path, escape, what):
    err = load_error(tmp_path, f'id: x\ntitle: "a{escape}b"\n'.encode())
    assert what in err.message and "is not allowed in text" in err.message
    assert (err.location.line, err.location.column) == (2, 8)


def test_such_characters_are_refused_in_keys_and_nested_text_too(tmp_path):
    err = load_error(tmp_path, b'id: x\nsymbols:\n  "x\\ue001": {shape: [n]}\n')
    assert "U+E001" in err.message and err.location.line == 3
    err = load_error(tmp_path, b'id: x\nsteps:\n  - expr: a\n    note: "\\x1b[2J"\n')
    assert "U+001B" in err.message and err.location.line == 4


def test_tabs_newlines_crlf_and_other_scripts_stay_allowed(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_bytes('id: x\r\ntitle: "Caf\\u00e9 \\t 矩阵 ∂f/∂x"\r\nnote: |\r\n  one\r\n  two\r\n'.encode())
    doc = load_file(path)
    assert doc.data == {"id": "x", "title": "Café \t 矩阵 ∂f/∂x", "note": "one\ntwo\n"}


@pytest.mark.parametrize("raw", [".nan", ".NaN", ".inf", "-.inf", "[1, .nan]", "{budget: .inf}"])
def test_non_finite_numbers_are_refused_anywhere(tmp_path, raw):
    err = load_error(tmp_path, f"id: x\ncheck: {raw}\n".encode())
    assert "is not finite" in err.message and err.location.line == 2


# -- what is read: a regular file, at most MAX_BYTES, never read whole first -----------------
def test_a_device_is_refused_before_anything_is_read(monkeypatch):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    import docgen.read.load as load

    monkeypatch.setattr(load.os, "read", lambda *a: pytest.fail("read from a device"))
    with pytest.raises(LoadError, match="not a regular file") as info:
        load_file("/dev/zero")
    assert str(info.value.location) == "/dev/zero"


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    import signal

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("opening the pipe blocked"))
    signal.alarm(10)
    try:
        with pytest.raises(LoadError, match="not a regular file"):
            load_file(fifo)
    finally:
        signal.alarm(0)


def test_a_folder_named_like_a_file_is_refused(tmp_path):
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(LoadError, match="not a regular file"):
        load_file(tmp_path / "d.yaml")


def test_a_huge_file_is_refused_by_its_size_without_reading_it(tmp_path, monkeypatch):
    import docgen.read.load as load

    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:  # 3 GB, sparse: no disk space used
        fh.truncate(3 * 1024**3)
    asked: list[int] = []
    real_read = os.read
    monkeypatch.setattr(load.os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    with pytest.raises(LoadError, match="3221225472 bytes; at most") as info:
        load_file(big)
    assert info.value.location.path == str(big)
    assert asked == []


def test_reading_stops_one_byte_past_the_limit(tmp_path, monkeypatch):
    """A file that grows after its size was taken (or lies about it) is still read bounded."""
    import docgen.read.load as load

    path = tmp_path / "d.yaml"
    path.write_bytes(b"a: 1\n")
    real_fstat = os.fstat

    class Small:
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 10

    endless = iter(lambda: b"x" * 65536, None)
    asked: list[int] = []
    monkeypatch.setattr(load.os, "fstat", lambda fd: Small(real_fstat(fd)))
    monkeypatch.setattr(load.os, "read", lambda fd, n: asked.append(n) or next(endless)[:n])
    with pytest.raises(LoadError, match="more than 1000000 bytes"):
        load_file(path)
    assert sum(min(n, 65536) for n in asked) == load.MAX_BYTES + 1
