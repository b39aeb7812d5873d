"""The verdict cache: each checked link keyed by exactly what its verdict depends on.

A link's verdict depends on its two expression trees, the derivation's checking context
(layout, dimensions and their sizes, symbols with their shapes and assumptions, generic
functions, definitions, linear assumptions, `check:` settings), its place in the chain (the
random seeds of its probes come from its part and index), the `--budget` override and docgen's
own code. Its key hashes exactly these, with no locations, prose or titles in them: an edit of a
note, a comment, a title or a description changes no key, and an edit of one step's
expression changes the keys of the links that step is in (and of its part's claim, which is
settled from its chain). The worked example is keyed likewise by the example's data and every
chain expression. Cited derivations are not in any key: a citation's effect ("cites X, which
does not verify") is worked out from X's result every time, never cached.

Entries are stored location-free; `chain_links` supplies the current locations when they are
read, so verdicts point at the right lines after lines move. One row per derivation file (and
settings) of `.docgen-cache/verdicts.sqlite3` records the verdicts last checked for it, each
link's key beside its verdict, as JSON: a warm run reads one row per derivation, and after an
edit the links whose keys did not change are taken from it and only the others are checked. A
row that cannot be read, or whose keys do not match, is ignored (recomputed), never trusted; a
database that is not one is removed and started afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..model.expr import tree_data, tree_key  # noqa: F401  (tree_key: re-exported)
from ..model.derivation import Derivation
from ..check.verdict import ExampleResult, Link, Witness, chain_links

FORMAT = 2


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of docgen's own code: a changed checker never reuses old verdicts."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _sha(payload: Any) -> str:
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
    base = _sha([engine_fingerprint(), FORMAT, settings.get("budget"), check_context(der)])
    links = chain_links(der)
    keys: list[str] = []
    for link in links:
        if link.kind == "claim":  # settled from its chain: keyed by the chain's keys too
            chain = [keys[i] for i, k in enumerate(links[:len(keys)]) if k.part == link.part]
            keys.append(_sha([base, link.part, link.index, link.kind, tree_data(link.left.tree),
                              tree_data(link.right.tree), chain]))
        else:
            keys.append(_sha([base, link.part, link.index, link.kind, tree_data(link.left.tree),
                              tree_data(link.right.tree)]))
    example = values = None
    if settings.get("examples", True) and der.example is not None:
        data = _example_data(der)
        example = _sha([base, "example", data])
        values = _sha([base, "example values", data[:-1]])  # not the chains: per expression
    return Keys(tuple(keys), example, _sha([FORMAT, keys, example]), values)


class Hit:
    """What the cache knows of one derivation: verdicts of some (or all) links, the example."""

    def __init__(self, links: dict[int, Link], example: ExampleResult | None, has_example: bool,
                 values: dict | None = None):
        self.links = links
        self.example = example
        self.has_example = has_example
        self.values = values or {}  # the example's value of each expression (by value_key)


class VerdictCache:
    """Reads and writes cached verdicts; `root=None` disables caching.

    Entries live in one SQLite database, `<root>/verdicts.sqlite3` (write-ahead log, so that
    readers never wait for a writer and two builds can run at once), one row per derivation
    file and settings. A database that cannot be read is removed and started afresh; one that
    cannot be opened at all (a read-only folder) leaves the run uncached."""

    FILE = "verdicts.sqlite3"

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root)
        self._db: sqlite3.Connection | None = None
        self._unusable = False
        self._recorded: dict[str, int] | None = None  # slot -> when its row was written (ns)

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None or self._unusable or self.root is None:
            return self._db
        path = self.root / self.FILE
        if not create and not path.exists():
            return None
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")  # a row lost in a crash is rechecked
                    db.execute("CREATE TABLE IF NOT EXISTS entries "
                               "(slot TEXT PRIMARY KEY, recorded INTEGER NOT NULL, data TEXT NOT NULL)")
                    db.execute("SELECT slot, recorded, data FROM entries LIMIT 1").fetchall()
                except BaseException:
                    db.close()
                    raise
                self._db = db
                return db
            except sqlite3.DatabaseError as exc:
                if attempt or getattr(exc, "sqlite_errorname", "") not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                    break
                for suffix in ("", "-wal", "-shm"):  # not a database: never trusted, started afresh
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            except OSError:
                break
        self._unusable = True  # e.g. a read-only folder: verification goes on, uncached
        return None

    def _slot(self, der: Derivation, settings: dict[str, Any]) -> tuple[str, str]:
        """The row of the verdicts last recorded for this file under these settings."""
        return self._slot_of(der.path, settings)

    @staticmethod
    def _slot_of(file: str | Path, settings: dict[str, Any]) -> tuple[str, str]:
        where = os.path.abspath(file)
        return _sha([where, settings.get("budget"), settings.get("examples", True)]), where

    def likely_stale(self, file: str | Path, settings: dict[str, Any]) -> bool:
        """A guess, before loading: nothing recorded for this file, or recorded before its last
        change (it may still turn out that no link changed)."""
        if self.root is None:
            return True
        if self._recorded is None:
            db = self._connect(create=False)
            try:
                self._recorded = dict(db.execute("SELECT slot, recorded FROM entries")) if db else {}
            except sqlite3.Error:
                self._recorded = {}
        recorded = self._recorded.get(self._slot_of(file, settings)[0])
        try:
            return recorded is None or recorded < os.stat(file).st_mtime_ns
        except OSError:
            return True

    def get(self, keys: Keys, der: Derivation, settings: dict[str, Any]) -> Hit | None:
        """What is known for `der`: every link and the example (the entry's key matches), or
        those whose keys match rows of the entry last recorded for its file; None if nothing."""
        db = self._connect(create=False)
        if db is None:
            return None
        slot, where = self._slot(der, settings)
        try:
            row = db.execute("SELECT data FROM entries WHERE slot = ?", (slot,)).fetchone()
            if row is None:
                return None
            data = json.loads(row[0])
            if not isinstance(data, dict) or data.get("path") != where:
                return None
            return _hit_from(data, keys, der)
        except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # unreadable or another layout: recompute

    def put(self, keys: Keys, der: Derivation, settings: dict[str, Any], links: list[Link],
            example: ExampleResult | None, values: dict | None = None) -> None:
        db = self._connect(create=True)
        if db is None:
            return
        slot, where = self._slot(der, settings)
        data = {
            "path": where,
            "key": keys.entry,
            "links": [_link_to(link, key) for link, key in zip(links, keys.links)],
            "example": None if keys.example is None else {"key": keys.example, "result": (
                None if example is None else asdict(example)), "values_key": keys.values, "values": values or {}},
        }
        try:
            # one transaction per derivation: a run that is stopped keeps what it finished
            db.execute("INSERT OR REPLACE INTO entries (slot, recorded, data) VALUES (?, ?, ?)",
                       (slot, time.time_ns(), json.dumps(data, ensure_ascii=False)))
        except sqlite3.Error:
            pass  # locked for longer than the timeout, or read-only: only slower next time

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _link_to(link: Link, key: str) -> dict[str, Any]:
    return {
        "key": key, "part": link.part, "index": link.index, "kind": link.kind, "status": link.status,
        "sizes": link.sizes, "evidence": link.evidence,
        "witness": None if link.witness is None else asdict(link.witness),
    }


def _hit_from(data: dict[str, Any], keys: Keys, der: Derivation) -> Hit | None:
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
            _in_dim_order(w["sizes"], der), dict(w["point"]), w["left"], w["right"], bool(w["exact"]), tuple(w["entry"]))
        known[i] = link
    example, has_example = None, keys.example is None
    ex = data.get("example")
    values = None
    if keys.example is not None and isinstance(ex, dict) and ex.get("key") == keys.example:
        example, has_example = _example_from(ex["result"]), True
    if keys.values is not None and isinstance(ex, dict) and ex.get("values_key") == keys.values:
        values = {str(k): (_rows(v[0]), str(v[1])) for k, v in ex["values"].items()}
    if not known and not has_example and not values:
        return None
    return Hit(known, example, has_example, values)


def _rows(value: Any) -> list[list[float]]:
    return [[float(x) for x in row] for row in value]


def _in_dim_order(sizes: dict[str, int], der: Derivation) -> dict[str, int]:
    return {n: sizes[n] for n in der.dims if n in sizes}


def _example_from(data: dict[str, Any] | None) -> ExampleResult | None:
    if data is None:
        return None
    return ExampleResult(**data)
