"""Fixtures of the integration tests: the entry points that pyproject.toml declares, visible to
this process and to `mkdocs` subprocesses, and a small MkDocs site in tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from buildhelp import ROOT, need_katex


@pytest.fixture(scope="session")
def entry_points(tmp_path_factory) -> Path:
    """A folder holding a distribution's metadata with the entry points of pyproject.toml, so
    that `extensions=["docgen"]` and `plugins: [docgen]` find docgen from this checkout (the
    installed copy of docgen may predate them)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    folder = tmp_path_factory.mktemp("entry-points")
    meta = folder / "docgen_entry_points-0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: docgen-entry-points\nVersion: 0\n")
    groups = project["entry-points"]
    (meta / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in eps.items()) + "\n"
        for group, eps in groups.items()))
    return folder


@pytest.fixture
def with_entry_points(entry_points, monkeypatch):
    """This process sees the entry points (Python-Markdown caches its list: cleared around)."""
    import markdown.util

    monkeypatch.syspath_prepend(str(entry_points))
    markdown.util.get_installed_extensions.cache_clear()
    yield
    markdown.util.get_installed_extensions.cache_clear()


def write(folder: Path, rel: str, text: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def make_site(folder: Path, pages: dict[str, str], plugin: str = "  - docgen\n",
              derivations: tuple[str, ...] = ("sum-exp-gradient.yaml",)) -> Path:
    """mkdocs.yml with the plugin, the pages (docs/<name>), and copies of derivation files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mkdocs.yml").write_text("site_name: Notes\nplugins:\n" + plugin, encoding="utf-8")
    for name, text in pages.items():
        write(folder, f"docs/{name}", text)
    for name in derivations:
        (folder / "derivations").mkdir(exist_ok=True)
        shutil.copy(ROOT / "derivations" / name, folder / "derivations" / name)
    return folder


def mkdocs_build(folder: Path, entry_points: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` in `folder`, importing docgen from this checkout."""
    need_katex()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(entry_points)])
    env["SOURCE_DATE_EPOCH"] = "0"  # MkDocs stamps its build date on the home page otherwise
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)
