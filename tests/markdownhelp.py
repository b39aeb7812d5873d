"""What a Markdown file does when a CommonMark renderer shows it (markdown-it-py, the CommonMark
preset with GFM tables, raw HTML on and every link let through, as the laxest viewer would):
the tests look for live markup there rather than in the text, where a backslash escape or a
code span makes `<img` harmless and a regex cannot tell which."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

SAFE_LINK = re.compile(r"(?:https?://|\.\./[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9.-]*\.md$)", re.I)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # markdown-it drops javascript: links; a viewer may not
    return md


def to_html(text: str) -> str:
    """The HTML a CommonMark renderer makes of `text` (raw HTML passed through)."""
    return parser().render(text)


def live_markup(text: str) -> list[str]:
    """Every raw HTML fragment and every link or image whose target is neither http(s) nor a
    sibling derivation's .md file, as a CommonMark renderer reads `text`."""
    found: list[str] = []

    def walk(tokens) -> None:
        for tok in tokens:
            if tok.type in ("html_block", "html_inline"):
                found.append(f"raw HTML {tok.content.strip()!r}")
            elif tok.type in ("link_open", "image"):
                target = str(tok.attrGet("href") or tok.attrGet("src") or "")
                if not SAFE_LINK.match(target):
                    found.append(f"{tok.type} to {target!r}")
            if tok.children:
                walk(tok.children)

    walk(parser().parse(text))
    return found
