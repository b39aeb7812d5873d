"""`pip install` gives a complete docgen: the sdist and the wheel built from it carry the default
templates and KaTeX, and the installed command builds HTML (math by KaTeX, no Node) and Markdown
for notes outside the repository, in a fresh venv whose PATH has no node.

Slow (about 40 s: build the sdist and the wheel, install the wheel and its pinned dependencies
into a new venv with pip, which uses its cache or the network, then build two notes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from buildhelp import DERIVATIONS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIST = ROOT / "docgen" / "render" / "katex_dist"
# what the sdist is made from (MANIFEST.in): copied, so that building writes nothing here
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "package.json",
           "package-lock.json", "docgen", "templates"]
NOTES = ["sum-exp-gradient.yaml", "logsumexp-gradient.yaml"]  # the second cites the first


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run `cmd`; PYTHONPATH (which may point at this checkout) never reaches pip or the venv."""
    kw.setdefault("env", {k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n" \
                                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The sdist, and the wheel `python -m build` makes from it."""
    tmp = tmp_path_factory.mktemp("dist")
    src = tmp / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    run([sys.executable, "-m", "build", "--outdir", str(tmp / "out"), str(src)])
    found = {p.suffix: p for p in (tmp / "out").iterdir()}
    assert set(found) == {".gz", ".whl"}, found
    return {"sdist": found[".gz"], "wheel": found[".whl"]}


def test_the_wheel_and_the_sdist_carry_templates_and_katex(dists):
    templates = files_under(ROOT / "templates")
    katex = files_under(KATEX_DIST)
    assert "markdown/document.md.j2" in templates and "katex.min.js" in katex
    assert "SHA256SUMS" in katex and "LICENSE" in katex
    assert len([k for k in katex if k.startswith("fonts/")]) == 20
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = set(whl.namelist())
        assert {f"docgen/templates/{t}" for t in templates} <= names
        assert {f"docgen/render/katex_dist/{k}" for k in katex} <= names
        assert {"docgen/render/katex_render.js", "docgen/render/katex_v8.py"} <= names
        assert not any(n.startswith("templates/") for n in names)
        assert whl.read("docgen/render/katex_dist/katex.min.js") == \
            (KATEX_DIST / "katex.min.js").read_bytes()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        assert "Requires-Dist: mini-racer==0.14.1" in whl.read(meta).decode()
    with tarfile.open(dists["sdist"]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        names = set(sdist.getnames())
    assert {f"{top}/templates/{t}" for t in templates} <= names
    assert {f"{top}/docgen/render/katex_dist/{k}" for k in katex} <= names


def test_installed_docgen_builds_html_and_markdown_without_node(dists, tmp_path):
    started = time.monotonic()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    # the project's pip installs into the new venv (no pip of its own to set up); --no-compile
    # saves ~30 s of compiling all of SymPy: the import below compiles what docgen uses
    run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-compile", "--disable-pip-version-check", str(dists["wheel"])])
    installed = time.monotonic() - started

    bin_dir = tmp_path / "bin"  # PATH: an empty folder, then the venv's own bin/
    bin_dir.mkdir()
    path = f"{bin_dir}{os.pathsep}{venv / 'bin'}"
    assert shutil.which("node", path=path) is None and shutil.which("nodejs", path=path) is None
    work = tmp_path / "work"  # outside the repository
    (work / "notes").mkdir(parents=True)
    for name in NOTES:
        shutil.copy2(DERIVATIONS / name, work / "notes" / name)
    env = {"PATH": path, "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    python = str(venv / "bin" / "python")

    where = run([python, "-c", "import docgen, docgen.render.resources as r, docgen.check.checker, "
                 "docgen.publish.build, docgen.render.render; "
                 "print(docgen.__file__); print(r.package_templates())"],
                cwd=work, env=env).stdout.split()
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
        / "site-packages" / "docgen"
    assert where == [str(site / "__init__.py"), str(site / "templates")]

    proc = run([str(venv / "bin" / "docgen"), "build", "notes", "--format", "html,md",
                "--out", "out"], cwd=work, env=env)
    assert proc.stdout.startswith("2 verified, built 2 notes (html, md) into out/"), proc.stdout
    out = work / "out"
    for name in NOTES:
        did = name.removesuffix(".yaml")
        page = (out / did / f"{did}.html").read_text("utf-8")
        assert 'class="katex"' in page and "katex-error" not in page
        assert 'href="katex/katex.min.css"' in page
        assert (out / did / "katex" / "katex.min.css").read_bytes() == \
            (KATEX_DIST / "katex.min.css").read_bytes()
        assert len(list((out / did / "katex" / "fonts").glob("*.woff2"))) == 20
        md = (out / did / f"{did}.md").read_text("utf-8")
        assert md.startswith("# ") and "```math" in md
    cited = (out / "logsumexp-gradient" / "logsumexp-gradient.html").read_text("utf-8")
    assert "../sum-exp-gradient/sum-exp-gradient.html" in cited
    total = time.monotonic() - started
    print(f"install {installed:.1f} s, install + build {total:.1f} s")


def test_installed_docgen_starts_a_notes_repository_and_checks_it(dists, tmp_path):
    """What the README tells a new user: pip install, docgen init, verify, build; pytest and the
    Markdown extension find docgen through their entry points."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-compile", "--disable-pip-version-check", str(dists["wheel"]),
         "pytest==9.2.0"])
    path = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    env = {"PATH": path, "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    notes = tmp_path / "my-notes"
    docgen = str(venv / "bin" / "docgen")
    # installed without compiling (see above): one import compiles what the checks use, so that
    # no worker spends its time budget compiling SymPy
    run([str(venv / "bin" / "python"), "-c", "import docgen.check.checker, docgen.check.example, "
         "docgen.publish.build, docgen.render.render, docgen.integrations.pytest_plugin"], env=env)
    out = run([docgen, "init", str(notes)], env=env).stdout
    assert "created" in out and (notes / "derivations" / "derivation.schema.json").is_file()
    assert "1 passed, 0 failed" in run([docgen, "verify", "derivations"], cwd=notes, env=env).stdout
    built = run([docgen, "build", "derivations", "--format", "html,md", "--out", "out"],
                cwd=notes, env=env).stdout
    assert built.startswith("1 verified, built 1 note (html, md) into out/")
    tests = run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "derivations"], cwd=notes, env=env).stdout
    assert "6 passed" in tests  # 3 steps, the identification, the claim and the example
    md = run([str(venv / "bin" / "python"), "-c",
              "import markdown; print(markdown.markdown('```derivation\\n"
              "file: derivations/quadratic-form-gradient.yaml\\n```', extensions=['docgen']))"],
             cwd=notes, env=env).stdout
    assert 'class="katex' in md and "docgen" in md
