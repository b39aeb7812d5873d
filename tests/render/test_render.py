"""Rendering: every template renders every derivation; safety; stability (escaping per format:
test_escape.py)."""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path

import markdown
import pytest
from renderhelp import FIRST_LONGER, FORMATS, make

from docgen.model.errors import DocgenError
from docgen.read.load import load_file
from docgen.render.render import make_env, render_document
from docgen.read.spec import build_derivation
from docgen.run.verify import load_corpus, verify

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus():
    corpus = load_corpus([str(ROOT / "derivations")])
    assert not corpus.errors, [str(e) for e in corpus.errors]
    results = verify(corpus.derivations)
    return results, {r.derivation.id: r.derivation.title for r in results}


# -- every template x every derivation ----------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_derivation_renders(corpus, fmt):
    results, refs = corpus
    assert results, "no derivations in derivations/"
    for res in results:
        out = render_document(res, fmt, refs=refs, draft=not res.passed)
        assert res.derivation.id in out or res.derivation.title.split()[0] in out
        for part in res.derivation.parts:
            assert len(part.steps) >= 1


def test_every_derivation_shows_every_step_number(corpus):
    results, refs = corpus
    for res in results:
        if not res.passed:
            continue
        tex = render_document(res, "latex", refs=refs)
        for pi, part in enumerate(res.derivation.parts):
            for k in range(1, len(part.steps) + 1):
                number = str(k) if len(res.derivation.parts) == 1 else f"{pi + 1}.{k}"
                assert f"\\tag{{{number}}}" in tex


# -- the HTML page ----------------------------------------------------------------------------
def test_html_lang_charset_katex_css(tmp_path):
    out = render_document(make(tmp_path), "html")
    assert '<html lang="en">' in out and '<meta charset="utf-8">' in out
    assert 'href="katex/katex.min.css"' in out
    assert "<script" not in out and "http://" not in out and "https://" not in out


# -- markdown formulas survive markdown + arithmatex byte for byte ---------------------------
def _md_to_html(text: str) -> str:
    from pymdownx.arithmatex import arithmatex_fenced_format

    return markdown.markdown(text, extensions=["pymdownx.superfences", "pymdownx.arithmatex"],
                             extension_configs={
                                 "pymdownx.arithmatex": {"generic": True},
                                 "pymdownx.superfences": {"custom_fences": [
                                     {"name": "math", "class": "arithmatex",
                                      "format": arithmatex_fenced_format(mode="generic")}]}})


