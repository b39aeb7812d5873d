"""An `Audit` -> an annotated HTML copy of the note: its prose escaped, each formula rendered by
docgen's KaTeX and marked ✓ (every link verified), ✗ (a link failed, with the witness beside it)
or "not read" (with the reason). A formula is rendered without the note's delimiters (`$$…$$`,
`\\[…\\]`, `$…$`, ```` ```math ```` fences, `\\begin{align}…\\end{align}`): the rows of `align` and
`eqnarray` are set as `aligned`, of `gather` and `multline` as `gathered`; `\\label{…}`,
`\\nonumber` and `\\notag` are dropped; CJK written in math is set as `\\text{…}`. The page
holds KaTeX's CSS and fonts, so it shows its math with nothing beside it. Nothing of the note's
own markup passes: prose is escaped (html.escape), the KaTeX output is docgen's own; a formula
KaTeX rejects is shown as the note wrote it, escaped, in code. Deterministic: the same note
gives the same bytes.
"""

from __future__ import annotations

import html
import re

from ..read.note import MathBlock
from ..render import katex
from .audit import VERIFIED, Audit

_STYLE = """body{font-family:serif;max-width:60em;margin:2em auto;line-height:1.5}
.prose{white-space:pre-wrap}.ok{color:#060}.bad{color:#a00}.unread{color:#a60}
.mark{font-family:sans-serif;font-size:90%;border-left:3px solid;padding-left:.5em;margin:.3em 0}
.math{overflow-x:auto}code{white-space:pre-wrap}"""


_TEXT_GROUP = re.compile(r"\\(?:text|textrm|textbf|textit|mathrm|mbox|operatorname)\s*\{")
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_ROWS = {"align": "aligned", "eqnarray": "aligned", "gather": "gathered", "multline": "gathered"}
_NUMBERING = re.compile(r"\\label\{[^{}]*\}|\\nonumber\b|\\notag\b")


def _wide_as_text(tex: str) -> str:
    """Runs of CJK (and full-width) characters written in math, outside any \\text{…}, set as
    \\text{…}: KaTeX refuses them in math mode, notes write them there (`则`, `，`)."""
    out, pos = [], 0
    while pos < len(tex):
        m = _TEXT_GROUP.search(tex, pos)
        stop = m.start() if m else len(tex)
        out.append(_WIDE.sub(lambda w: "\\text{" + w.group() + "}", tex[pos:stop]))
        if m is None:
            break
        depth, end = 1, m.end()
        while end < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[end], 0) if tex[end - 1] != "\\" else 0
            end += 1
        out.append(tex[m.start():end])
        pos = end
    return "".join(out)


def math_source(block: MathBlock) -> str:
    """What KaTeX renders for a block: its LaTeX without the note's delimiters, an environment's
    rows set in the matching KaTeX environment, equation labels dropped, CJK set as text."""
    tex = _wide_as_text(_NUMBERING.sub("", block.tex))
    inner = _ROWS.get(block.env)
    return f"\\begin{{{inner}}}{tex}\\end{{{inner}}}" if inner else tex


def _render(blocks: list[MathBlock]) -> list[str]:
    out: list[str] = []
    todo = list(blocks)
    while todo:
        formulas = [(math_source(b), b.display) for b in todo]
        try:
            out += katex.render_math(formulas)
            break
        except katex.KatexError as exc:
            out += katex.render_math(formulas[:exc.index]) if exc.index else []
            out.append(f"<code>{html.escape(todo[exc.index].tex)}</code>")
            todo = todo[exc.index + 1:]
    return out


def html_report(a: Audit) -> str:
    note = a.note
    rendered = _render(note.blocks)
    marks: dict[int, list[str]] = {}
    for c in a.chains:
        for link in c.links:
            marks.setdefault(link.line, []).append(
                f'<div class="mark {"ok" if link.verdict == VERIFIED else "bad"}">'
                f'{"✓" if link.verdict == VERIFIED else "✗"} line {link.line}: {html.escape(link.message)}</div>')
    for line, _, reason in a.unread:
        marks.setdefault(line, []).append(
            f'<div class="mark unread">not read (line {line}): {html.escape(reason)}</div>')
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>audit: "
             f"{html.escape(note.path)}</title>\n<style>{katex.inline_css()}</style>\n"
             f"<style>{_STYLE}</style></head><body>\n"
             f"<h1>docgen audit: {html.escape(note.path)}</h1>\n"]
    pos = 0
    shown: set[int] = set()
    for block, math in zip(note.blocks, rendered):
        start, end = block.outer
        parts.append(f'<span class="prose">{html.escape(note.text[pos:start])}</span>')
        tag = "div" if block.display else "span"
        parts.append(f'<{tag} class="math">{math}</{tag}>')
        end_line = block.line + block.tex.count("\n")
        for line in range(block.line, end_line + 1):
            if line in marks and line not in shown:
                shown.add(line)
                parts += marks[line]
        pos = end
    parts.append(f'<span class="prose">{html.escape(note.text[pos:])}</span>')
    for line in sorted(set(marks) - shown):
        parts += marks[line]
    passed = sum(c.passed for c in a.chains)
    parts.append(f"<hr><p>{passed} chains verified, {len(a.chains) - passed} failed, "
                 f"{len(a.unread)} not read</p></body></html>\n")
    return "".join(parts)
