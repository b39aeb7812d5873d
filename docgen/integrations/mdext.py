"""The Python-Markdown extension `docgen`: every ```derivation block of a page becomes the checked
derivation's HTML (docs/mkdocs.md).

    markdown.markdown(text, extensions=["docgen"],
                      extension_configs={"docgen": {"page": "docs/page.md"}})

A preprocessor (before fenced code blocks and meta-data) finds the blocks, has the session
verify and render them (session.Session.prepare: one verification for the page), stores each
fragment in Python-Markdown's htmlStash and leaves its placeholder as a paragraph of its own, so
the HTML is never read as Markdown. A block that fails raises DocgenError (all of the page's
problems at once, each with page:line). The MkDocs plugin shares one session among all pages
and prepares them before any is converted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from ..model.errors import raise_all
from .blocks import find_blocks
from .session import Options, Session

# above 'meta' (27) and 'fenced_code_block' (25), below 'normalize_whitespace' (30): the blocks
# are taken out before anything else reads the page, and lines still count as in the file
PRIORITY = 29


class DerivationPreprocessor(Preprocessor):
    def __init__(self, md: markdown.Markdown, ext: DocgenExtension):
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        page, first = self.ext.where()
        text = "\n".join(lines)
        session = self.ext.session
        raise_all(session.prepare([(page, text, first)]))
        blocks = find_blocks(text, page, first)
        out: list[str] = []
        done = 0  # lines of `lines` copied so far
        for b in blocks:
            start, end = b.line - first, b.end - first
            out += lines[done:start]
            placeholder = self.md.htmlStash.store(session.fragment(b))
            # a paragraph of its own (blank lines around it); the block's other lines become
            # blank ones, so that the page keeps its line count (a block has at least 3 lines)
            out += ["", placeholder, ""] + [""] * (end - start + 1 - 3)
            done = end + 1
        out += lines[done:]
        return out


class DocgenExtension(Extension):
    """Options (all optional), as the MkDocs plugin's (docs/mkdocs.md): page, root, paths,
    strict, allow_undecided, draft, cache, jobs, heading, templates."""

    def __init__(self, session: Session | None = None, **kwargs: Any):
        self.config = {
            "page": ["<markdown>", "the page's name in messages, e.g. docs/page.md"],
            "first_line": [1, "the page line of the text's first line"],
            "root": [".", "folder that relative paths start from"],
            "paths": [["derivations"], "folders searched for `id:` and citations"],
            "strict": [False, "pass only symbolic proofs (docgen verify --strict)"],
            "allow_undecided": [False, "let links that could not be checked pass"],
            "draft": [False, "render failing derivations marked instead of failing"],
            "cache": [".docgen-cache", "verdict cache folder ('' for none)"],
            "jobs": [0, "worker processes for checking (0: automatic)"],
            "heading": [3, "heading level of a derivation's title (1-5)"],
            "templates": ["", "folder with templates overriding docgen's"],
        }
        super().__init__(**kwargs)
        self.session = session if session is not None else Session(options_from(self.getConfigs()))
        self._where: tuple[str, int] | None = None

    def at(self, page: str, first_line: int) -> None:
        """Name the page converted next (the MkDocs plugin calls this for every page)."""
        self._where = (page, first_line)

    def where(self) -> tuple[str, int]:
        if self._where is not None:
            return self._where
        return str(self.getConfig("page")), int(self.getConfig("first_line"))

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.registerExtension(self)
        md.preprocessors.register(DerivationPreprocessor(md, self), "docgen_derivation", PRIORITY)


def options_from(config: dict[str, Any]) -> Options:
    """Options from the extension's or the plugin's settings (as they are written in YAML)."""
    paths = config.get("paths", ["derivations"])
    if isinstance(paths, str):
        paths = [paths]
    heading = int(config.get("heading", 3))
    if not 1 <= heading <= 5:
        from ..model.errors import DocgenError

        raise DocgenError(f"docgen: heading: {heading}: choose a heading level from 1 to 5")
    return Options(
        root=Path(str(config.get("root") or ".")),
        paths=tuple(str(p) for p in paths),
        strict=bool(config.get("strict", False)),
        allow_undecided=bool(config.get("allow_undecided", False)),
        draft=bool(config.get("draft", False)),
        cache=str(config["cache"]) if config.get("cache") else None,
        jobs=int(config.get("jobs", 0)),
        heading=heading,
        templates=str(config["templates"]) if config.get("templates") else None,
    )


def makeExtension(**kwargs: Any) -> DocgenExtension:  # noqa: N802 (Python-Markdown's name)
    return DocgenExtension(**kwargs)
