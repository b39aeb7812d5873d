"""The JSON Schema of derivation files, and validation against it with located, short messages.

jsonschema-rs answers yes or no in microseconds for the files that are valid (almost all of
them); jsonschema, the reference validator, decides every other file and words its errors.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema_rs

from ..model.errors import DocgenError, ModelError, raise_all
from .load import Document


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of derivation files, shipped inside the package."""
    text = resources.files("docgen").joinpath("schema/derivation.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    """The schema compiled by jsonschema-rs: a yes/no answer in microseconds for the files that
    are valid (almost all of them)."""
    return jsonschema_rs.validator_for(schema())


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The reference validator (jsonschema): it decides, and words the errors, of every file
    the fast one does not accept. Two differences from plain JSON Schema, so that what it
    accepts is what docgen can use: "integer" means a whole number written as one (4, not 4.0,
    which JSON Schema counts as an integer), and a pattern matches the whole text (Python's
    `$` would also match before a final newline, so that "x\\n" matched ^[a-z]+$)."""
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    keywords = {**base.VALIDATORS, "pattern": _whole_pattern}
    strict = validators.extend(base, validators=keywords, type_checker=checker)
    return strict(schema())


def _whole_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    """The "pattern" keyword, anchored at the very end: `$` never matches before a newline."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string"):
        return
    anchored = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    if re.search(anchored, instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def fast_accepts(data: Any, whole_floats: bool | None = None) -> bool:
    """Whether jsonschema-rs alone may accept `data`: it answers for most valid files in
    microseconds, but it counts 4.0 as an integer, so a document holding a whole number written
    as a float (anywhere) is left to the reference validator, which decides. `whole_floats`:
    whether there is one, if known."""
    if _has_whole_float(data) if whole_floats is None else whole_floats:
        return False
    try:
        return bool(_fast_validator().is_valid(data))
    except (ValueError, TypeError, OverflowError):  # a value it cannot take (a huge integer)
        return False


def _has_whole_float(data: Any) -> bool:
    if isinstance(data, float):
        return data.is_integer()
    if isinstance(data, dict):
        return any(_has_whole_float(v) for v in data.values())
    if isinstance(data, list):
        return any(_has_whole_float(v) for v in data)
    return False


def validate(doc: Document) -> None:
    """Raise every way in which the document does not follow the schema, each located; and
    a line break in text that is one line (an id, a name, a title, a label, a tag, a url)."""
    lines = _line_breaks(doc)
    if not lines and fast_accepts(doc.data, doc.whole_floats):
        return
    validator = _validator()
    errors: list[DocgenError] = list(lines.values())
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        whole = _whole_float(err)
        if whole is not None:  # 4.0 for a whole number, maybe deep inside a oneOf: say where
            err = whole
        path = tuple(err.absolute_path)
        if path in lines or _said(err, path, lines):  # already said, better
            continue
        where = "/".join(map(str, path)) or "top level"
        message = _schema_message(err)
        errors.append(ModelError(f"{where}: {message}", doc.loc(*path)))
    errors.sort(key=lambda e: (e.location.line, e.location.column) if e.location else (0, 0))
    raise_all(errors)


def _said(err: Any, path: tuple, lines: dict[tuple, DocgenError]) -> bool:
    """Whether a schema error only repeats a line break found inside the value it is about."""
    if err.validator not in ("oneOf", "anyOf", "pattern", "propertyNames") or not path:
        return False
    return any(p[:len(path)] == path for p in lines)


# text that may span lines: prose, and expressions (a long one may be written as a block)
_PROSE = frozenset({"summary", "note", "description", "claim", "expr"})
_BREAKS = re.compile("[\n\u2028\u2029]")


def _multiline(path: tuple) -> bool:
    last = path[-1] if path else None
    if isinstance(last, str) and last in _PROSE:
        return True
    if isinstance(last, int) and len(path) >= 2 and path[-2] in ("steps", "assumptions"):
        return True
    return (len(path) == 2 and path[0] == "definitions") or \
        (len(path) == 3 and path[:2] == ("example", "functions"))


def _line_breaks(doc: Document) -> dict[tuple, DocgenError]:
    """A line break in a one-line text (or in any key) is an error, by the path of the value."""
    found: dict[tuple, DocgenError] = {}
    for path, is_key in _texts_with_breaks(doc):
        if path in found:
            continue
        if is_key:
            found[path] = ModelError(f"{_where(path[:-1])}: the name {_short(path[-1])} holds a "
                                     "line break", doc.loc(*path))
        elif not _multiline(path):
            found[path] = ModelError(f"{_where(path)}: {_short(_at(doc.data, path))} holds a line "
                                     "break; this text is one line", doc.loc(*path))
    return found


def _texts_with_breaks(doc: Document) -> list[tuple[tuple, bool]]:
    """(path, is a key) of every text holding a line break: noticed by the loader, or found."""
    if doc.breaks is not None:
        return list(doc.breaks)
    out: list[tuple[tuple, bool]] = []

    def walk(value: Any, path: tuple) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _BREAKS.search(key):
                    out.append((path + (key,), True))
                walk(item, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, path + (i,))
        elif isinstance(value, str) and _BREAKS.search(value):
            out.append((path, False))

    walk(doc.data, ())
    return out


def _at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _where(path: tuple) -> str:
    return "/".join(map(str, path)) or "top level"


def _schema_message(err: Any) -> str:  # a jsonschema.ValidationError
    """A message that quotes at most a short, repr-escaped excerpt of the file: the file may be
    a link to something that is not a derivation at all (a key file, a config with secrets)."""
    whole = _whole_number(err)
    if whole is not None:
        return whole
    if err.validator == "additionalProperties":
        extra = [key for key in err.instance if key not in err.schema.get("properties", {})]
        shown = ", ".join(_short(key) for key in extra[:_MAX_KEYS])
        more = f" and {len(extra) - _MAX_KEYS} more" if len(extra) > _MAX_KEYS else ""
        verb = "was" if len(extra) == 1 else "were"
        return f"unknown key(s) ({shown}{more} {verb} unexpected)"
    if err.validator == "oneOf" and not err.absolute_path:
        return "give either 'claim' (with 'steps', or alone to check it directly), or 'parts' (a list of claims)"
    if err.validator == "type" and not err.absolute_path and len(repr(err.instance)) > _SHORT:
        # e.g. a symlink to some other text file: say what is wrong, do not repeat the file
        return f"a derivation file is a YAML mapping (id: ..., title: ...), not {_kind(err.instance)}"
    if err.validator == "oneOf":
        return f"{_short(err.instance)} is not a valid value here"
    full = repr(err.instance)
    message = err.message.replace(full, _short(err.instance)) if len(full) > _SHORT else err.message
    if len(message) > _LONGEST:  # a wording that quotes the value some other way
        return f"{_short(err.instance)} does not follow the schema ({err.validator})"
    return message


_SHORT = 40  # characters of a value quoted in a message
_MAX_KEYS = 3  # unknown keys named in a message
_LONGEST = 300  # characters of a message made by jsonschema


def _short(value: Any) -> str:
    """repr(value) (so escaped), cut to a readable length: a message never repeats a file."""
    text = repr(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 10] + f"... ({len(text)} characters)"


def _whole_float(err: Any) -> Any:
    """The error, `err` or one it is made of (a oneOf's), that a whole number is written as a
    float (4.0) where an integer is expected; None if there is none."""
    if err.validator == "type" and err.validator_value == "integer" and \
            isinstance(err.instance, float) and err.instance.is_integer():
        return err
    for sub in getattr(err, "context", None) or ():
        found = _whole_float(sub)
        if found is not None:
            return found
    return None


def _whole_number(err: Any) -> str | None:
    """4.0 where a whole number is expected: say so (the schema's own words would be
    "4.0 is not of type 'integer'", or, inside a oneOf, "not a valid value here")."""
    if _whole_float(err) is not err:
        return None
    value = err.instance
    return f"{value!r}: write a whole number ({int(value)}, not {value!r})"


def _kind(value: Any) -> str:
    return {str: "text", list: "a list", int: "a number", float: "a number", bool: "true/false",
            type(None): "empty"}.get(type(value), type(value).__name__)
