"""The MkDocs plugin (docgen/integrations/mkdocs_plugin.py) in real `mkdocs build --strict` runs
of small sites made in tmp_path: the rendered chain and its assets, a failing derivation and a
YAML error stopping the build with page:line, and one verification per build."""

from __future__ import annotations

import subprocess
import sys

import pytest

from buildhelp import ROOT, need_katex
from conftest import make_site, mkdocs_build
from docgen.model.errors import LoadError
from docgen.read.load import load_file

INLINE_PAGE = """\
---
title: Inline
---
# An inline derivation

```derivation
id: sum-cited
title: The gradient again, citing the note
language: en
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n], description: "a vector <script>alert(1)</script>"}
claim: D(ones(n).T @ exp(x), x) = exp(x)
steps:
  - expr: exp(x)
    by: sum-exp-gradient
    note: "The other note's result. <script>alert(2)</script>"
example:
  sizes: {n: 3}
  values: {x: [0, 1, 2]}
```

Text after.
"""

REFERENCE_PAGE = """\
# By reference

```derivation
file: derivations/sum-exp-gradient.yaml
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory, entry_points):
    site = make_site(tmp_path_factory.mktemp("site"),
                     {"index.md": REFERENCE_PAGE, "inline.md": INLINE_PAGE})
    run = mkdocs_build(site, entry_points)
    return site, run


def test_the_site_builds_with_the_rendered_chain(built):
    site, run = built
    assert run.returncode == 0, run.stderr
    inline = (site / "site" / "inline" / "index.html").read_text("utf-8")
    reference = (site / "site" / "index.html").read_text("utf-8")
    assert '<div class="docgen" id="docgen-sum-cited"' in inline
    assert '<div class="docgen" id="docgen-sum-exp-gradient"' in reference
    for page in (inline, reference):
        assert 'class="katex"' in page and "katex-error" not in page
        assert 'href="../assets/docgen/katex/katex.min.css"' in page or \
            'href="assets/docgen/katex/katex.min.css"' in page
    assert 'title="proven for all sizes"' in inline  # verdict marks, the verdict on hover
    assert 'title="对所有维数成立"' in reference
    assert 'class="mord amsrm">✓</span>' in inline  # the tick in KaTeX's AMS font
    assert "7.3891" in inline and "2.7183" in inline  # the example: exp(0, 1, 2)
    assert "4.0862" in reference
    assert "<p>Text after.</p>" in inline
    assert "<script" not in inline.split('<div class="docgen"')[1].split("Text after")[0]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in inline


def test_the_assets_are_in_the_site(built):
    site, run = built
    assets = site / "site" / "assets" / "docgen"
    assert (assets / "katex" / "katex.min.css").stat().st_size > 10_000
    assert len(list((assets / "katex" / "fonts").glob("*.woff2"))) >= 10
    css = (assets / "docgen.css").read_text("utf-8")
    assert ".docgen table.chain" in css
    assert css == (ROOT / "templates" / "html" / "fragment.css").read_text("utf-8")


def test_a_second_build_is_byte_identical(built, entry_points):
    site, _ = built
    pages = ["index.html", "inline/index.html", "assets/docgen/docgen.css"]
    before = {p: (site / "site" / p).read_bytes() for p in pages}
    run = mkdocs_build(site, entry_points)
    assert run.returncode == 0, run.stderr
    assert {p: (site / "site" / p).read_bytes() for p in pages} == before


def test_a_failing_derivation_stops_the_build_with_page_line(tmp_path, entry_points):
    wrong = INLINE_PAGE.replace("- expr: exp(x)", "- expr: 2 * exp(x)").replace(
        'alert(2)</script>"\n', 'alert(2)</script>"\n  - exp(x)\n')
    site = make_site(tmp_path, {"index.md": REFERENCE_PAGE, "wrong.md": wrong})
    run = mkdocs_build(site, entry_points)
    assert run.returncode != 0
    # the block's fence is line 6 of the file (after 3 lines of front matter); the step line 16
    assert "docs/wrong.md:6: derivation sum-cited does not verify" in run.stderr
    assert "docs/wrong.md:16:11: step 1: failed" in run.stderr
    assert "exact witness at n = 2" in run.stderr and "left side" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_yaml_error_in_a_block_names_the_page_line(tmp_path, entry_points):
    broken = INLINE_PAGE.replace("symbols:", "symbols: [")
    site = make_site(tmp_path, {"broken.md": broken})
    run = mkdocs_build(site, entry_points)
    assert run.returncode != 0
    # the same YAML as a file of its own: its error is 6 lines up (3 of front matter, a
    # heading, a blank line and the fence come before the block's first line)
    body = broken.split("```derivation\n")[1].split("```")[0]
    (tmp_path / "alone.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(LoadError) as alone:
        load_file(tmp_path / "alone.yaml")
    where = alone.value.location
    assert where.line > 1
    expected = f"docs/broken.md:{where.line + 6}:{where.column}: {alone.value.message}"
    assert expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_one_verification_per_build(tmp_path, entry_points, monkeypatch):
    """Three blocks on three pages: verified in one call (on_files), not once per page."""
    need_katex()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = make_site(tmp_path, {"index.md": REFERENCE_PAGE, "inline.md": INLINE_PAGE,
                                "again.md": REFERENCE_PAGE.replace(
                                    "file: derivations/sum-exp-gradient.yaml",
                                    "id: sum-exp-gradient")})
    monkeypatch.syspath_prepend(str(entry_points))
    monkeypatch.chdir(site)
    config = load_config(str(site / "mkdocs.yml"))
    build(config)
    plugin = config.plugins["docgen"]
    assert plugin.session.verifications == 1
    assert len(plugin.session.fragments) == 3
    assert 'id="docgen-sum-exp-gradient"' in (site / "site" / "again" / "index.html").read_text()


def test_docgen_does_not_import_mkdocs():
    """MkDocs is only a test dependency: the command line and the Markdown extension run
    without it."""
    code = ("import sys, docgen.cli, docgen.integrations.mdext, docgen.integrations.session; "
            "print(any(m == 'mkdocs' or m.startswith('mkdocs.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    assert out.stdout.strip() == "False"


def test_every_option_is_documented():
    from docgen.integrations.mdext import DocgenExtension
    from docgen.integrations.mkdocs_plugin import DocgenConfig

    page = (ROOT / "docs" / "mkdocs.md").read_text("utf-8")
    names = {name for name, _ in DocgenConfig._schema} | set(DocgenExtension().config)
    missing = sorted(n for n in names if f"`{n}`" not in page)
    assert not missing, f"not in docs/mkdocs.md: {missing}"
