"""Typography of the documents in every format (no TeX needed): assumptions in the symbol
table, full-width punctuation in Chinese notes, links to cited notes and sources, URLs and ids
that may break across lines, the PDF's metadata and bookmarks in the LaTeX, and `{src:LABEL}`
for a source's equations. The compiled PDFs are tested in test_pdf.py."""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path

import pytest

from renderhelp import ASCII_AFTER_CJK, PROSE, latex_prose

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.render.escape import latex_breakable, latex_pdf_text, latex_url, split_prose
from docgen.render.render import render_document
from docgen.run.verify import verify

FORMATS = ("latex", "html", "md")

NOTE = """\
id: {id}
title: "{title}"
language: {lang}
summary: "{summary}"
tags: [quadratic, gradient]
sources:
  - title: The Matrix Cookbook
    url: "{url}"
    note: "{source_note}"
dims:
  n: {{sizes: [2, 3], numeric: 4}}
symbols:
  x: {{shape: [n], description: "{x_desc}"}}
  S: {{shape: [n, n], assume: [invertible, symmetric], description: "{s_desc}"}}
  c: {{shape: scalar, assume: [constant, positive]}}
claim: D(c * (x.T @ S @ x), x) = 2 * c * S @ x
steps:
  - expr: c * D(x.T @ (S @ x), x)
    by: linearity
    note: "{note}"
  - expr: c * (S @ x + S.T @ x)
    by: product-rule
  - expr: 2 * c * S @ x
    by: assumption
example:
  sizes: {{n: 2}}
  values: {{x: [1, -2], S: [[2, 1], [1, 3]], c: 0.5}}
"""
EN = dict(id="typo-en", title="Gradient of a scaled quadratic form", lang="en",
          summary="With $S$ symmetric, the gradient is $2cSx$.", url="https://example.org/a_b%20c?x=1&y=~z#eq-81",
          source_note="eq. (81)", x_desc="the variable", s_desc="a symmetric matrix",
          note="The product rule, as {src:B.15} in the source; `{src:7}` is code and \\\\{src:8} text.")
ZH = dict(id="typo-zh", title="缩放二次型的梯度", lang="zh",
          summary="设 $S$ 对称，则梯度为 $2cSx$。", url="https://example.org/matrixcookbook.pdf",
          source_note="原文式 (81)", x_desc="自变量", s_desc="对称矩阵",
          note="乘积法则，即{src:B.15}；代入{src:2}。")


