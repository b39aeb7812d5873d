"""Markdown text -> its ```derivation blocks, each with the line it starts on.

A block is a fenced code block whose info string is `derivation` (``` or ~~~, three or more,
indented by at most three spaces), closed by a fence of the same character at least as long.
Fences of other languages are skipped whole, so that a ```derivation shown inside a
````markdown example is not a block. The body is kept verbatim (its indentation too), so that
the YAML read from it has the page's columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.errors import DocgenError, Location

INFO = "derivation"
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")


@dataclass(frozen=True)
class Block:
    """One ```derivation block of a page."""

    page: str  # the page's name in messages, e.g. docs/page.md
    line: int  # line of the opening fence (1-based, in the page)
    end: int  # line of the closing fence
    body: str  # the lines between the fences, verbatim, each ending in "\n"

    @property
    def body_line(self) -> int:
        """The page line of the body's first line."""
        return self.line + 1

    @property
    def loc(self) -> Location:
        return Location(self.page, self.line)


def find_blocks(text: str, page: str, first_line: int = 1) -> list[Block]:
    """The derivation blocks of `text`, whose first line is line `first_line` of `page`.

    Raises:
        DocgenError: a ```derivation block is not closed.
    """
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None or (m["fence"][0] == "`" and "`" in m["info"]):
            i += 1
            continue
        close = _closing(lines, i + 1, m["fence"])
        if m["info"] == INFO:
            if close is None:
                raise DocgenError(f"```{INFO} block is not closed (no closing {m['fence']})",
                                  Location(page, first_line + i))
            body = "".join(line + "\n" for line in lines[i + 1:close])
            blocks.append(Block(page, first_line + i, first_line + close, body))
        i = len(lines) if close is None else close + 1  # an unclosed fence runs to the end
    return blocks


def _closing(lines: list[str], start: int, fence: str) -> int | None:
    for j in range(start, len(lines)):
        m = _FENCE.match(lines[j])
        if m and not m["info"] and m["fence"][0] == fence[0] and len(m["fence"]) >= len(fence):
            return j
    return None
