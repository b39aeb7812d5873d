"""An `Audit` -> an annotated HTML copy of the note: its prose escaped, each formula rendered by
docgen's KaTeX and marked ✓ (every link verified), ✗ (a link failed, with the witness beside it)
or "not read" (with the reason). Nothing of the note's own markup passes: prose is escaped
(html.escape), the KaTeX output is docgen's own; a formula KaTeX rejects is shown as escaped
code. Deterministic: the same note gives the same bytes.
"""

from __future__ import annotations

import html

from ..render import katex
from .audit import VERIFIED, Audit

_STYLE = """body{font-family:serif;max-width:60em;margin:2em auto;line-height:1.5}
.prose{white-space:pre-wrap}.ok{color:#060}.bad{color:#a00}.unread{color:#a60}
.mark{font-family:sans-serif;font-size:90%;border-left:3px solid;padding-left:.5em;margin:.3em 0}
.math{overflow-x:auto}code{white-space:pre-wrap}"""


def _render(tex: list[tuple[str, bool]]) -> list[str]:
    out: list[str] = []
    todo = list(tex)
    while todo:
        try:
            out += katex.render_math(todo)
            break
        except katex.KatexError as exc:
            out += katex.render_math(todo[:exc.index]) if exc.index else []
            out.append(f"<code>{html.escape(todo[exc.index][0])}</code>")
            todo = todo[exc.index + 1:]
    return out


def html_report(a: Audit) -> str:
    note = a.note
    rendered = _render([(b.tex, b.display) for b in note.blocks])
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
             f"{html.escape(note.path)}</title>\n<style>{_STYLE}</style></head><body>\n"
             f"<h1>docgen audit: {html.escape(note.path)}</h1>\n"]
    pos = 0
    shown: set[int] = set()
    for block, math in zip(note.blocks, rendered):
        parts.append(f'<span class="prose">{html.escape(note.text[pos:block.start])}</span>')
        tag = "div" if block.display else "span"
        parts.append(f'<{tag} class="math">{math}</{tag}>')
        end_line = block.line + block.tex.count("\n")
        for line in range(block.line, end_line + 1):
            if line in marks and line not in shown:
                shown.add(line)
                parts += marks[line]
        pos = block.start + len(block.tex)
    parts.append(f'<span class="prose">{html.escape(note.text[pos:])}</span>')
    for line in sorted(set(marks) - shown):
        parts += marks[line]
    passed = sum(c.passed for c in a.chains)
    parts.append(f"<hr><p>{passed} chains verified, {len(a.chains) - passed} failed, "
                 f"{len(a.unread)} not read</p></body></html>\n")
    return "".join(parts)
