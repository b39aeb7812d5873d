"""The chain-first documents: one mark per step, the evidence in an appendix in the note's
language, a numeric example that prints each value once with fixed decimals, drafts with the
counterexample as mathematics, and every Markdown formula accepted by KaTeX."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from buildhelp import need_katex
from markdownhelp import parser
from renderhelp import FORMATS

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.render import evidence
from docgen.render.render import render_document
from docgen.run.verify import load_corpus, verify

ROOT = Path(__file__).resolve().parents[2]

BAD = """\
id: bad-quad
title: A wrong quadratic form
language: {lang}
dims:
  n: {{sizes: [2, 3], numeric: 4}}
symbols:
  x: {{shape: [n]}}
  A: {{shape: [n, n], assume: [constant]}}
claim: D(x.T @ A @ x, x) = (A + A.T) @ x
method: differential
steps:
  - expr: d(x).T @ A @ x + x.T @ A @ d(x)
    by: product-rule
  - expr: x.T @ A @ d(x) + x.T @ A @ d(x)
    by: transpose
  - expr: ((A + A.T) @ x).T @ d(x)
    by: algebra
example:
  sizes: {{n: 2}}
  values: {{x: [1, -2], A: [[2, 1], [0, 3]]}}
"""


@pytest.fixture(scope="module")
def library():
    corpus = load_corpus([str(ROOT / "derivations")])
    results = {r.derivation.id: r for r in verify(corpus.derivations)}
    refs = {i: r.derivation.title for i, r in results.items()}
    return results, refs


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    out = {}
    for lang in ("en", "zh"):
        path = folder / f"bad-{lang}.yaml"
        path.write_text(BAD.format(lang=lang), encoding="utf-8")
        (res,) = verify([build_derivation(load_file(path))])
        assert not res.passed
        out[lang] = res
    return out


# -- marks and the appendix ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_one_mark_per_step_and_the_evidence_in_the_appendix(library, fmt):
    results, refs = library
    out = render_document(results["softmax-jacobian"], fmt, refs=refs)
    # 7 steps and the claim carry AMS's tick with ∀ (in the chain), plus the legend and the
    # appendix's entries; no ✓ character from a text font anywhere
    assert out.count(r"\checkmark_{\forall}") >= 8 + 1
    assert "✓" not in out
    assert "本文的验证" in out and "How this note was checked" not in out
    # the checker's English is worded in Chinese, its sizes as mathematics
    assert "exact normal form" not in out and "cross-checked" not in out
    assert "用指标记号对任意维数证明" in out and r"n \in \{2, 3, 4\}" in out
    # evidence shared by steps (1)-(6) is one entry of the appendix
    assert "(1)–(6)" in out


def test_the_chain_reads_before_the_commentary(library):
    results, refs = library
    tex = render_document(results["softmax-jacobian"], "latex", refs=refs)
    chain = tex.index(r"\begin{align}")
    notes = tex.index(r"\begin{docgennotes}")
    assert chain < notes and r"\docgenmark{proven-all}{check-main-1}" in tex[chain:notes]
    page = render_document(results["softmax-jacobian"], "html", refs=refs)
    assert page.index('class="chain"') < page.index('class="commentary"') < page.index('id="checked"')
    assert 'href="#check-main-1" title="对所有维数成立"' in page


def test_unknown_evidence_is_kept_verbatim_and_known_kinds_are_worded():
    assert evidence.evidence_pieces("a new kind of check", "zh") == [("text", "a new kind of check")]
    assert evidence.evidence_pieces("finite differences agree at n ∈ {8} (relative error < 1e-06)", "zh") == [
        ("text", "有限差分在 "), ("math", "n = 8"), ("text", " 上一致（误差 "),
        ("math", r"< 10^{-6}"), ("text", "）")]
    assert evidence.evidence_pieces("exact at (m, k) ∈ {(2, 3), (3, 2)} only", "en") == [
        ("text", "exact at "), ("math", r"(m, k) \in \{(2, 3), (3, 2)\}"), ("text", " only")]


# -- the numeric example ---------------------------------------------------------------------

def test_the_example_prints_the_claims_value_once_with_fixed_decimals(library):
    results, refs = library
    tex = render_document(results["softmax-jacobian"], "latex", refs=refs)
    example = tex[tex.index("{example}"):tex.index("{checked}")]
    assert example.count("0.1848") == 1  # the 3×3 Jacobian once, not once per step
    assert "0.0900" in example and "-0.0220" in example and "-0.022 " not in example
    assert r"\begin{array}{rrr}" in example  # right-aligned columns: the decimals line up
    assert "步骤 (1)–(7) 的值与此相同" in example


def test_a_differential_proof_shows_dx_and_the_gradient(library):
    results, refs = library
    md = render_document(results["inner-product-rule"], "md", refs=refs)
    example = md[md.index("## 数值示例"):md.index("## 本文的验证")]
    assert r"所用微分 $`\mathrm{d}\vec{x} = (1, 2)^{\top}`$" in example  # the dx used
    # df at that dx, which every step gives, and the gradient, each printed once
    assert "$`2.2073`$——步骤 (1)–(4) 的值与此相同" in example
    assert r"$`(34.8267, -16.3097)^{\top}`$——由此读出的梯度" in example
    # step (1)'s two terms, which add up to df: (du)ᵀv + uᵀdv = -18.5170 + 20.7242
    assert r"$`(\mathrm{d}\vec{u})^{\top} \vec{v}`$ = $`-18.5170`$——步骤 (1) 中的一项" in example
    assert r"$`\vec{u}^{\top} \mathrm{d}\vec{v}`$ = $`20.7242`$——步骤 (1) 中的一项" in example


def test_every_differential_the_example_uses_is_printed(library):
    results, refs = library
    # not a differential proof, but its chain is of d(X): the dX given in the file is printed
    md = render_document(results["inverse-differential"], "md", refs=refs)
    example = md[md.index("## 数值示例"):md.index("## 本文的验证")]
    assert r"\mathrm{d}\mathbf{X} = " in example
    # several variables under d(·), through the definitions: each dx once, in declaration order
    md = render_document(results["linear-softmax-backprop"], "md", refs=refs)
    example = md[md.index("## 数值示例"):md.index("## 本文的验证")]
    order = [example.index(rf"\mathrm{{d}}{v} = ") for v in (r"\vec{h}", r"\mathbf{W}", r"\vec{b}")]
    assert order == sorted(order)


def test_a_step_that_brings_in_terms_shows_their_values_once(library):
    results, refs = library
    res = results["softmax-jacobian"]
    x = np.array([1.0, 2.0, 0.0])
    s = np.exp(x) / np.exp(x).sum()
    # the check stage evaluates the terms of every chain expression that is a sum
    terms = res.example.terms["main"]
    assert terms[1] == [] and terms[2] == []  # steps (1), (2): one term each
    first, second = (np.array(t) for t in terms[3])  # step (3): y ∂z/∂x + ∂y/∂x zᵀ
    assert np.allclose(first, np.diag(s)) and np.allclose(second, -np.outer(s, s))
    md = render_document(res, "md", refs=refs)
    example = md[md.index("## 数值示例"):md.index("## 本文的验证")]
    rows = [line for line in example.splitlines() if "中的一项" in line]
    # step (3)'s two terms, once each; (4)-(7) rewrite them to values already shown
    assert len(rows) == 2 and all(r.endswith("步骤 (3) 中的一项") for r in rows)
    diag = ", ".join(f"{v:.4f}" for v in s)
    assert rf"\operatorname{{diag}}({diag})" in rows[0]  # a diagonal value in one line
    assert all(f"{v:.4f}" in rows[1] for v in (-np.outer(s, s)).ravel())


def test_constant_terms_and_names_are_not_printed_as_new(library):
    results, refs = library
    md = render_document(results["layer-norm-jacobian"], "md", refs=refs)
    example = md[md.index("## Numeric example"):md.index("## How this note was checked")]
    rows = [line for line in example.splitlines() if "a term of step" in line]
    assert rows and not any(r"$`\mathbf{I}`$" in r or r"\mathbf{1}_{n \times n}" in r for r in rows)


# -- drafts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_draft_marks_failing_steps_with_the_witness_as_mathematics(drafts, fmt, lang):
    out = render_document(drafts[lang], fmt, draft=True)
    fails = "fails" if lang == "en" else "不成立"
    assert out.count(r"\boldsymbol{\times}") >= 2  # the two failing steps, in the chain
    # the exact witness (its values depend on the probes' random draws) as mathematics:
    # entries and differentials named as in the chain, fractions as \tfrac
    number = r"-?(\\tfrac\{\d+\}\{\d+\}|\d+)"
    assert re.search(r"A_\{12\} = " + number, out), out
    assert re.search(r"\\mathrm\{d\}x_\{1\} = " + number, out)
    assert out.count(r"\tfrac{") >= 4
    assert "failed failed" not in out and "失败 失败" not in out and fails in out
    assert str(drafts[lang].derivation.path) not in out and ".yaml" not in out
    assert not re.search(r"\d\.\d{7,}", out)  # no long floats
    assert not re.search(r"- \d", re.sub(r"\$`[^`]*`\$|\$[^$]*\$", "", out))  # no minus set apart


# -- Markdown: every formula renders with KaTeX ----------------------------------------------

def formulas(md: str) -> list[tuple[str, bool]]:
    """Every formula of a Markdown text as GitHub finds it: ```math fences (display) and
    $`…`$ (a code span between dollars) in the inline content a CommonMark parser makes."""
    found: list[tuple[str, bool]] = []

    def walk(tokens, source: str) -> None:
        for tok in tokens:
            if tok.type == "fence" and tok.info.strip() == "math":
                found.append((tok.content.strip(), True))
            if tok.type == "inline":
                kids = tok.children or []
                for i, kid in enumerate(kids):
                    if kid.type == "code_inline" and i and i + 1 < len(kids) \
                            and kids[i - 1].type == "text" and kids[i - 1].content.endswith("$") \
                            and kids[i + 1].type == "text" and kids[i + 1].content.startswith("$"):
                        found.append((kid.content, False))

    walk(parser().parse(md), md)
    return found


def test_every_markdown_formula_of_the_library_renders_with_katex(library):
    need_katex()
    from docgen.render.katex import render_math

    results, refs = library
    items: list[tuple[str, bool]] = []
    for res in results.values():
        md = render_document(res, "md", refs=refs, draft=not res.passed)
        found = formulas(md)
        # every $`…`$ of the text is one the parser found as math
        assert len([f for f in found if not f[1]]) == md.count("$`"), res.derivation.id
        items += found
    assert len(items) > 1000
    rendered = render_math(items)  # raises on the first formula KaTeX rejects
    assert len(rendered) == len(items) and not any("katex-error" in h for h in rendered)


