"""docgen.render.escape: text escaped per format, raw HTML in notes kept as text, note math
checked against the TeX whitelist."""

from __future__ import annotations

import pytest
from renderhelp import FORMATS, make

from docgen.model.errors import DocgenError
from docgen.render.escape import check_math
from docgen.render.render import render_document


def test_html_escapes_title(tmp_path):
    res = make(tmp_path, title="A <script>alert(1)</script> & B")
    out = render_document(res, "html")
    assert "<script>" not in out
    assert "A &lt;script&gt;alert(1)&lt;/script&gt; &amp; B" in out


def test_html_note_raw_html_is_text(tmp_path):
    res = make(tmp_path, note='<script>x()</script> <img src=x onerror=y> *ok* $x$')
    out = render_document(res, "html")
    assert "<script>" not in out and "<img" not in out and "onerror=y>" not in out
    assert "&lt;script&gt;" in out
    assert "<em>ok</em>" in out


def test_latex_escapes_prose(tmp_path):
    res = make(tmp_path, title="50% of a_b & #1", note="100% a_b & #2 with $x_1$")
    out = render_document(res, "latex")
    assert r"50\% of a\_b \& \#1" in out
    assert r"100\% a\_b \& \#2 with $x_1$" in out


def test_markdown_escapes_title(tmp_path):
    out = render_document(make(tmp_path, title="a_b *c* <d>"), "md")
    assert out.startswith(r"# a\_b \*c\* \<d\>")


def test_note_input_rejected(tmp_path):
    res = make(tmp_path, note="see $\\\\input{/etc/passwd}$")
    for fmt in FORMATS:
        with pytest.raises(DocgenError, match=r"render-test.*\\input"):
            render_document(res, fmt)


@pytest.mark.parametrize("tex", [r"\write18{ls}", r"\catcode`\a=0", r"\def\x{y}", r"\csname foo\endcsname",
                                 r"\immediate", r"^^5cinput", r"a % comment", r"\openout", r"\read",
                                 r"\begin{filecontents}"])
def test_dangerous_math_rejected(tex):
    with pytest.raises(DocgenError):
        check_math(tex, "d")


def test_safe_math_allowed():
    tex = r"\frac{\partial \mathbf{1}^\top \exp(x)}{\partial x} = \operatorname{diag}(s) \odot \left( a \right)"
    assert check_math(tex, "d") == tex


# -- Markdown: as inert as the HTML, judged by a CommonMark parser --------------------------

HOSTILE_NOTES = [
    # a code span holding backticks: a single-backtick fence lets the middle out
    r"``a`<img src=x onerror=alert(1)>[c](javascript:alert(1))`b``",
    r"```` `` ` <script>alert(1)</script> ``` ````",
    r"`` ` `` <b>not code</b> `x`",
    # a code span broken by a blank line (a paragraph break): the rest is text, escaped
    "`a\n\n<script>alert(1)</script>[c](javascript:alert(2))\n\nb`",
    "`a\n   \n<img src=x onerror=alert(1)>`",
    # a line inside a code span or inline math that would start an HTML block
    "`a\n<script>alert(1)</script>`",
    "$a\n<iframe src=x></iframe> b$",
    # text: autolinks, link definitions, images, entities, stray backticks and dollars
    r"<javascript:alert(1)> ![i](javascript:alert(1)) [r]: javascript:alert(1)",
    r"\\[c](javascript:alert(1)) \\<img src=x onerror=alert(1)>",
    r"&lt;img src=x onerror=alert(1)&gt; &#60;script&#62;",
    r"a ` b <img src=x onerror=alert(1)> c ` d",
    r"$ <img src=x onerror=alert(1)> $ and $5 or $",
]


