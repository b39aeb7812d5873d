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
edit the links whose keys did not change are taken from it and only the others are checked.
docgen's fingerprint, in every key, covers its own code and the installed versions of what
decides verdicts (SymPy, mpmath, NumPy, gmpy2, python-flint, Python), read from the packages'
metadata without importing them.

The cache is a speed-up, never a source of truth: a cache folder is data that anyone who can
write into the project can write (a committed `.docgen-cache`, one copied from another
checkout). Each row is therefore stored with an HMAC-SHA256 of its slot and its exact stored
bytes, under a secret key kept outside the project and the cache (`$DOCGEN_CACHE_KEY_FILE`,
else `$XDG_CONFIG_HOME/docgen/cache.key`, else `~/.config/docgen/cache.key`; 32 random bytes,
mode 0600, created once, atomically). A row whose MAC does not verify (edited, forged, copied
from another slot or from a cache made with another key) is not even parsed; one that verifies
but holds an unknown status or a field of the wrong type is ignored too: either is recomputed,
never trusted. A key that can be neither read nor created (a read-only home), a cache folder
that is a symbolic link, or a database file (or its -wal, -shm, -journal) that is a link or
not a regular file leaves the run uncached, with one line on stderr: nothing is created,
deleted or read through a link. A row that cannot be read, or whose keys do not match, is
ignored (recomputed); a database that is not one is removed and started afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
import stat
import sys
import time
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..model.expr import tree_data, tree_key  # noqa: F401  (tree_key: re-exported)
from ..model.derivation import Derivation
from ..check.verdict import (FAILED, NUMERIC, PROVEN, PROVEN_ALL, UNDECIDED, ExampleResult, Link, Witness,
                             chain_links)

FORMAT = 3
STATUSES = frozenset({PROVEN_ALL, PROVEN, NUMERIC, UNDECIDED, FAILED})
KINDS = frozenset({"step", "identification", "claim"})
# the installed packages whose versions decide verdicts (SymPy uses gmpy2 or python-flint for its
# ground types when they are installed)
DEPENDENCIES = ("sympy", "mpmath", "numpy", "gmpy2", "python-flint")
KEY_FILE_ENV = "DOCGEN_CACHE_KEY_FILE"
KEY_BYTES = 32


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


def key_file() -> Path:
    """Where the cache's secret key lives: outside every project and every cache folder."""
    chosen = os.environ.get(KEY_FILE_ENV)
    if chosen:
        return Path(chosen).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config) if config and os.path.isabs(config) else Path.home() / ".config"
    return base / "docgen" / "cache.key"


