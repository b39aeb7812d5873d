"""The cache's secret key, and the MAC that authenticates each stored row with it.

The key lives outside every project and every cache folder (`$DOCGEN_CACHE_KEY_FILE`, else
`$XDG_CONFIG_HOME/docgen/cache.key`, else `~/.config/docgen/cache.key`): 32 random bytes, mode
0600, created once, atomically. A cache folder is data anyone who can write into the project can
write; without the key nobody can make a row that docgen will read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from .keys import FORMAT

KEY_FILE_ENV = "DOCGEN_CACHE_KEY_FILE"
KEY_BYTES = 32


def key_file() -> Path:
    """Where the cache's secret key lives: outside every project and every cache folder."""
    chosen = os.environ.get(KEY_FILE_ENV)
    if chosen:
        return Path(chosen).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config) if config and os.path.isabs(config) else Path.home() / ".config"
    return base / "docgen" / "cache.key"


@lru_cache(maxsize=8)
def key_at(path: Path) -> bytes:
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


def row_mac(key: bytes, slot: str, data: bytes) -> bytes:
    """The MAC of one row: its slot and its exact stored bytes."""
    head = b"docgen verdicts %d %s\0" % (FORMAT, slot.encode("ascii"))
    return hmac.new(key, head + data, hashlib.sha256).digest()
