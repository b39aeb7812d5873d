"""The Makefile on a machine without TeX: `make` builds HTML and Markdown, says in one line
that PDFs were skipped and how to get them, ends with a one-line summary, and exits 0."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from buildhelp import GOOD, need_katex, write

ROOT = Path(__file__).resolve().parent.parent


def test_make_without_tex_builds_the_rest_and_says_how_to_get_pdfs(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make")  # the test suite itself is started by make
    if not (ROOT / ".venv" / "bin" / "python").is_file():
        pytest.skip("no .venv: run through `make test`")
    need_katex()
    src = write(tmp_path / "src", "good.yaml", GOOD).parent
    out = tmp_path / "out"
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "build", f"SRC={src}", f"OUT={out}",
         "LATEXMK=no-such-latexmk"],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("PDFs skipped")]
    assert len(skipped) == 1 and "make deps" in skipped[0] and "texlive-xetex" in skipped[0]
    assert "PDF output needs TeX Live" not in proc.stdout + proc.stderr
    summary = [line for line in lines if " verified, built " in line]
    assert len(summary) == 1 and summary[0].startswith(f"1 verified, built 1 note (latex, html, md) into {out}/: ")
    assert lines[-1] == summary[0] or lines[-1] == skipped[0]  # nothing after the two lines
    built = {p.suffix for p in out.rglob("right-gradient.*")}
    assert built == {".tex", ".html", ".md"}
    # a second `make` does nothing: the stamp is up to date
    again = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "build", f"SRC={src}", f"OUT={out}",
         "LATEXMK=no-such-latexmk"],
        capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "built" not in again.stdout