@lru_cache(maxsize=8)
def _key_at(path: Path) -> bytes:
    """The key stored at `path`, created there first if there is none (32 random bytes, mode
    0600, written to a temporary file and linked into place, so that a reader never sees part of
    a key and two processes creating it at once agree on one)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        import secrets

        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(KEY_BYTES))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # never replaces a key made meanwhile
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not os.path.lexists(path):
                    os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise ValueError(f"holds {len(key)} bytes, not {KEY_BYTES}")
    return key


def _mac(key: bytes, slot: str, data: bytes) -> bytes:
    """The MAC of one row: its slot and its exact stored bytes."""
    head = b"docgen verdicts %d %s\0" % (FORMAT, slot.encode("ascii"))
    return hmac.new(key, head + data, hashlib.sha256).digest()


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


class VerdictCache:
    """Reads and writes cached verdicts; `root=None` disables caching.

    Entries live in one SQLite database, `<root>/verdicts.sqlite3` (write-ahead log, so that
    readers never wait for a writer and two builds can run at once), one row per derivation
    file and settings. A database that cannot be read is removed and started afresh; one that
    cannot be opened at all (a read-only folder) leaves the run uncached."""

    FILE = "verdicts.sqlite3"
    SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's companions of FILE
    SCHEMA = ("CREATE TABLE IF NOT EXISTS entries "
              "(slot TEXT PRIMARY KEY, recorded INTEGER NOT NULL, data BLOB NOT NULL, mac BLOB NOT NULL)")

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root)
        self._db: sqlite3.Connection | None = None
        self._unusable = False
        self._key: bytes | None = None
        self._recorded: dict[str, int] | None = None  # slot -> when its row was written (ns)

    def _give_up(self, why: str) -> None:
        """Go on uncached, saying why in one line."""
        self._unusable = True
        print(f"docgen: warning: verdict cache not used: {why}", file=sys.stderr)

    def _refused(self) -> str | None:
        """Why the cache folder must not be touched: it (or a folder it is reached through, for a
        relative path) is a symbolic link, or the database or a companion file is a link or not a
        regular file. None if it may be used."""
        assert self.root is not None
        ups = [] if self.root.is_absolute() else list(self.root.parents)[:-1]
        for p in [self.root, *ups]:
            if p.is_symlink():
                return f"{p} is a symbolic link"
        if not self.root.is_dir():
            return None  # absent (created below) or not a folder (cannot be opened)
        for suffix in ("", *self.SIDE_FILES):
            p = self.root / (self.FILE + suffix)
            try:
                mode = os.lstat(p).st_mode
            except FileNotFoundError:
                continue
            except OSError as exc:
                return f"{p} cannot be examined ({exc.strerror})"
            if stat.S_ISLNK(mode):
                return f"{p} is a symbolic link"
            if not stat.S_ISREG(mode):
                return f"{p} is not a regular file"
        return None

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None or self._unusable or self.root is None:
            return self._db
        path = self.root / self.FILE
        refused = self._refused()
        if refused:
            self._give_up(f"{refused} (nothing is read or written through it)")
            return None
        if not create and not path.exists():
            return None
        try:
            where = key_file().absolute()
        except RuntimeError:  # no home folder
            self._give_up(f"no home folder for its key (set {KEY_FILE_ENV})")
            return None
        if self.root.absolute() in where.parents:
            self._give_up(f"its key {where} lies inside the cache folder")
            return None
        try:
            self._key = _key_at(where)
        except (OSError, ValueError) as exc:
            why = getattr(exc, "strerror", None) or exc
            self._give_up(f"its key {where} cannot be read or created ({why})")
            return None
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
                try:
                    db.execute("PRAGMA trusted_schema=OFF")  # data: no functions run from its schema
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")  # a row lost in a crash is rechecked
                    db.execute(self.SCHEMA)
                    columns = [c[1] for c in db.execute("PRAGMA table_info(entries)")]
                    if columns != ["slot", "recorded", "data", "mac"]:  # an older layout, unauthenticated
                        db.execute("DROP TABLE entries")
                        db.execute(self.SCHEMA)
                    db.execute("SELECT slot, recorded, data, mac FROM entries LIMIT 1").fetchall()
                except BaseException:
                    db.close()
                    raise
                self._db = db
                return db
            except sqlite3.DatabaseError as exc:
                if attempt or getattr(exc, "sqlite_errorname", "") not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                    break
                for suffix in ("", *self.SIDE_FILES):  # not a database: never trusted, started afresh
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
        if type(recorded) is not int:  # none, or not what `put` writes (the time is not authenticated)
            return True
        try:
            return recorded < os.stat(file).st_mtime_ns
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
            row = db.execute("SELECT data, mac FROM entries WHERE slot = ?", (slot,)).fetchone()
            if row is None:
                return None
            raw, mac = row
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            assert self._key is not None
            if not (isinstance(raw, bytes) and isinstance(mac, bytes)
                    and hmac.compare_digest(mac, _mac(self._key, slot, raw))):
                return None  # not written by docgen with this key, for this slot: not even parsed
            data = json.loads(raw)
            if not _valid_entry(data, where):
                return None
            return _hit_from(data, keys, der)
        except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
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
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        assert self._key is not None
        try:
            # one transaction per derivation: a run that is stopped keeps what it finished
            db.execute("INSERT OR REPLACE INTO entries (slot, recorded, data, mac) VALUES (?, ?, ?, ?)",
                       (slot, time.time_ns(), raw, _mac(self._key, slot, raw)))
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


def _valid_entry(data: Any, where: str) -> bool:
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
_WITNESS_FIELDS = {"sizes", "point", "left", "right", "exact", "entry"}
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
        and _is_list(w["entry"], _INTS) and len(w["entry"]) == 2)


def _valid_example(r: Any) -> bool:
    return (type(r) is dict and r.keys() == _EXAMPLE_FIELDS and _is_sizes(r["sizes"])
            and _is_dict(r["inputs"], _is_matrix) and _is_dict(r["definitions"], _is_matrix)
            and _is_dict(r["parts"], _is_matrices) and _is_dict(r["claims"], _is_matrix)
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
