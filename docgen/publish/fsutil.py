"""Writing files atomically: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..model.errors import DocgenError


class WriteError(DocgenError, OSError):
    """An output could not be written (a full disk, a read-only or forbidden folder): a
    located message, exit 2. Still an OSError, for callers that treat a write as optional."""

    def __init__(self, path: Path, exc: OSError):
        reason = exc.strerror or str(exc)
        DocgenError.__init__(self, f"cannot write {path}: {reason}")
        self.errno, self.strerror, self.filename = exc.errno, reason, str(path)

    def __str__(self) -> str:
        return DocgenError.__str__(self)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    Raises:
        WriteError: the folder or the file cannot be written (no space left, read-only, no
            permission); the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(path, exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are meant to be read
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
