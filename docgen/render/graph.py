"""The citation graph of a site: DOT source written by docgen, drawn by Graphviz (`dot -Tsvg`).

Every label and tooltip is escaped here (DOT string escapes, and XML entities that `dot` keeps
as they are), so a title cannot break out of its string or put markup into the SVG. Node URLs are
made only from validated ids. The SVG is made deterministic: the XML prolog, DOCTYPE and every
comment (`dot` writes its version and the graph name there) are removed.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from ..model.errors import DocgenError

TIMEOUT = 60

STYLE = {  # status -> DOT node attributes
    "verified": {"color": "#1e7d32", "fillcolor": "#eef7ee", "style": "filled,rounded"},
    "numeric": {"color": "#8a6d00", "fillcolor": "#fff8e1", "style": "filled,rounded,dashed"},
    "unchecked": {"color": "#8a6d00", "fillcolor": "#fff8e1", "style": "filled,rounded,dotted"},
    "failed": {"color": "#b3261e", "fillcolor": "#fdecea", "style": "filled,rounded,bold"},
}
MARK = {"verified": "✓", "numeric": "≈", "unchecked": "?", "failed": "✗"}


@dataclass(frozen=True)
class Node:
    id: str  # a validated derivation id
    title: str
    status: str  # verified | numeric | unchecked | failed
    href: str  # relative to the page that shows the graph
    tooltip: str = ""


def dot_string(text: str) -> str:
    """Any text as a quoted DOT string whose drawn text is exactly `text` (one line).

    XML specials become entities (dot copies entities into the SVG unchanged, so the browser
    shows the characters); backslash and double quote are DOT-escaped; control characters and
    line breaks become spaces.
    """
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text))
    text = html.escape(text, quote=True)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int = 28) -> list[str]:
    """Lines of at most ~`columns` (CJK characters count twice), broken at spaces, or between
    CJK characters; never inside a run of Latin letters and digits."""
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\S+\s*|\s+", text.strip()):
        # a long word: split between CJK characters; keep ASCII runs and short (...) whole
        pieces = [word] if _width(word) <= columns else re.findall(
            r"[（(][^）)]{0,12}[）)]\s*|[\x21-\x7e]+\s*|\S\s*", word)
        for piece in pieces:
            if line and _width(line + piece.rstrip()) > columns:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def dot_source(nodes: list[Node], edges: list[tuple[str, str]]) -> str:
    """DOT for the graph; an edge (a, b) is drawn from a to b. Nodes and edges in given order."""
    known = {n.id for n in nodes}
    out = [
        "digraph citations {",
        '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.18, ranksep=0.5, '
        'fontname="Noto Sans CJK SC"];',
        '  node [shape=box, fontname="Noto Sans CJK SC", fontsize=11, margin="0.15,0.06", '
        'penwidth=1.3];',
        '  edge [color="#7a7f85", arrowsize=0.7];',
    ]
    for i, n in enumerate(nodes):
        style = STYLE.get(n.status, STYLE["failed"])
        # each line escaped on its own, joined with DOT's centred line break
        label = '"' + "\\n".join(dot_string(line)[1:-1]
                                 for line in [f"{MARK.get(n.status, '?')} {n.id}", *wrap(n.title)]) + '"'
        attrs = [f"label={label}", f"id={dot_string('node-' + n.id)}", f"URL={dot_string(n.href)}",
                 'target="_top"', f"tooltip={dot_string(n.tooltip or n.title)}",
                 *(f'{k}="{v}"' for k, v in style.items())]
        out.append(f"  n{i} [{', '.join(attrs)}];")
    index = {n.id: i for i, n in enumerate(nodes)}
    for a, b in edges:
        if a in known and b in known:
            out.append(f"  n{index[a]} -> n{index[b]} [tooltip={dot_string(f'{a} → {b}')}];")
    out.append("}")
    return "\n".join(out) + "\n"


def have_dot() -> bool:
    return shutil.which("dot") is not None


def render_svg(source: str) -> str:
    """The SVG `dot` draws for `source`, without prolog, DOCTYPE or comments."""
    dot = shutil.which("dot")
    if dot is None:
        raise DocgenError("Graphviz `dot` is needed to draw the citation graph: install graphviz")
    try:
        proc = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DocgenError(f"Graphviz dot did not finish within {TIMEOUT} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise DocgenError("Graphviz dot failed: " + " | ".join(tail))
    return clean_svg(proc.stdout.decode("utf-8"))


def clean_svg(svg: str) -> str:
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"\n\s*\n+", "\n", svg)
    return svg.strip() + "\n"
