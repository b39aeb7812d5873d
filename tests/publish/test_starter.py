"""`docgen init`: a new notes repository that works at once, and nothing of an old one lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from buildhelp import need_katex

from docgen.cli import main
from docgen.model.errors import DocgenError
from docgen.publish.starter import EXAMPLE, init
from docgen.read.schema import schema

DOCGEN = [sys.executable, "-m", "docgen"]


def test_init_writes_a_repository_whose_example_verifies(tmp_path):
    report = init(tmp_path / "notes")
    root = tmp_path / "notes"
    assert sorted(map(str, report.created)) == sorted([
        f"derivations/{EXAMPLE}", "derivations/derivation.schema.json", "Makefile",
        ".vscode/settings.json", ".gitignore"])
    # the schema beside the files is docgen's own, and the example's first line names it
    assert json.loads((root / "derivations/derivation.schema.json").read_text()) == schema()
    first = (root / "derivations" / EXAMPLE).read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=derivation.schema.json"
    settings = json.loads((root / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"] == {"derivations/derivation.schema.json": "derivations/*.yaml"}
    assert {"out/", "site/", ".docgen-cache/"} <= set((root / ".gitignore").read_text().split())
    proc = subprocess.run([*DOCGEN, "verify", "-v", "derivations"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 0 failed" in proc.stdout and "proven for all sizes" in proc.stdout


def test_init_never_overwrites_and_only_adds_missing_gitignore_lines(tmp_path):
    (tmp_path / "derivations").mkdir()
    (tmp_path / "Makefile").write_text("all:\n\techo mine\n")
    (tmp_path / "derivations" / EXAMPLE).write_text("id: my-own\n")
    (tmp_path / ".gitignore").write_text("*.pyc\nout/")  # no newline at the end
    report = init(tmp_path)
    assert (tmp_path / "Makefile").read_text() == "all:\n\techo mine\n"
    assert (tmp_path / "derivations" / EXAMPLE).read_text() == "id: my-own\n"
    assert {str(p) for p, _ in report.kept} == {"Makefile", f"derivations/{EXAMPLE}"}
    assert "docgen verify derivations" in dict((str(p), a) for p, a in report.kept)["Makefile"]
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\nout/\n# docgen\nsite/\n.docgen-cache/\n"
    assert [str(p) for p in report.extended] == [".gitignore"]
    again = init(tmp_path)  # a second run changes nothing
    assert not again.created and not again.extended
    assert {str(p) for p in again.present} == {"derivations/derivation.schema.json",
                                                ".vscode/settings.json"}


def test_init_refuses_a_file_where_a_folder_goes(tmp_path):
    (tmp_path / "derivations").write_text("not a folder")
    with pytest.raises(DocgenError, match="derivations: exists and is not a folder"):
        init(tmp_path)
    assert (tmp_path / "derivations").read_text() == "not a folder"
    assert not (tmp_path / "Makefile").exists()  # refused before writing anything


def test_init_command_says_what_it_did_and_what_next(tmp_path, capsys):
    assert main(["init", str(tmp_path / "n")]) == 0
    out = capsys.readouterr().out
    assert f"created {tmp_path / 'n' / 'Makefile'}" in out
    assert out.splitlines()[-1].startswith(f"next: cd {tmp_path / 'n'} && docgen verify derivations")
    (tmp_path / "f").write_text("")
    assert main(["init", str(tmp_path / "f")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_the_starter_makefile_verifies_and_builds(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make")
    need_katex()
    init(tmp_path)
    docgen = f"{sys.executable} -m docgen"
    proc = subprocess.run(["make", "--no-print-directory", f"DOCGEN={docgen}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("1 verified, built 1 note (html, md) into out/")
    stem = Path(EXAMPLE).stem
    html = next((tmp_path / "out").rglob(f"{stem}.html")).read_text()
    assert 'class="katex' in html
    assert next((tmp_path / "out").rglob(f"{stem}.md")).is_file()
    (tmp_path / "derivations" / EXAMPLE).write_text(
        (tmp_path / "derivations" / EXAMPLE).read_text().replace("- expr: x.T @ A.T @ d(x)", "- expr: x.T @ A @ d(x)"))  # a dropped ᵀ
    bad = subprocess.run(["make", "--no-print-directory", "verify", f"DOCGEN={docgen}"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert bad.returncode != 0 and f"{EXAMPLE}:21:11: step 2: failed" in bad.stdout
