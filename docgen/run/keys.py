"""The keys of the verdict cache: what a link's verdict depends on, hashed.

A link's verdict depends on its two expression trees, the derivation's checking context
(layout, dimensions and their sizes, symbols with their shapes and assumptions, generic
functions, definitions, linear assumptions, `check:` settings), its place in the chain (the
random seeds of its probes come from its part and index), the `--budget` override and docgen's
fingerprint: its own code and the installed versions of what decides verdicts (SymPy, mpmath,
NumPy, gmpy2, python-flint, Python), read from the packages' metadata without importing them.
Its key hashes exactly these, with no locations, prose or titles in them: an edit of a note, a
comment, a title or a description changes no key, and an edit of one step's expression changes
the keys of the links that step is in (and of its part's claim, which is settled from its
chain). The worked example is keyed likewise by the example's data and every chain expression.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..check.verdict import chain_links
from ..model.derivation import Derivation
from ..model.expr import tree_data

FORMAT = 3  # of the stored rows; in every key and every MAC
# the installed packages whose versions decide verdicts (SymPy uses gmpy2 or python-flint for its
# ground types when they are installed)
DEPENDENCIES = ("sympy", "mpmath", "numpy", "gmpy2", "python-flint")


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of docgen's own code and of the versions of Python and of the packages that decide
    verdicts: a changed checker, or an upgraded SymPy, never reuses old verdicts."""
    h = hashlib.sha256(__version__.encode())
    versions = [sys.implementation.name, sys.version, sorted(dependency_versions().items())]
    h.update(json.dumps(versions).encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def dependency_versions() -> dict[str, str | None]:
    """The installed version of each of DEPENDENCIES (None: not installed), without importing it."""
    return installed_versions(DEPENDENCIES)


def installed_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """What `importlib.metadata.version` answers for each name (None: not installed), without
    importing the packages. `importlib.metadata` itself costs ~50 ms to import (email, zipfile,
    csv), a tenth of a warm run, so the usual case (one `<name>-<version>.dist-info` folder in
    the first folder of sys.path that has any for the name) is read here in one pass over
    sys.path (~1 ms); anything else is left to importlib.metadata."""
    todo = {_normalized(n): n for n in names}
    out: dict[str, str | None] = {}
    unsure = False
    for entry in sys.path:
        if not todo:
            break
        folder = entry or "."
        try:
            listing = os.listdir(folder)
        except OSError:
            if os.path.isfile(folder):  # a zip file on sys.path: not read here
                unsure = True
                break
            continue
        found: dict[str, list[str]] = {}
        for fn in listing:
            low = fn.lower()
            if low.endswith((".dist-info", ".egg-info")):
                n = _normalized(low.rpartition(".")[0].partition("-")[0])
                if n in todo:
                    found.setdefault(n, []).append(fn)
        for n, dists in found.items():
            name = todo.pop(n)
            out[name] = _dist_info_version(folder, dists) or _metadata_version(name)
    for name in todo.values():
        out[name] = _metadata_version(name) if unsure else None
    return {n: out[n] for n in names}


def _dist_info_version(folder: str, dists: list[str]) -> str | None:
    """The Version: of a single dist-info folder's METADATA; None if anything else."""
    if len(dists) != 1 or not dists[0].lower().endswith(".dist-info"):
        return None
    try:
        with open(os.path.join(folder, dists[0], "METADATA"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.removeprefix("Version:").strip() or None
                if not line.strip():
                    return None
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def sha_of(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def check_context(der: Derivation) -> Any:
    """Everything of a derivation, beyond one link's two sides, that checking it reads. Order
    is kept (symbols are drawn at random points in declaration order)."""
    return [
        der.layout,
        [[d.name, list(d.sizes), d.numeric] for d in der.dims.values()],
        [[s.name, list(s.shape), list(s.of), sorted(s.assume), s.style] for s in der.symbols.values()],
        [[f.name, f.derivative] for f in der.functions.values()],
        [[d.name, tree_data(d.expr.tree), d.style] for d in der.definitions.values()],
        [[tree_data(a.lhs.tree), tree_data(a.rhs.tree), a.text] for a in der.assumptions],
        [der.check.budget, der.check.probes, der.check.seed],
    ]


def _example_data(der: Derivation) -> Any:
    ex = der.example
    if ex is None:
        return None

    def values(v: dict) -> Any:
        return [[n, [[str(x) for x in row] for row in rows]] for n, rows in v.items()]

    return [sorted(ex.sizes.items()), values(ex.values), [[n, tree_data(e.tree)] for n, e in ex.functions.items()],
            ex.digits, values(ex.differentials),
            [[p.label, p.method, p.wrt, tree_data(p.lhs.tree), tree_data(p.rhs.tree),
              [tree_data(s.expr.tree) for s in p.steps]] for p in der.parts]]


@dataclass(frozen=True)
class Keys:
    """The cache keys of one derivation: one per link (document order), the example's, and the
    entry's (a hash of all of them)."""

    links: tuple[str, ...]
    example: str | None
    entry: str
    values: str | None = None  # what the example's values of single expressions depend on


def derivation_keys(der: Derivation, settings: dict[str, Any]) -> Keys:
    """The keys of a derivation's links and example under `settings` (budget, examples)."""
    base = sha_of([engine_fingerprint(), FORMAT, settings.get("budget"), check_context(der)])
    links = chain_links(der)
    keys: list[str] = []
    for link in links:
        if link.kind == "claim":  # settled from its chain: keyed by the chain's keys too
            chain = [keys[i] for i, k in enumerate(links[:len(keys)]) if k.part == link.part]
            keys.append(sha_of([base, link.part, link.index, link.kind, tree_data(link.left.tree),
                              tree_data(link.right.tree), chain]))
        else:
            keys.append(sha_of([base, link.part, link.index, link.kind, tree_data(link.left.tree),
                              tree_data(link.right.tree)]))
    example = values = None
    if settings.get("examples", True) and der.example is not None:
        data = _example_data(der)
        example = sha_of([base, "example", data])
        values = sha_of([base, "example values", data[:-1]])  # not the chains: per expression
    return Keys(tuple(keys), example, sha_of([FORMAT, keys, example]), values)
