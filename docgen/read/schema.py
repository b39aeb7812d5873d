"""The JSON Schema of derivation files, and validation against it with located, short messages.

jsonschema-rs answers yes or no in microseconds for the files that are valid (almost all of
them); jsonschema, the reference validator, decides every other file and words its errors.
"""

from __future__ import annotations

import json
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
    the fast one does not accept."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def validate(doc: Document) -> None:
    """Raise every way in which the document does not follow the schema, each located."""
    try:
        if _fast_validator().is_valid(doc.data):
            return
    except (ValueError, TypeError, OverflowError):  # a value it cannot take (NaN, a huge integer)
        pass
    validator = _validator()
    errors: list[DocgenError] = []
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        where = "/".join(map(str, path)) or "top level"
        message = _schema_message(err)
        errors.append(ModelError(f"{where}: {message}", doc.loc(*path)))
    raise_all(errors)


def _schema_message(err: Any) -> str:  # a jsonschema.ValidationError
    """A message that quotes at most a short, repr-escaped excerpt of the file: the file may be
    a link to something that is not a derivation at all (a key file, a config with secrets)."""
    if err.validator == "additionalProperties":
        extra = [key for key in err.instance if key not in err.schema.get("properties", {})]
        shown = ", ".join(_short(key) for key in extra[:_MAX_KEYS])
        more = f" and {len(extra) - _MAX_KEYS} more" if len(extra) > _MAX_KEYS else ""
        verb = "was" if len(extra) == 1 else "were"
        return f"unknown key(s) ({shown}{more} {verb} unexpected)"
    if err.validator == "oneOf" and not err.absolute_path:
        return "give either 'claim' and 'steps', or 'parts' (a list of claims with steps)"
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


def _kind(value: Any) -> str:
    return {str: "text", list: "a list", int: "a number", float: "a number", bool: "true/false",
            type(None): "empty"}.get(type(value), type(value).__name__)
