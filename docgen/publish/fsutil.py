"""Writing files atomically: a temporary file in the same folder, then a rename; and sweeping
the temporary files of a process that was killed before its rename."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..model.errors import DocgenError

# `.<name>.<pid>-<random>.tmp`: the pid of the writer, so a later run can tell a dead writer's
# leftover from a file another run is writing right now
_TEMP = re.compile(r"^\..+\.(\d+)-[A-Za-z0-9_]+\.tmp$")


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
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp",
                                   dir=path.parent)
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


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (another user's counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temporaries(folder: Path) -> list[Path]:
    """Remove what `atomic_write` left in `folder` (and below) when its process was killed
    before the rename: `.<name>.<pid>-<random>.tmp` files whose pid is gone. Symbolic links
    are neither followed nor removed. Returns what was removed."""
    removed = []
    if not folder.is_dir() or folder.is_symlink():
        return removed
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            m = _TEMP.match(name)
            path = Path(dirpath) / name
            if m and not path.is_symlink() and not pid_alive(int(m.group(1))):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def sweep_folders(parent: Path, prefix: str, *, own: bool = False) -> list[Path]:
    """Remove `<prefix><pid>-*` folders in `parent` whose pid is gone (e.g. a TeX run's
    temporary folder left by a killed build). With `own`, this process's are left over too (the
    caller knows that nothing of it uses them any more). Returns what was removed."""
    removed = []
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-")
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(m.group(1))
        if not pid_alive(pid) or (own and pid == os.getpid()):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed
