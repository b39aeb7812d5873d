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
