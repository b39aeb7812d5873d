"""The verdict cache: verdicts of checked links, remembered between runs (keys: keys.py).

Cited derivations are not in any key: a citation's effect ("cites X, which does not verify") is
worked out from X's result every time, never cached.

Entries are stored location-free; `chain_links` supplies the current locations when they are
read, so verdicts point at the right lines after lines move. One row per derivation file (and
settings) of `.docgen-cache/verdicts.sqlite3` records the verdicts last checked for it, each
link's key beside its verdict, as JSON: a warm run reads one row per derivation, and after an
edit the links whose keys did not change are taken from it and only the others are checked.

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

import hmac
import json
import os
import sqlite3
import stat
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..check.verdict import ExampleResult, Link
from ..model.derivation import Derivation
from ..model.expr import tree_key  # noqa: F401  (re-exported)
from . import secret
from .entries import Hit, hit_from, link_row, valid_entry
from .keys import FORMAT, Keys, sha_of, derivation_keys, engine_fingerprint  # noqa: F401  (re-exported)


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
            where = secret.key_file().absolute()
        except RuntimeError:  # no home folder
            self._give_up(f"no home folder for its key (set {secret.KEY_FILE_ENV})")
            return None
        if self.root.absolute() in where.parents:
            self._give_up(f"its key {where} lies inside the cache folder")
            return None
        try:
            self._key = secret.key_at(where)
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
        return sha_of([where, settings.get("budget"), settings.get("examples", True)]), where

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
                    and hmac.compare_digest(mac, secret.row_mac(self._key, slot, raw))):
                return None  # not written by docgen with this key, for this slot: not even parsed
            data = json.loads(raw)
            if not valid_entry(data, where):
                return None
            return hit_from(data, keys, der)
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
            "links": [link_row(link, key) for link, key in zip(links, keys.links)],
            "example": None if keys.example is None else {"key": keys.example, "result": (
                None if example is None else asdict(example)), "values_key": keys.values, "values": values or {}},
        }
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        assert self._key is not None
        try:
            # one transaction per derivation: a run that is stopped keeps what it finished
            db.execute("INSERT OR REPLACE INTO entries (slot, recorded, data, mac) VALUES (?, ?, ?, ?)",
                       (slot, time.time_ns(), raw, secret.row_mac(self._key, slot, raw)))
        except sqlite3.Error:
            pass  # locked for longer than the timeout, or read-only: only slower next time

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

