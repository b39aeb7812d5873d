"""Stored rows <-> verdicts: a row of the verdict cache as JSON data, checked field by field
before anything in it is used (a row's MAC is checked first, in cache.py: these checks guard
against rows that are authentic but from another layout, or simply wrong)."""

from __future__ import annotations

from dataclasses import asdict, fields
from itertools import chain
from typing import Any, Callable

from ..check import verdict
from ..check.verdict import ExampleResult, Link, Witness, chain_links
from ..model.derivation import Derivation
from .keys import Keys

STATUSES = frozenset(verdict.STATUSES)  # a stored status must be one of these
KINDS = frozenset({"step", "identification", "claim"})


class Hit:
    """What the cache knows of one derivation: verdicts of some (or all) links, the example."""

    def __init__(self, links: dict[int, Link], example: ExampleResult | None, has_example: bool,
                 values: dict | Callable[[], dict] | None = None):
        self.links = links
        self.example = example
        self.has_example = has_example
        self._values = values

    @property
    def values(self) -> dict:
        """The example's value of each expression (by value_key). Read from the entry when first
        asked for: a derivation taken whole from the cache never needs them."""
        if callable(self._values):
            self._values = self._values()
        return self._values or {}


def link_row(link: Link, key: str) -> dict[str, Any]:
    return {
        "key": key, "part": link.part, "index": link.index, "kind": link.kind, "status": link.status,
        "sizes": link.sizes, "evidence": link.evidence,
        "witness": None if link.witness is None else asdict(link.witness),
    }


def valid_entry(data: Any, where: str) -> bool:
    """Whether an entry has exactly the shape that `put` writes, for this file: known statuses and
    kinds, every field of its type (a bool is not an int, an int is not a float). The checks of
    long lists run in C (`set(map(type, ...))`): ~30 µs for an entry of 6 kB."""
    if not (type(data) is dict and data.keys() == _ENTRY_FIELDS and data["path"] == where
            and type(data["key"]) is str and type(data["links"]) is list
            and all(map(_valid_link, data["links"]))):
        return False
    ex = data["example"]
    return ex is None or (
        type(ex) is dict and ex.keys() == _EXAMPLE_ENTRY_FIELDS and type(ex["key"]) is str
        and (ex["result"] is None or _valid_example(ex["result"]))
        and (ex["values_key"] is None or type(ex["values_key"]) is str)
        and type(ex["values"]) is dict)  # each value is checked when used (`_values_from`)


_ENTRY_FIELDS = {"path", "key", "links", "example"}
_EXAMPLE_ENTRY_FIELDS = {"key", "result", "values_key", "values"}
_LINK_FIELDS = {"key", "part", "index", "kind", "status", "sizes", "evidence", "witness"}
_WITNESS_FIELDS = {"sizes", "point", "left", "right", "exact", "entry", "where"}
_EXAMPLE_FIELDS = {f.name for f in fields(ExampleResult)}
_INTS, _FLOATS, _STRS, _LISTS = {int}, {float}, {str}, {list}


def _valid_link(row: Any) -> bool:
    if not (type(row) is dict and row.keys() == _LINK_FIELDS and type(row["key"]) is str
            and type(row["part"]) is str and type(row["index"]) is int and row["kind"] in KINDS
            and row["status"] in STATUSES and type(row["sizes"]) is list and all(map(_is_sizes, row["sizes"]))
            and _is_list(row["evidence"], _STRS)):
        return False
    w = row["witness"]
    return w is None or (
        type(w) is dict and w.keys() == _WITNESS_FIELDS and _is_sizes(w["sizes"])
        and type(w["point"]) is dict and set(map(type, w["point"].values())) <= _STRS
        and type(w["left"]) is str and type(w["right"]) is str and type(w["exact"]) is bool
        and _is_list(w["entry"], _INTS) and len(w["entry"]) == 2 and type(w["where"]) is str)


def _valid_example(r: Any) -> bool:
    return (type(r) is dict and r.keys() == _EXAMPLE_FIELDS and _is_sizes(r["sizes"])
            and _is_dict(r["inputs"], _is_matrix) and _is_dict(r["definitions"], _is_matrix)
            and _is_dict(r["parts"], _is_matrices) and _is_dict(r["claims"], _is_matrix)
            and _is_dict(r["terms"], _is_terms)
            and _is_list(r["problems"], _STRS) and type(r["fd_agree"]) is bool)


def _valid_value(v: Any) -> bool:
    """One expression's value in an example: [matrix, how SymPy and finite differences differ]."""
    return type(v) is list and len(v) == 2 and _is_matrix(v[0]) and type(v[1]) is str


def _is_list(v: Any, types: set[type]) -> bool:
    return type(v) is list and set(map(type, v)) <= types


def _is_dict(v: Any, valid: Any) -> bool:  # (JSON's keys are strings)
    return type(v) is dict and all(map(valid, v.values()))


def _is_sizes(v: Any) -> bool:
    return type(v) is dict and set(map(type, v.values())) <= _INTS


def _is_matrix(v: Any) -> bool:
    return (type(v) is list and set(map(type, v)) <= _LISTS
            and set(map(type, chain.from_iterable(v))) <= _FLOATS)


def _is_matrices(v: Any) -> bool:
    return type(v) is list and all(map(_is_matrix, v))


def _is_terms(v: Any) -> bool:
    return type(v) is list and all(map(_is_matrices, v))


def hit_from(data: dict[str, Any], keys: Keys, der: Derivation) -> Hit | None:
    rows = {row["key"]: row for row in data["links"]}  # matched by key, never by position
    links = chain_links(der)  # today's locations
    known: dict[int, Link] = {}
    for i, (link, key) in enumerate(zip(links, keys.links)):
        row = rows.get(key)
        if row is None:
            continue
        if (row["part"], row["index"], row["kind"]) != (link.part, link.index, link.kind):
            raise ValueError("cached link does not match the derivation")
        link.status = row["status"]
        # JSON keeps the derivation's order of dimensions; restore it anyway
        link.sizes = [_in_dim_order(s, der) for s in row["sizes"]]
        link.evidence = list(row["evidence"])
        w = row["witness"]
        link.witness = None if w is None else Witness(
            _in_dim_order(w["sizes"], der), dict(w["point"]), w["left"], w["right"], bool(w["exact"]), tuple(w["entry"]),
            w["where"])
        known[i] = link
    example, has_example = None, keys.example is None
    ex = data.get("example")
    values = None
    if keys.example is not None and isinstance(ex, dict) and ex.get("key") == keys.example:
        example, has_example = _example_from(ex["result"]), True
    if (keys.values is not None and isinstance(ex, dict) and ex.get("values_key") == keys.values
            and ex["values"]):
        values = lambda: _values_from(ex["values"])  # noqa: E731
    if not known and not has_example and not values:
        return None
    return Hit(known, example, has_example, values)


def _values_from(stored: dict[str, Any]) -> dict[str, tuple[list[list[float]], str]]:
    """The example's stored values of expressions; those not of the shape written are left out
    (evaluated again)."""
    return {k: (_rows(v[0]), v[1]) for k, v in stored.items() if _valid_value(v)}


def _rows(value: Any) -> list[list[float]]:
    return [[float(x) for x in row] for row in value]


def _in_dim_order(sizes: dict[str, int], der: Derivation) -> dict[str, int]:
    return {n: sizes[n] for n in der.dims if n in sizes}


def _example_from(data: dict[str, Any] | None) -> ExampleResult | None:
    if data is None:
        return None
    return ExampleResult(**data)