def test_draft_markdown_formulas_render_with_katex(drafts):
    need_katex()
    from docgen.render.katex import render_math

    items = [f for res in drafts.values() for f in formulas(render_document(res, "md", draft=True))]
    assert len(render_math(items)) == len(items)


def test_the_identification_is_stated_for_the_variable_it_reads_off(library):
    results, refs = library
    md = render_document(results["trace-axb-gradient"], "md", refs=refs)
    appendix = md[md.index("## How this note was checked"):]
    # a matrix variable: df = tr((∂f/∂X)ᵀ dX), in the variable's own notation
    assert (r"\mathrm{d}f = \operatorname{tr}\bigl(\bigl(\tfrac{\partial f}{\partial \mathbf{X}}"
            r"\bigr)^{\top} \mathrm{d}\mathbf{X}\bigr)") in appendix
    md = render_document(results["inner-product-rule"], "md", refs=refs)
    appendix = md[md.index("## 本文的验证"):]
    assert (r"\mathrm{d}f = \bigl(\tfrac{\partial f}{\partial \vec{x}}\bigr)^{\top} "
            r"\mathrm{d}\vec{x}") in appendix


def test_two_proofs_of_one_claim_share_the_rows_of_their_values(library):
    results, refs = library
    md = render_document(results["det-differential"], "md", refs=refs)
    example = md[md.index("## Numeric example"):md.index("## How this note was checked")]
    rows = [line for line in example.splitlines() if line.startswith("- ")]
    # d det(X) once, with the steps of both parts; then the gradient
    assert len(rows) == 2 and "steps (1.1), (1.2), (2.1), (2.2) give the same value" in rows[0]
    md = render_document(results["categorical-cross-entropy-logits"], "md", refs=refs)
    example = md[md.index("## 数值示例"):md.index("## 本文的验证")]
    rows = [line for line in example.splitlines() if line.startswith("- ")]
    # part 2's claim row joins part 1's; its term softmax(z) has the value of part 1's term
    assert len(rows) == 2 and "步骤 (1.1)–(1.5), (2.1) 的值与此相同" in rows[0]
    assert not any(r"\operatorname{softmax}" in r for r in rows)
