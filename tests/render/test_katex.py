"""KaTeX for HTML math (docgen/render/katex.py): the bundled KaTeX files, the engine choice,
both engines' HTML byte-identical, V8 kept out of docgen's own process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from buildhelp import DERIVATIONS, need

from docgen.model.errors import DocgenError
from docgen.publish import build as pipeline
from docgen.render import katex

ROOT = Path(__file__).resolve().parents[2]


def pinned_version() -> str:
    return json.loads((ROOT / "package.json").read_text("utf-8"))["dependencies"]["katex"]


def recorded() -> tuple[str, dict[str, str]]:
    """(version line, {path: sha256}) of katex_dist/SHA256SUMS."""
    first, *rest = (katex.DIST / "SHA256SUMS").read_text("utf-8").splitlines()
    sums = {}
    for line in rest:
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return first, sums


# -- the files shipped ---------------------------------------------------------------------------


def test_bundled_katex_is_the_pinned_version_and_matches_its_recorded_hashes():
    first, sums = recorded()
    assert first == f"# KaTeX {pinned_version()}"
    lock = json.loads((ROOT / "package-lock.json").read_text("utf-8"))
    assert lock["packages"]["node_modules/katex"]["version"] == pinned_version()
    on_disk = {p.relative_to(katex.DIST).as_posix() for p in katex.DIST.rglob("*") if p.is_file()}
    assert on_disk - {"SHA256SUMS"} == set(sums)
    assert {"LICENSE", "katex.min.js", "katex.min.css"} <= set(sums)
    fonts = [n for n in sums if n.startswith("fonts/")]
    assert len(fonts) == 20 and all(n.endswith(".woff2") for n in fonts)
    changed = [n for n, d in sums.items()
               if hashlib.sha256((katex.DIST / n).read_bytes()).hexdigest() != d]
    assert not changed, f"edited by hand (run `make vendor-katex`): {changed}"
    assert "MIT License" in (katex.DIST / "LICENSE").read_text("utf-8")


@pytest.mark.parametrize("engine", katex.ENGINES)
def test_each_engine_runs_the_pinned_katex(engine):
    """The version KaTeX itself reports in its answer is package.json's."""
    command = katex.engine_command(engine)
    if command is None:
        need(engine)  # only node can be missing: mini-racer is a dependency
    assert command is not None
    proc = subprocess.run(command, input=b'{"formulas": [["x", false]]}\n', capture_output=True,
                          timeout=120, check=True)
    answer = json.loads(proc.stdout)
    assert answer["version"] == pinned_version()
    assert 'class="katex"' in answer["results"][0]["html"]


def test_assets_are_the_bundled_css_and_woff2_fonts():
    files = katex.assets()
    _, sums = recorded()
    assert set(files) == {"katex.min.css"} | {n for n in sums if n.startswith("fonts/")}
    for name, data in files.items():
        assert hashlib.sha256(data).hexdigest() == sums[name]


# -- choosing the engine ---------------------------------------------------------------------


