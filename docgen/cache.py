"""The verdict cache: checked results keyed by a hash of everything a verdict depends on.

Key = sha256(docgen version, check settings, the derivation file's bytes, the keys of what it
cites). One JSON file per key under `.docgen-cache/verdicts/`, written atomically, so two builds
running at once at worst both compute and write the same bytes. An entry that cannot be read or
does not match its key is ignored (and recomputed), never trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .fsutil import atomic_write
from .model import Derivation
from .verdict import ExampleResult, Link, Witness, chain_links

FORMAT = 1


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of docgen's own code: a changed checker never reuses old verdicts."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def derivation_key(der: Derivation, cited: list[str], settings: dict[str, Any]) -> str:
    """The cache key of one derivation's verdicts."""
    h = hashlib.sha256()
    payload = {"docgen": engine_fingerprint(), "format": FORMAT, "settings": settings,
               "file": der.digest, "cited": sorted(cited)}
    h.update(json.dumps(payload, sort_keys=True).encode())
    return h.hexdigest()


class VerdictCache:
    """Reads and writes cached verdicts; `root=None` disables caching."""

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root) / "verdicts"

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, der: Derivation) -> tuple[list[Link], ExampleResult | None] | None:
        if self.root is None:
            return None
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
            if data.get("key") != key:
                return None
            return _links_from(data["links"], der), _example_from(data["example"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable or from another layout: recompute

    def put(self, key: str, links: list[Link], example: ExampleResult | None) -> None:
        if self.root is None:
            return
        data = {
            "key": key,
            "links": [_link_to(link) for link in links],
            "example": None if example is None else asdict(example),
        }
        try:
            atomic_write(self._path(key), json.dumps(data, ensure_ascii=False))  # insertion order is meaningful
        except OSError:
            pass  # a read-only project still verifies; it is only slower next time


def _link_to(link: Link) -> dict[str, Any]:
    return {
        "part": link.part, "index": link.index, "kind": link.kind, "status": link.status,
        "sizes": link.sizes, "evidence": link.evidence,
        "witness": None if link.witness is None else asdict(link.witness),
    }


def _links_from(rows: list[dict[str, Any]], der: Derivation) -> list[Link]:
    links = chain_links(der)
    if len(rows) != len(links):
        raise ValueError("cached links do not match the derivation")
    for link, row in zip(links, rows):
        if (row["part"], row["index"], row["kind"]) != (link.part, link.index, link.kind):
            raise ValueError("cached links do not match the derivation")
        link.status = row["status"]
        # JSON was written with sorted keys: restore the derivation's order of dimensions
        link.sizes = [_in_dim_order(s, der) for s in row["sizes"]]
        link.evidence = list(row["evidence"])
        w = row["witness"]
        link.witness = None if w is None else Witness(
            _in_dim_order(w["sizes"], der), dict(w["point"]), w["left"], w["right"], bool(w["exact"]), tuple(w["entry"]))
    return links


def _in_dim_order(sizes: dict[str, int], der: Derivation) -> dict[str, int]:
    return {n: sizes[n] for n in der.dims if n in sizes}


def _example_from(data: dict[str, Any] | None) -> ExampleResult | None:
    if data is None:
        return None
    return ExampleResult(**data)
