"""Files -> plain data with source positions. YAML is read safely: no tags, no aliases."""

from __future__ import annotations

import datetime
import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..model.errors import LoadError, Location

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_NESTING = 64  # nested mappings and sequences

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Document:
    """A loaded file: its data, and where each value (by key path) starts in the file."""

    path: str
    data: Any
    marks: dict[Path_, tuple[int, int, str]]  # key path -> (line, column, scalar style)
    digest: str = ""  # sha256 of the file's bytes: what cached verdicts are keyed on
    # noticed while loading, for the schema's checks (None: not known, look at `data`):
    breaks: tuple[tuple[Path_, bool], ...] | None = None  # texts (or keys: True) with a line break
    whole_floats: bool | None = None  # whether a float with a whole value (4.0) occurs

    def loc(self, *keys: Any) -> Location:
        """Location of the value at `keys`, or of its nearest located parent."""
        path = tuple(keys)
        while path not in self.marks and path:
            path = path[:-1]
        line, col, _ = self.marks.get(path, (0, 0, ""))
        return Location(self.path, line, col)

    def text_loc(self, *keys: Any) -> Location:
        """Location of the first character of a scalar's text (after any quote)."""
        loc = self.loc(*keys)
        _, _, style = self.marks.get(tuple(keys), (0, 0, ""))
        if style in ("'", '"'):
            return loc.shifted(1)
        if style in ("|", ">"):
            return Location(loc.path, loc.line + 1, 0)  # column unknown inside block text
        return loc


def load_file(path: str | Path) -> Document:
    """Read one derivation file.

    Raises:
        LoadError: unreadable, not UTF-8, too large, not YAML, or using tags or aliases.
    """
    name = str(path)
    try:
        raw = _read_bounded(Path(path), name)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror}", Location(name)) from None
    return load_bytes(raw, name)


def _read_bounded(path: Path, name: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, read without ever holding more than
    MAX_BYTES + 1 of them: a device (/dev/zero), a pipe or a folder is refused before a byte is
    read (opened non-blocking, so that a pipe with no writer does not hang), a larger file
    after its size is known."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, a pipe or a socket"
            raise LoadError(f"not a regular file ({kind}); a derivation is a .yaml file", Location(name))
        if st.st_size > MAX_BYTES:
            raise LoadError(f"file is {st.st_size} bytes; at most {MAX_BYTES}", Location(name))
        chunks, size = [], 0
        while size <= MAX_BYTES:  # the file may grow after fstat: still read at most MAX + 1
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise LoadError(f"file is more than {MAX_BYTES} bytes; at most {MAX_BYTES}", Location(name))
    return raw


def load_bytes(raw: bytes, name: str) -> Document:
    """Parse YAML bytes from `name` into a Document (no file access)."""
    if len(raw) > MAX_BYTES:
        raise LoadError(f"file is {len(raw)} bytes; at most {MAX_BYTES}", Location(name))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(
            f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", Location(name, line)
        ) from None
    text = text.removeprefix("\ufeff")
    try:
        node = _compose(text, name)
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise LoadError(f"invalid YAML: control character U+{code:04X} is not allowed",
                        Location(name, line, column)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        raise LoadError(f"invalid YAML: {exc.problem or exc.context}", where) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}", Location(name)) from None
    if node is None:
        raise LoadError("file is empty", Location(name, 1))
    marks: dict[Path_, tuple[int, int, str]] = {}
    seen = _Seen()
    data = _convert(node, (), marks, name, seen)
    return Document(name, data, marks, hashlib.sha256(raw).hexdigest(), tuple(seen.breaks),
                    seen.whole_floats)


# libyaml's parser when PyYAML was built with it (about 15× faster); the same safe subset
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, name: str) -> yaml.Node | None:
    """Compose the YAML node graph after refusing anchors, aliases and explicit tags."""
    count = 0
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        count += 1
        if count > MAX_NODES:
            raise LoadError(f"file has more than {MAX_NODES} YAML nodes", Location(name))
        mark = event.start_mark
        where = Location(name, mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise LoadError(f"YAML nested deeper than {MAX_NESTING} levels", where)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise LoadError("YAML anchors and aliases (&, *) are not allowed", where)
        tag = getattr(event, "tag", None)
        if tag is not None and _explicit_tag(event):
            raise LoadError(f"YAML tag {tag!r} is not allowed", where)
    return yaml.compose(text, Loader=_LOADER)


def _explicit_tag(event: yaml.Event) -> bool:
    implicit = getattr(event, "implicit", None)
    if isinstance(implicit, tuple):  # ScalarEvent: (plain, quoted)
        return not any(implicit)
    return implicit is False


_SAFE = yaml.SafeLoader("")


def _where(node: yaml.Node, name: str) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct(node: yaml.Node, name: str) -> Any:
    """A scalar's value; values PyYAML cannot build (a 5000-digit integer, 2024-13-45) are errors."""
    try:
        return _SAFE.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        message = getattr(exc, "problem", None) or str(exc).split(";")[0]
        raise LoadError(f"unreadable value {node.value[:40]!r}: {message}", _where(node, name)) from None


class _Seen:
    """What the schema checks look for, noticed on the way: texts holding a line break (by
    path; a key by the path of its value, flagged True) and floats with a whole value."""

    def __init__(self) -> None:
        self.breaks: list[tuple[Path_, bool]] = []
        self.whole_floats = False


_LINE_BREAKS = ("\n", "\u2028", "\u2029")


def _convert(node: yaml.Node, path: Path_, marks: dict, name: str, seen: _Seen) -> Any:
    style = getattr(node, "style", None) or ""
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1, style)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise LoadError("YAML merge keys (<<) are not allowed", _where(key_node, name))
            key = _construct(key_node, name) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                where = Location(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise LoadError("mapping keys must be plain text", where)
            key = str(key)
            _check_characters(key, key_node, name)
            if any(b in key for b in _LINE_BREAKS):
                seen.breaks.append((path + (key,), True))
            if key in out:
                where = Location(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise LoadError(f"duplicate key {key[:40]!r}", where)
            out[key] = _convert(value_node, path + (key,), marks, name, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), marks, name, seen) for i, child in enumerate(node.value)]
    value = _construct(node, name)
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()  # dates in metadata are kept as written
    if not isinstance(value, (str, int, float, bool, type(None))):
        where = Location(name, node.start_mark.line + 1, node.start_mark.column + 1)
        raise LoadError(f"unsupported YAML value of type {type(value).__name__}", where)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LoadError(f"value {value!r} is not finite; write a number", _where(node, name))
        seen.whole_floats = seen.whole_floats or value.is_integer()
    elif isinstance(value, str):
        _check_characters(value, node, name)
        if any(b in value for b in _LINE_BREAKS):
            seen.breaks.append((path, False))
    return value


# characters no text of a derivation may hold: control characters other than tab and newline
# (escapes such as "\0", "\e" or "\x7f" get past the YAML reader, which refuses only raw
# ones), lone surrogates (not encodable as UTF-8) and private-use characters (the renderer uses
# some as placeholders)
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
                      "\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def _check_characters(text: str, node: yaml.Node, name: str) -> None:
    found = _REFUSED.search(text)
    if found is None:
        return
    code = ord(found.group())
    kind = ("lone surrogate" if 0xD800 <= code <= 0xDFFF else
            "private-use character" if code >= 0xE000 else "control character")
    raise LoadError(f"{kind} U+{code:04X} is not allowed in text", _where(node, name))
