"""The package layout shows the pipeline: every import of docgen's own modules points down it.

Stages, lowest first: model, lang, read, check, run, render, publish, integrations (the
Markdown extension, the MkDocs plugin and the pytest plugin), then the command line
(cli, __main__). A module may import its own stage and any stage below it, never one above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "docgen"
STAGES = ["model", "lang", "read", "check", "run", "render", "publish", "integrations"]
TOP = len(STAGES)  # cli.py, __main__.py


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> list[str]:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _rank(dotted: list[str]) -> int | None:
    """The stage of a docgen module name ['docgen', 'check', 'exact'], None for the package root."""
    if len(dotted) < 2:
        return None
    if dotted[1] in STAGES:
        return STAGES.index(dotted[1])
    return TOP


def _imports(path: Path) -> list[tuple[int, list[str]]]:
    """(line, imported docgen module or package) for every import of docgen in the file,
    including imports inside functions."""
    here = _dotted(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")) for a in node.names
                      if a.name.split(".")[0] == "docgen"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
            elif (node.module or "").split(".")[0] == "docgen":
                base = []
            else:
                continue
            target = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.append((node.lineno, target))
            # `from . import x` / `from ..check import verdict`: the names may be modules
            for alias in node.names:
                sub = PACKAGE.parent.joinpath(*target, alias.name)
                if sub.with_suffix(".py").is_file() or sub.is_dir():
                    found.append((node.lineno, target + [alias.name]))
            if not node.module:
                found.append((node.lineno, target))
    return found


def test_the_stages_are_folders():
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert init.is_file(), stage
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc and "may import" in doc.lower(), \
            f"docgen/{stage}/__init__.py: its docstring says what the stage may import"
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "cli.py", "terminal.py"], flat


def test_no_import_points_up_the_pipeline():
    wrong = []
    for path in _modules():
        rank = _rank(_dotted(path))
        for line, target in _imports(path):
            other = _rank(target)
            if rank is not None and other is not None and other > rank:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: imports "
                             f"{'.'.join(target)} (a later stage)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source, ok", [
    ("from ..publish.build import build\n", False),
    ("from ..render import katex\n", False),
    ("import docgen.run.cache\n", False),
    ("from docgen.check import verdict\n", True),
    ("from ..model.expr import Node\n", True),
    ("from .. import __version__\n", True),
])
def test_the_walker_sees_an_upward_import(tmp_path, monkeypatch, source, ok):
    """The check above can fail: an upward import written into a check-stage module is found."""
    pkg = tmp_path / "docgen"
    for stage in STAGES:
        (pkg / stage).mkdir(parents=True)
        (pkg / stage / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    for rel in ["publish/build.py", "render/katex.py", "run/cache.py", "check/verdict.py",
                "model/expr.py"]:
        (pkg / rel).write_text("")
    mod = pkg / "check" / "probe.py"
    mod.write_text(source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    rank = _rank(_dotted(mod))
    ranks = [_rank(t) for _, t in _imports(mod)]
    assert ranks and all(r is None or r <= rank for r in ranks) is ok
