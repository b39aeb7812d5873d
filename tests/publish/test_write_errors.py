"""Outputs that cannot be written (a full disk, a read-only or forbidden folder): a message that
names the path and the system's reason, exit 2, no traceback, and nothing half-written.

The tests run as root here, where permissions do not stop a write: a full disk (ENOSPC) and a
read-only file system (EROFS) are simulated by making one system call fail; a real read-only
folder is used only when not running as root."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from buildhelp import GOOD, need_katex, write

from docgen import cli
from docgen.model.errors import DocgenError
from docgen.publish import fsutil
from docgen.publish.fsutil import WriteError, atomic_write


def fail(monkeypatch, module, name: str, code: int) -> None:
    """Make `module.name` raise OSError(code), as the system would."""
    def raiser(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(module, name, raiser)


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic_write (".<name>.<random>.tmp") under `folder`."""
    return sorted(str(p) for p in folder.rglob("*.tmp"))


@pytest.mark.parametrize("call, code", [
    ("fsync", errno.ENOSPC),    # the data does not fit
    ("replace", errno.EROFS),   # the rename into place
    ("fchmod", errno.EACCES),
])
def test_atomic_write_names_the_path_and_leaves_the_old_file(tmp_path, monkeypatch, call, code):
    target = tmp_path / "out" / "note.md"
    target.parent.mkdir()
    target.write_bytes(b"old bytes")
    fail(monkeypatch, fsutil.os, call, code)
    with pytest.raises(WriteError) as info:
        atomic_write(target, "new bytes, never seen whole or half")
    err = info.value
    assert isinstance(err, DocgenError) and isinstance(err, OSError) and err.exit_code == 2
    assert str(err) == f"cannot write {target}: {os.strerror(code)}"
    assert err.errno == code and err.filename == str(target)
    monkeypatch.undo()
    assert target.read_bytes() == b"old bytes"
    assert sorted(p.name for p in target.parent.iterdir()) == ["note.md"]


def test_atomic_write_into_a_folder_it_cannot_create(tmp_path, monkeypatch):
    fail(monkeypatch, fsutil.tempfile, "mkstemp", errno.EROFS)
    with pytest.raises(WriteError, match=r"cannot write .*note\.md: Read-only file system"):
        atomic_write(tmp_path / "out" / "note.md", "x")


def test_a_read_only_folder_for_real(tmp_path):
    """A real EACCES, no simulation: as root (CI, containers) the write is tried in a child
    process that has given up root for the `nobody` user id, since root writes anywhere."""
    base = Path(tempfile.mkdtemp(prefix="docgen-ro-"))  # reachable by any user, unlike tmp_path
    try:
        base.chmod(0o755)
        folder = base / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        if os.geteuid() != 0:
            with pytest.raises(WriteError, match="Permission denied"):
                atomic_write(folder / "note.md", "x")
        else:
            pid = os.fork()
            if pid == 0:  # the child: exit 0 only if the write was refused as expected
                code = 1
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    atomic_write(folder / "note.md", "x")
                except WriteError as exc:
                    code = 0 if "Permission denied" in str(exc) else 2
                except BaseException:
                    code = 3
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_build_on_a_full_disk_exits_2_naming_the_file(tmp_path, monkeypatch, capsys):
    write(tmp_path / "in", "right-gradient.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    fail(monkeypatch, fsutil.os, "fsync", errno.ENOSPC)
    code = cli.main(["build", "--no-cache", "--format", "md", "--out", "out", "in"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert "docgen: cannot write out/right-gradient/right-gradient.md: No space left on device" in err
    assert leftovers(tmp_path / "out") == []
    assert not (tmp_path / "out" / "right-gradient" / "right-gradient.md").exists()


def test_the_build_into_a_read_only_output_exits_2(tmp_path, monkeypatch, capsys):
    write(tmp_path / "in", "right-gradient.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):  # the file system under --out is mounted read-only
        if "out" in self.parts:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    code = cli.main(["build", "--no-cache", "--format", "md", "--out", "out", "in"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "cannot write out/right-gradient/right-gradient.md: Read-only file system" in err


def test_a_report_that_cannot_be_written_exits_2(tmp_path, monkeypatch, capsys):
    write(tmp_path / "in", "right-gradient.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    fail(monkeypatch, fsutil.os, "replace", errno.ENOSPC)
    code = cli.main(["verify", "--no-cache", "--format", "json", "-o", "report.json", "in"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "docgen: cannot write report.json: No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_publish_where_no_folder_can_be_made_exits_2(tmp_path, monkeypatch, capsys):
    """Before any page: the temporary site folder beside --out cannot be made (read-only)."""
    from docgen.publish import site

    write(tmp_path / "in", "right-gradient.yaml", GOOD)
    monkeypatch.chdir(tmp_path)

    def mkdtemp(*args, dir=None, **kwargs):  # noqa: A002
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))

    monkeypatch.setattr(site.tempfile, "mkdtemp", mkdtemp)
    code = cli.main(["publish", "--no-cache", "--format", "html,md", "--out", "site", "in"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"docgen: {tmp_path}: Read-only file system" in err
    assert not (tmp_path / "site").exists()


def test_publish_on_a_full_disk_exits_2_and_keeps_the_old_site(tmp_path, monkeypatch, capsys):
    need_katex()
    write(tmp_path / "in", "right-gradient.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    argv = ["publish", "--no-cache", "--format", "html,md", "--out", "site", "in"]
    assert cli.main(argv) == 0
    before = {str(p): p.read_bytes() for p in sorted((tmp_path / "site").rglob("*")) if p.is_file()}
    capsys.readouterr()
    write(tmp_path / "in", "right-gradient.yaml", GOOD.replace("By definition,", "Edited, by definition,"))
    fail(monkeypatch, fsutil.os, "fsync", errno.ENOSPC)
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "cannot write " in err and "No space left on device" in err
    monkeypatch.undo()
    after = {str(p): p.read_bytes() for p in sorted((tmp_path / "site").rglob("*")) if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "site"]  # no temporary site left


def test_mkstemp_is_what_atomic_write_uses():
    """The simulations above patch the calls atomic_write really makes."""
    import inspect

    source = inspect.getsource(atomic_write)
    for call in ("tempfile.mkstemp", "os.fchmod", "os.fsync", "os.replace", "mkdir"):
        assert call in source
    assert fsutil.tempfile is tempfile
