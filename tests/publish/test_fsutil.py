"""docgen.publish.fsutil: atomic writes, and sweeping what a killed writer left behind."""

from __future__ import annotations

import os
import subprocess
import sys

from buildhelp import GOOD, write

from docgen.publish import build as pipeline
from docgen.publish.fsutil import atomic_write, pid_alive, sweep_folders, sweep_temporaries


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no such process now (pids are not reused this quickly)


def test_atomic_write_names_its_temporary_file_with_its_pid(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write(tmp_path / "a.md", "x")
    assert seen and seen[0].startswith(f".a.md.{os.getpid()}-") and seen[0].endswith(".tmp")
    assert (tmp_path / "a.md").read_text() == "x"


def test_a_dead_writers_temporary_files_are_swept(tmp_path):
    dead = _dead_pid()
    assert not pid_alive(dead) and pid_alive(os.getpid())
    (tmp_path / "sub").mkdir()
    left = tmp_path / "sub" / f".a.md.{dead}-x1y2.tmp"
    live = tmp_path / "sub" / f".b.md.{os.getpid()}-z3.tmp"  # another run writing right now
    mine = tmp_path / "notes.tmp"  # not a name atomic_write makes
    for p in (left, live, mine):
        p.write_text("half")
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    assert sweep_temporaries(tmp_path) == [left]
    assert not left.exists() and live.exists() and mine.exists()


def test_a_dead_builds_tex_folders_are_swept(tmp_path):
    dead = _dead_pid()
    old = tmp_path / f"docgen-tex-{dead}-abc"
    now = tmp_path / f"docgen-tex-{os.getpid()}-def"
    other = tmp_path / "docgen-tex-notapid"
    for d in (old, now, other):
        d.mkdir()
        (d / "x.tex").write_text("x")
    assert sweep_folders(tmp_path, "docgen-tex-") == [old]
    assert not old.exists() and now.is_dir() and other.is_dir()
    # publish's own leftovers: this process's folders count as left over when it says so
    assert sweep_folders(tmp_path, "docgen-tex-", own=True) == [now]
    assert not now.exists() and other.is_dir()


def test_the_next_build_sweeps_the_output_folder(tmp_path):
    src = write(tmp_path / "src", "good.yaml", GOOD)
    out = tmp_path / "out"
    pipeline.build([str(src)], {"md"}, out)
    folder = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    left = folder / f".{folder.name}.md.{_dead_pid()}-k1ll.tmp"
    left.write_text("half-written by a killed build")
    (folder / f"{folder.name}.md").unlink()  # something to write
    pipeline.build([str(src)], {"md"}, out)
    assert not left.exists()
