"""Helpers shared by the render tests: a small derivation with two parts, written and verified;
the text of an output outside math and code."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.run.verify import verify

FORMATS = ("latex", "html", "md")

BASE = """
id: {id}
title: "{title}"
language: en
summary: "A test with $\\\\alpha$ math."
dims:
  n: {{sizes: [2, 3], numeric: 4}}
symbols:
  x: {{shape: [n], description: "input"}}
  alpha: {{shape: scalar, assume: [constant]}}
definitions:
  s: softmax(x)
parts:
  - label: first
    claim: D(alpha * sum(x), x) = alpha * ones(n)
    steps:
{first}
  - label: second
    claim: D(s, x) = diag(s) - s @ s.T
    steps:
      - expr: D(exp(x) / sum(exp(x)), x)
        by: definition
        note: "{note}"
      - diag(s) - s @ s.T
example:
  sizes: {{n: 3}}
  values: {{x: [1, 2, 0.5], alpha: 2}}
  digits: 3
"""
FIRST = """\
      - expr: alpha * D(sum(x), x)
        by: linearity
      - alpha * ones(n)"""
FIRST_LONGER = """\
      - expr: alpha * D(sum(x), x)
        by: linearity
      - expr: alpha * D(ones(n).T @ x, x)
        by: definition
      - alpha * ones(n)"""


def make(tmp_path: Path, *, title: str = "Test", note: str = "Note with $x$.",
         first: str = FIRST, name: str = "d.yaml", id: str = "render-test"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(BASE.format(id=id, title=title, note=note, first=first)),
                    encoding="utf-8")
    (res,) = verify([build_derivation(load_file(path))])
    assert res.passed, [str(p) for p in res.problems] + [lk.status for lk in res.links]
    return res


# -- the text of an output outside math and code: where punctuation is typography ---------------

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
ASCII_AFTER_CJK = re.compile(f"[{CJK}][.:;,]")


def latex_prose(tex: str) -> str:
    """The LaTeX's text outside math, code and the preamble."""
    body = tex.split(r"\begin{document}", 1)[1]
    body = re.sub(r"\\begin\{(align\*?|equation\*?)\}.*?\\end\{\1\}", " ", body, flags=re.S)
    body = re.sub(r"\\\[.*?\\\]", " ", body, flags=re.S)
    body = re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", " ", body)
    return re.sub(r"\\texttt\{[^}]*\}", " ", body)


def html_prose(page: str) -> str:
    """The page's text outside formulas (left as placeholders here), code, style and title."""
    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.skip = 0
            self.out = []

        def handle_starttag(self, tag, attrs):
            cls = dict(attrs).get("class") or ""
            if self.skip or tag in ("code", "style", "script", "title") \
                    or {"math", "katex", "katex-display"} & set(cls.split()):
                self.skip += 1

        def handle_endtag(self, tag):
            if self.skip:
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)

    parser = Text()
    parser.feed(page)
    return "".join(parser.out)


def md_prose(md: str) -> str:
    md = re.sub(r"```math\n.*?\n```", " ", md, flags=re.S)
    md = re.sub(r"\$`[^`]*`\$", " ", md)
    return re.sub(r"`[^`]*`", " ", md)


PROSE = {"latex": latex_prose, "html": html_prose, "md": md_prose}
