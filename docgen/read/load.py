"""Files -> plain data with source positions. YAML is read safely: no tags, no aliases."""

from __future__ import annotations

import datetime
import hashlib
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
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror}", Location(name)) from None
    return load_bytes(raw, name)


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
    data = _convert(node, (), marks, name)
    return Document(name, data, marks, hashlib.sha256(raw).hexdigest())


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


def _convert(node: yaml.Node, path: Path_, marks: dict, name: str) -> Any:
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
            if key in out:
                where = Location(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise LoadError(f"duplicate key {key[:40]!r}", where)
            out[key] = _convert(value_node, path + (key,), marks, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), marks, name) for i, child in enumerate(node.value)]
    value = _construct(node, name)
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()  # dates in metadata are kept as written
    if not isinstance(value, (str, int, float, bool, type(None))):
        where = Location(name, node.start_mark.line + 1, node.start_mark.column + 1)
        raise LoadError(f"unsupported YAML value of type {type(value).__name__}", where)
    return value
