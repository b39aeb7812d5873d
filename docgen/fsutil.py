"""Writing files atomically: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: bytes | str, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    `durable=False` skips forcing the bytes to disk before the rename (and the random name of
    the temporary file): only for files whose readers check what they read (a verdict cache
    entry), since after a crash such a file may be empty."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not durable:
        _quick_write(path, raw)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are meant to be read
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_serial = itertools.count()


def _quick_write(path: Path, raw: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_serial)}.tmp")  # unique per process
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