def checked(tmp_path: Path, fields: dict):
    path = tmp_path / f"{fields['id']}.yaml"
    path.write_text(textwrap.dedent(NOTE.format(**fields)), encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert res.passed, [str(p) for p in res.problems] + [lk.status for lk in res.links]
    return res


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("typo")
    return {lang: checked(folder, fields) for lang, fields in (("en", EN), ("zh", ZH))}


def rendered(res, fmt: str) -> str:
    return render_document(res, fmt)


# -- 3. assumptions in the symbol table -----------------------------------------------------

@pytest.mark.parametrize("lang, words", [("en", ("symmetric, invertible", "positive, constant")),
                                         ("zh", ("对称、可逆", "取正值、常量"))])
def test_assumptions_follow_the_symbol_in_every_format(notes, lang, words):
    comma = ", " if lang == "en" else "，"
    sym, scalar = words
    latex = rendered(notes[lang], "latex")
    assert re.search(r"\\item \$\\mathbf\{S\} \\in \\mathbb\{R\}\^\{n \\times n\}\$" + re.escape(comma + sym), latex), latex
    assert re.search(r"\\item \$c \\in \\mathbb\{R\}\$" + re.escape(comma + scalar), latex)
    page = rendered(notes[lang], "html")
    assert f'<span class="assume">{comma}{sym}</span>' in page
    assert f'<span class="assume">{comma}{scalar}</span>' in page
    md = rendered(notes[lang], "md")
    assert re.search(r"\| \$`\\mathbf\{S\} \\in [^`]*`\$" + re.escape(comma + sym) + r" \|", md), md
    # a symbol without assumptions gets none
    assert not re.search(r"\\vec\{x\} \\in \\mathbb\{R\}\^\{n\}\$" + re.escape(comma), latex)


# -- 4. full-width punctuation in Chinese notes ---------------------------------------------



# (HTML shows "Claim" as a label, without punctuation)
JOINED = {"latex": ("结论。", "输入：", "各步旁的标记："),
          "md": ("结论。", "输入：", "布局约定。", "各步旁的标记："),
          "html": ("布局约定。", "输入：", "各步旁的标记：")}
JOINED_EN = {"latex": ("Claim.", "; inputs:", "The marks beside the steps: "),
             "md": ("Claim.", "; inputs:", "The marks beside the steps: "),
             "html": ("Layout convention.", "; inputs:", "The marks beside the steps: ")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_chinese_note_has_no_ascii_punctuation_after_chinese(notes, fmt):
    out = rendered(notes["zh"], fmt)
    text = PROSE[fmt](out)
    bad = [text[max(0, m.start() - 12):m.end() + 8] for m in ASCII_AFTER_CJK.finditer(text)]
    assert not bad, bad
    # the words that used to take ASCII punctuation now take full-width punctuation
    for joined in JOINED[fmt]:
        assert joined in text, (joined, fmt)
    assert "代入〔原文式 2〕" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_english_note_keeps_ascii_punctuation(notes, fmt):
    text = PROSE[fmt](rendered(notes["en"], fmt))
    for joined in JOINED_EN[fmt]:
        assert joined in text, (joined, fmt)


def test_the_checker_notices_ascii_punctuation():
    """The regular expression the test above relies on finds what it must."""
    assert ASCII_AFTER_CJK.search("由定义.") and ASCII_AFTER_CJK.search("数值:")
    assert ASCII_AFTER_CJK.search("（A.1）:") and not ASCII_AFTER_CJK.search("由定义。数值：")
    assert "结论" not in latex_prose("\\begin{document}$结论.$")


# -- 5. a source's equations ----------------------------------------------------------------

def test_source_equation_markup_is_a_token_of_prose():
    assert split_prose("as {src:B.15} and `{src:1}`, \\{src:2} {src:-x}") == [
        ("text", "as "), ("source-eq", "B.15"), ("text", " and "), ("code", "{src:1}"),
        ("text", ", "), ("escaped", "{"), ("text", "src:2} {src:-x}")]
    assert split_prose("$x_{src:1}$") == [("inline", "x_{src:1}")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_source_equations_read_apart_from_the_document_steps(notes, fmt):
    en = rendered(notes["en"], fmt)
    zh = rendered(notes["zh"], fmt)
    if fmt == "html":
        assert '<span class="source-eq">[source eq. B.15]</span>' in en
        assert '<span class="source-eq">〔原文式 2〕</span>' in zh
        assert "<code>{src:7}</code>" in en and "is code and {src:8} text" in en
    elif fmt == "latex":
        assert "[source eq. B.15]" in en and "〔原文式 2〕" in zh
        assert r"\texttt{\{src:7\}}" in en and r"is code and \{src:8\} text" in en
    else:
        assert r"\[source eq. B.15\]" in en and "〔原文式 2〕" in zh
        assert "`{src:7}`" in en and "is code and \\{src:8} text" in en
    assert "{src:B.15}" not in en and "{src:2}" not in zh


# -- 2. links, URLs, ids, metadata ----------------------------------------------------------

def test_links_to_sources_in_every_format(notes):
    url = EN["url"]
    assert f'<a href="{html.escape(url)}" rel="noreferrer">' in rendered(notes["en"], "html")
    assert f"(<{url}>)" in rendered(notes["en"], "md")
    latex = rendered(notes["en"], "latex")
    assert r"\href{https://example.org/a_b\%20c?x=1\&y=\string~z\#eq-81}{\texttt{https://" in latex


def test_latex_url_escapes_what_tex_reads_and_encodes_what_a_url_may_not_hold():
    assert latex_url("https://a.org/x_y$z%41#f&g=~h") == r"https://a.org/x_y$z\%41\#f\&g=\string~h"
    assert latex_url("https://a.org/{a}\\b^c|d`e") == "https://a.org/%7Ba%7D%5Cb%5Ec%7Cd%60e"
    assert latex_url("https://zh.wikipedia.org/wiki/矩阵") == \
        "https://zh.wikipedia.org/wiki/%E7%9F%A9%E9%98%B5"


def test_latex_breakable_breaks_after_separators_and_inside_long_runs():
    out = latex_breakable("https://www.example.org/a_b/matrixcookbook.pdf")
    assert out.startswith(r"https://\allowbreak{}www.\allowbreak{}example.\allowbreak{}org/")
    assert r"a\_\allowbreak{}b/" in out  # escaped, then a break after the separator
    assert r"\penalty300{}" in out  # matrixcookbook: 14 letters may break at a cost
    assert re.sub(r"\\allowbreak\{\}|\\penalty300\{\}", "", out) == \
        r"https://www.example.org/a\_b/matrixcookbook.pdf"
    assert latex_breakable("softmax-jacobian") == r"softmax-\allowbreak{}jacobian"


def test_latex_has_hyperref_metadata_and_bookmarks(notes):
    latex = rendered(notes["zh"], "latex")
    assert r"\usepackage[unicode," in latex and "{hyperref}" in latex
    assert r"pdftitle={缩放二次型的梯度}" in latex and r"pdflang={zh-CN}" in latex
    assert r"pdfsubject={设 \$S\$ 对称，则梯度为 \$2cSx\$。}" in latex
    assert r"pdfkeywords={quadratic, gradient}" in latex
    for heading, name in (("符号", "symbols"), ("推导", "part-main"), ("数值示例", "example"),
                          ("参考资料", "sources")):
        assert re.search(r"\\docgensection\{[^}]*\}\{" + heading + r"\}\{" + name + r"\}", latex), heading
    # nothing in the metadata that changes between builds
    assert "pdfcreationdate" not in latex and r"\today" not in latex


def test_pdf_text_is_escaped_without_math():
    assert latex_pdf_text("a $x$ ∂ {b}\n  c#") == r"a \$x\$ ∂ \{b\} c\#"