def yaml_note(text: str) -> str:
    """`text` for the double-quoted `note` of renderhelp.make."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@pytest.mark.parametrize("note", HOSTILE_NOTES)
def test_markdown_notes_hold_no_live_markup(tmp_path, note):
    from markdownhelp import live_markup, to_html

    out = render_document(make(tmp_path, note=yaml_note(note)), "md")
    assert live_markup(out) == []
    shown = to_html(out)
    assert "<script" not in shown and "<img" not in shown and "<iframe" not in shown
    assert 'href="javascript' not in shown and 'src="javascript' not in shown


@pytest.mark.parametrize("body", ["a", "a`b", "``", "`a", "a`", " a ", "x ``` y `` z ` w", "<img src=x>",
                                  "a\nb", "a\n\nb", "\\", "|", " "])
def test_markdown_code_span_shows_its_text_exactly(body):
    """md_code_span(body) is one code span whose text is body (line breaks shown as spaces)."""
    from markdownhelp import parser

    from docgen.render.escape import md_code_span

    (para,) = [t for t in parser().parse("x " + md_code_span(body) + " y") if t.type == "inline"]
    codes = [t for t in para.children if t.type == "code_inline"]
    assert len(codes) == 1
    expected = body.replace("\n", " ")
    assert codes[0].content == (expected if expected.strip() else codes[0].content)


def test_a_code_span_does_not_cross_a_blank_line():
    from docgen.render.escape import split_prose

    assert split_prose("`a\n\nb`") == [("text", "`a\n\nb`")]
    assert split_prose("`a\nb`") == [("code", "a\nb")]
    assert split_prose("``a`b``") == [("code", "a`b")]


# -- note math: one whitelist for every delimiter --------------------------------------------

@pytest.mark.parametrize("note", [r"\( \rule{4000px}{4000px} \)", r"$\rule{1px}{1px}$", r"$$\def\x{y}$$",
                                  "a\n\n\\[ \\color{red}{x} \\]\n\nb", r"\[ \def\x{y} \]",
                                  "\\begin{array}{c} \\color{red}{x} \\end{array}",
                                  "\\begin{aligned} \\htmlClass{x}{y} \\end{aligned}",
                                  r"see \(a\) and \( \href{javascript:alert(1)}{x} \)"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_note_math_whitelist_for_every_delimiter(tmp_path, note, fmt):
    res = make(tmp_path, note=yaml_note(note))
    with pytest.raises(DocgenError, match="is not allowed in note math"):
        render_document(res, fmt)


def test_round_and_square_brackets_are_math_in_every_format(tmp_path):
    res = make(tmp_path, note=r"Inline \\(x_1\\) here.\n\n\\[ \\frac{a}{b} \\]\n\nEnd.")
    assert "$x_1$" in render_document(res, "latex") and r"\[ \frac{a}{b} \]" in render_document(res, "latex")
    md = render_document(res, "md")
    assert "$`x_1`$" in md and "```math\n  \\frac{a}{b}\n  ```" in md  # indented: a list item
    html = render_document(res, "html")
    assert r'<span class="math">\(x_1\)</span>' in html and r'<div class="math">\[ \frac{a}{b} \]</div>' in html


# -- citations: only a derivation id becomes a link, label or \ref ---------------------------

def _draft_with_citation(tmp_path, by: str):
    from renderhelp import BASE, FIRST

    from docgen.read.load import load_file
    from docgen.read.spec import build_derivation
    from docgen.run.verify import verify

    first = FIRST.replace("by: linearity", "by: '" + by.replace("'", "''") + "'")
    path = tmp_path / "d.yaml"
    path.write_text(BASE.format(id="render-test", title="T", note="n", first=first), encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert not res.passed
    return res


@pytest.mark.parametrize("by", [r"q}\input{/some/secret}\ref{q", "x)<img src=x onerror=alert(1)>",
                                "a b](javascript:alert(1))", "../../etc/passwd", "UPPER", "a\nb"])
def test_a_citation_that_is_not_an_id_is_text(tmp_path, by):
    from markdownhelp import live_markup, to_html

    res = _draft_with_citation(tmp_path, by)
    tex = render_document(res, "latex", draft=True)
    assert r"\input" not in tex and r"\ref{" not in tex and r"\label{cite:" not in tex
    md = render_document(res, "md", draft=True)
    assert live_markup(md) == [] and "<a " not in to_html(md) and "<img" not in to_html(md)
    html = render_document(res, "html", draft=True)
    assert 'class="cite"' not in html and "<img" not in html and 'id="cite-' not in html


def test_a_citation_that_is_an_id_is_a_link(tmp_path):
    res = _draft_with_citation(tmp_path, "other-note.v2")
    assert r"\ref{cite:other-note.v2}" in render_document(res, "latex", draft=True)
    assert "** [other-note.v2](../other-note.v2/other-note.v2.md)" in render_document(res, "md", draft=True)
    assert 'href="../other-note.v2/other-note.v2.html"' in render_document(res, "html", draft=True)


def test_greek_letters_and_superscripts_in_latex_text_are_set_as_math():
    from docgen.render.escape import latex_escape
    # the text fonts have no glyph for them: XeTeX would leave them out of the PDF
    assert latex_escape("克罗内克 δ") == r"克罗内克 $\delta$"
    assert latex_escape("tr(X⁻¹A)") == r"tr(X$^{-1}$A)"
    assert latex_escape("λ, Σ, ε") == r"$\lambda$, $\Sigma$, $\varepsilon$"


def test_cjk_punctuation_stays_with_the_short_formula_before_it_in_html():
    from docgen.render.formatter import Formatter
    f = Formatter("html", "test", lang="zh")
    long = "+".join("a" for _ in range(30))
    out = str(f.prose(f"设 $x + y$，则 $z$。又 ${long}$，完。", "note"))
    # a formula and the mark after it in one unbreakable span: no line starts with "，" or "。"
    assert '<span class="nobr">\ue0000\ue001，</span>' in out
    assert '<span class="nobr">\ue0001\ue001。</span>' in out
    # a long formula may need to break inside: it is left alone
    assert "\ue0002\ue001，" in out and out.count('class="nobr"') == 2