def test_markdown_formulas_kept(corpus):
    results, refs = corpus
    for res in results:
        md = render_document(res, "md", refs=refs, draft=not res.passed)
        inline = re.findall(r"\$`(.+?)`\$", md)
        blocks = re.findall(r"```math\n(.*?)\n```", md, re.S)
        assert blocks
        out = _md_to_html(md)
        got_inline = [html.unescape(m) for m in re.findall(r"\$<code>(.*?)</code>\$", out, re.S)]
        got_blocks = [html.unescape(m).strip() for m in
                      re.findall(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', out, re.S)]
        assert got_inline == inline
        assert got_blocks == [b.strip() for b in blocks]


# -- determinism and stable anchors ----------------------------------------------------------
def test_two_renders_identical(corpus):
    results, refs = corpus
    for res in results:
        for fmt in FORMATS:
            a = render_document(res, fmt, refs=refs, draft=True)
            b = render_document(res, fmt, refs=refs, draft=True)
            assert a == b


def _anchors(text: str) -> list[str]:
    return re.findall(r'id="(eq-second-\d+)"', text)


def test_anchors_stable_when_a_step_is_added_elsewhere(tmp_path):
    a = make(tmp_path, name="a.yaml")
    b = make(tmp_path, name="b.yaml", first=FIRST_LONGER)
    ha, hb = render_document(a, "html"), render_document(b, "html")
    assert _anchors(ha) == _anchors(hb) == ["eq-second-1", "eq-second-2"]
    ta, tb = render_document(a, "latex"), render_document(b, "latex")
    tags = re.compile(r"\\tag\{(2\.\d+)\}\\label\{(eq-second-\d+)\}")
    assert tags.findall(ta) == tags.findall(tb) == [("2.1", "eq-second-1"), ("2.2", "eq-second-2")]


# -- math renderer hook, drafts, templates ---------------------------------------------------
def test_math_to_html_called_once_with_every_formula(tmp_path):
    calls = []

    def fake(items):
        calls.append(items)
        return [f"<m>{i}</m>" for i, _ in enumerate(items)]

    out = render_document(make(tmp_path), "html", math_to_html=fake)
    assert len(calls) == 1 and calls[0]
    assert all(isinstance(t, str) and isinstance(d, bool) for t, d in calls[0])
    assert f"<m>{len(calls[0]) - 1}</m>" in out and "\ue000" not in out
    assert any(r"\operatorname{diag}(\vec{s}) - \vec{s} \vec{s}^{\top}" in t for t, _ in calls[0])


def test_html_without_renderer_keeps_tex_placeholders(tmp_path):
    out = render_document(make(tmp_path), "html")
    assert r'<span class="math">\(\alpha\)</span>' in out


def test_failed_derivation_needs_draft(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent("""
        id: bad
        title: Bad
        dims:
          n: {sizes: [2], numeric: 3}
        symbols:
          x: {shape: [n]}
        claim: D(sum(x * x), x) = x
        steps:
          - x
    """), encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert not res.passed
    with pytest.raises(DocgenError, match="does not verify"):
        render_document(res, "html")
    for fmt in FORMATS:
        out = render_document(res, fmt, draft=True)
        assert "DRAFT" in out
    html_out = render_document(res, "html", draft=True)
    assert 'class="step failed"' in html_out and "counterexample" in html_out


def test_user_templates_override(tmp_path):
    (tmp_path / "markdown").mkdir()
    (tmp_path / "markdown" / "document.md.j2").write_text("custom {{ doc.title }}\n", encoding="utf-8")
    out = render_document(make(tmp_path), "md", templates=tmp_path)
    assert out == "custom Test\n"


def test_strict_undefined(tmp_path):
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "document.html.j2").write_text("{{ doc.nope }}", encoding="utf-8")
    with pytest.raises(DocgenError, match="template"):
        render_document(make(tmp_path), "html", templates=tmp_path)


def test_latex_delimiters_do_not_clash_with_braces():
    env = make_env("latex")
    assert env.from_string(r"\frac{<< a >>}{2}<% if b %>{x}<% endif %>").render(a="1", b=True) == r"\frac{1}{2}{x}"


def test_citation_links(tmp_path):
    res = make(tmp_path)
    # a citation is rendered per format; build a step citing another id by hand
    from dataclasses import replace

    der = res.derivation
    part = der.parts[1]
    steps = (replace(part.steps[0], by="softmax-jacobian"),) + part.steps[1:]
    der2 = replace(der, parts=(der.parts[0], replace(part, steps=steps)))
    res2 = replace(res, derivation=der2)
    refs = {"softmax-jacobian": "Softmax"}
    assert '<a class="cite" href="../softmax-jacobian/softmax-jacobian.html">' in render_document(res2, "html", refs=refs)
    assert "[softmax-jacobian](../softmax-jacobian/softmax-jacobian.md)" in render_document(res2, "md", refs=refs)
    tex = render_document(res2, "latex", refs=refs)
    # the id links to the cited note's PDF and may break after its hyphen; [n] to the list
    assert (r"\href{../softmax-jacobian/softmax-jacobian.pdf}{\texttt{softmax-\allowbreak{}jacobian}}"
            r"~[\ref{cite:softmax-jacobian}]") in tex
    assert r"\label{cite:softmax-jacobian}" in tex


BARE = """\
id: bare
title: A bare identity
language: en
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  x: {shape: [n]}
  A: {shape: [n, n], assume: [constant]}
claim: D(x.T @ A @ x, x) = (A + A.T) @ x
example:
  sizes: {n: 2}
  values: {x: [1, -2], A: [[2, 1], [0, 3]]}
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bare_identity_shows_its_verdict_with_evidence_and_no_empty_chain(tmp_path, fmt):
    path = tmp_path / "bare.yaml"
    path.write_text(BARE, encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert res.passed and [link.kind for link in res.links] == ["claim"]
    text = render_document(res, fmt)
    # the claim's own evidence, worded for the reader, in the appendix
    assert "every size in index notation (symbolic sums, Kronecker deltas)" in text
    assert "exact at" in text and "proven for all sizes" in text
    # no chain of steps: no align/aligned block and no steps table; the example shows the
    # claim with its value, 2 and -11
    assert "\\begin{align}" not in text and 'class="chain"' not in text
    assert text.count("\\begin{aligned}") == 0
    assert "-11" in text