@pytest.fixture
def no_node(monkeypatch, tmp_path):
    """A PATH without node or nodejs."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("DOCGEN_KATEX_ENGINE", raising=False)
    katex.stop()
    yield
    katex.stop()


def without_mini_racer(monkeypatch):
    real = katex.importlib.util.find_spec
    monkeypatch.setattr(katex.importlib.util, "find_spec",
                        lambda name, *a: None if name == "py_mini_racer" else real(name, *a))


def test_without_node_mini_racer_renders(no_node):
    assert katex.engine_command("node") is None
    assert katex.choose_engine() == katex.configured_engine() == "mini-racer"
    html = katex.render_math([(r"\frac{a}{b}", True), (r"\text{中文} x", False)])
    assert 'class="katex-display"' in html[0] and 'class="katex"' in html[1]
    with pytest.raises(katex.KatexError, match=r"formula 1 rejected by KaTeX: .*\\frac\{a"):
        katex.render_math([("x", False), (r"\frac{a", True)])


def test_mini_racer_comes_first_when_both_are_installed(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "node"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.delenv("DOCGEN_KATEX_ENGINE", raising=False)
    assert katex.engine_command("node") == [str(fake), str(katex.RENDER_JS), str(katex.KATEX_JS)]
    assert katex.choose_engine() == "mini-racer"
    without_mini_racer(monkeypatch)
    assert katex.choose_engine() == "node"  # the fallback


def test_no_engine_is_one_clear_line(no_node, monkeypatch):
    without_mini_racer(monkeypatch)
    with pytest.raises(DocgenError) as info:
        katex.render_math([("x", False)])
    message = str(info.value)
    assert "\n" not in message
    assert "no JavaScript engine" in message and "mini-racer==0.14.1" in message
    assert "Node.js" in message


def test_the_engine_can_be_named_and_must_exist(no_node, monkeypatch):
    monkeypatch.setenv("DOCGEN_KATEX_ENGINE", "rhino")
    with pytest.raises(DocgenError, match=r"'rhino' is not a KaTeX engine: use one of "
                                          r"mini-racer, node$"):
        katex.configured_engine()
    monkeypatch.setenv("DOCGEN_KATEX_ENGINE", "node")
    with pytest.raises(DocgenError, match=r"^DOCGEN_KATEX_ENGINE=node is not installed"):
        katex.render_math([("x", False)])
    monkeypatch.setenv("DOCGEN_KATEX_ENGINE", "mini-racer")
    assert katex.configured_engine() == "mini-racer"


def test_v8_never_runs_inside_docgens_process(no_node):
    """docgen forks checking workers: V8 must live in its own process, not be imported here."""
    katex.render_math([("x^2", False)], "mini-racer")
    assert "py_mini_racer" not in sys.modules
    proc = katex._ENGINES[(os.getpid(), "mini-racer")].proc
    assert proc.pid != os.getpid() and proc.poll() is None
    katex.stop()
    assert proc.poll() is not None  # ended with stop()


def test_a_dead_engine_is_one_line_naming_it(no_node):
    katex.start("mini-racer")
    engine = katex._ENGINES[(os.getpid(), "mini-racer")]
    engine.proc.kill()
    engine.proc.wait()
    with pytest.raises(DocgenError, match=r"^KaTeX \(mini-racer\) failed"):
        engine.ask(b'{"formulas": []}')
    katex.render_math([("x", False)])  # the next call starts a new one


def test_an_engine_that_cannot_start_says_why_in_one_line(no_node, monkeypatch):
    crash = [sys.executable, "-c", "import sys; print('first', file=sys.stderr); "
             "sys.exit('ModuleNotFoundError: no module named py_mini_racer')"]
    monkeypatch.setattr(katex, "engine_command", lambda engine: crash)
    with pytest.raises(DocgenError) as info:
        katex.render_math([("x", False)], "mini-racer")
    assert str(info.value) == ("KaTeX (mini-racer) failed: first | "
                               "ModuleNotFoundError: no module named py_mini_racer")


# -- both engines give the same bytes ------------------------------------------------------------


@pytest.fixture(scope="module")
def library_formulas(tmp_path_factory) -> list[list[tuple[str, bool]]]:
    """The formulas (batches as the build sends them) of the HTML of softmax-jacobian and the
    notes it cites."""
    batches: list[list[tuple[str, bool]]] = []
    real = katex.render_math

    def recording(formulas, engine=None):
        batches.append(list(formulas))
        return real(formulas, engine)

    tmp = tmp_path_factory.mktemp("formulas")
    mp = pytest.MonkeyPatch()
    mp.setattr(katex, "render_math", recording)
    try:
        pipeline.build([str(DERIVATIONS / "softmax-jacobian.yaml")], {"html"}, tmp / "out",
                       cache=tmp / "cache")
    finally:
        mp.undo()
    assert sum(map(len, batches)) > 100
    return batches


def test_node_and_mini_racer_give_byte_identical_html(library_formulas):
    need("node")
    try:
        for batch in library_formulas:
            assert katex.render_math(batch, "node") == katex.render_math(batch, "mini-racer")
    finally:
        katex.stop()
