"""The ```derivation blocks of a set of pages -> verified, rendered HTML fragments, or located
problems. Shared by the Python-Markdown extension and the MkDocs plugin.

A block holds either a whole derivation in YAML (docs/format.md), read with docgen's safe
loader under the page's name and at the page's lines, or a reference, a mapping with the one key
`file:` (a derivation file, relative to `Options.root`) or `id:` (an id found in the folders
`Options.paths`). Citations are resolved in those folders (and in a referenced file's own
folder). `Session.prepare` reads every new block of the pages it is given, verifies everything
they need in ONE call of `run.verify.verify` (one set of worker processes, the verdict cache),
and renders each block with `render.render.render_fragment` and KaTeX; `Session.fragment` then
hands out the HTML. Failures follow `docgen verify`'s policy and are reported with the
block's page:line and the text of `docgen verify` (publish/report.text_report).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..check.verdict import Policy
from ..lang.rules import RULES
from ..model.derivation import Derivation
from ..model.errors import DocgenError, LoadError, Location
from ..publish.report import text_report
from ..read.load import Document, load_bytes, load_file
from ..run.cache import VerdictCache
from ..run.verify import Result, find_files, verify
from .blocks import Block, find_blocks

REFERENCE_KEYS = ("file", "id")


@dataclass(frozen=True)
class Options:
    """What the extension and the plugin are configured with (docs/mkdocs.md)."""

    root: Path = Path(".")  # where relative paths start (an MkDocs project: mkdocs.yml's folder)
    paths: tuple[str, ...] = ("derivations",)  # folders searched for `id:` and for citations
    strict: bool = False  # as `docgen verify --strict`
    allow_undecided: bool = False  # as `docgen verify --allow-undecided`
    draft: bool = False  # render failing derivations marked instead of failing (`--draft`)
    cache: str | None = ".docgen-cache"  # the verdict cache folder; None: check everything
    jobs: int = 0  # worker processes (0: automatic)
    heading: int = 3  # the level of a derivation's title heading
    templates: str | None = None  # a folder overriding docgen's templates

    @property
    def policy(self) -> Policy:
        return Policy(strict=self.strict, allow_undecided=self.allow_undecided)


@dataclass
class _Read:
    """What a block asks for: its derivation (inline, or the referenced file's)."""

    block: Block
    derivation: Derivation
    inline: bool


@dataclass
class Session:
    """Blocks verified and rendered so far (by page, line and text), for one build."""

    options: Options = field(default_factory=Options)
    fragments: dict[tuple[str, int, str], str] = field(default_factory=dict)
    verifications: int = 0  # calls of verify(): one per build when the plugin prepares all pages
    seconds: dict[str, float] = field(default_factory=lambda: {"verify": 0.0, "render": 0.0})
    _files: dict[Path, Derivation] = field(default_factory=dict)
    _index: dict[str, list[Path]] | None = None

    def reset(self) -> None:
        """Forget what was read (a new build: files may have changed); keep the options."""
        self.fragments.clear()
        self._files.clear()
        self._index = None
        self.verifications = 0

    @staticmethod
    def key(block: Block) -> tuple[str, int, str]:
        return (block.page, block.line, block.body)

    def fragment(self, block: Block) -> str:
        """The HTML of a block that `prepare` rendered."""
        return self.fragments[self.key(block)]

    def prepare(self, pages: list[tuple[str, str, int]]) -> list[DocgenError]:
        """Read, verify and render every block of `pages` ((name, text, line of its first line))
        not rendered yet. Returns the problems (empty: every block has its fragment)."""
        problems: list[DocgenError] = []
        blocks: list[Block] = []
        for name, text, first in pages:
            try:
                found = find_blocks(text, name, first)
            except DocgenError as exc:
                problems.append(exc)
                continue
            blocks += [b for b in found if self.key(b) not in self.fragments]
        reads: list[_Read] = []
        for block in blocks:
            try:
                reads.append(self._read(block))
            except DocgenError as exc:
                problems.append(exc)
        problems += _clashes(reads)
        if problems or not reads:
            return problems
        results = self._verify(reads)
        for r in reads:
            try:
                self._render(r, results)
            except DocgenError as exc:
                problems.append(exc)
        return problems

    # -- reading -------------------------------------------------------------------------------
    def _read(self, block: Block) -> _Read:
        if not block.body.strip():
            raise DocgenError("```derivation block is empty: write a derivation in YAML, or "
                              "`file: PATH` or `id: ID`", block.loc)
        # padded with the lines above it, the block's YAML has the page's line numbers
        raw = ("\n" * (block.body_line - 1) + block.body).encode("utf-8")
        doc = load_bytes(raw, block.page)
        data = doc.data
        if isinstance(data, dict) and len(data) == 1 and set(data) <= set(REFERENCE_KEYS):
            return _Read(block, self._referenced(block, doc), inline=False)
        from ..read.spec import build_derivation

        der = build_derivation(doc)
        return _Read(block, replace(der, path=f"{block.page}#{der.id}"), inline=True)

    def _referenced(self, block: Block, doc: Document) -> Derivation:
        (key, value), = doc.data.items()
        where = doc.loc(key)
        if not isinstance(value, str) or not value.strip():
            raise LoadError(f"{key}: write a {'path' if key == 'file' else 'derivation id'}", where)
        if key == "id":
            found = self._folders().get(value, [])
            if not found:
                raise DocgenError(f"id: no derivation {value!r} in {', '.join(self.options.paths)}",
                                  where)
            if len(found) > 1:
                raise DocgenError(f"id: {value!r} is the id of {len(found)} files: "
                                  f"{', '.join(map(str, found))}", where)
            return self._file(found[0], where)
        root = self.options.root.resolve()
        path = (root / value).resolve()
        if not path.is_relative_to(root):
            raise DocgenError(f"file: {value} is outside the project folder {root}", where)
        if not path.is_file():
            raise DocgenError(f"file: {value}: no such file", where)
        return self._file(path, where)

    def _file(self, path: Path, where: Location) -> Derivation:
        """The derivation of a file, read once per build; its errors named at the block too."""
        if path not in self._files:
            from ..read.spec import build_derivation

            try:
                self._files[path] = build_derivation(load_file(self._shown(path)))
            except DocgenError as exc:
                raise DocgenError(f"{exc}", where) from None
        return self._files[path]

    def _shown(self, path: Path) -> Path:
        """`path` relative to the root when it is inside (as messages show it)."""
        root = self.options.root.resolve()
        return path.relative_to(root) if path.is_relative_to(root) else path

    def _folders(self) -> dict[str, list[Path]]:
        """id -> the files of the configured folders that have it (only their YAML is read)."""
        if self._index is None:
            self._index = {}
            root = self.options.root
            folders = [str(root / p) for p in self.options.paths if (root / p).exists()]
            for path in find_files(folders) if folders else []:
                try:
                    data = load_file(path).data
                except DocgenError:
                    continue  # an unreadable file is reported if it is needed (by file:)
                if isinstance(data, dict) and isinstance(data.get("id"), str):
                    self._index.setdefault(data["id"], []).append(path.resolve())
        return self._index

    # -- verifying -----------------------------------------------------------------------------
    def _verify(self, reads: list[_Read]) -> dict[str, Result]:
        """Verify every block's derivation and what it cites, in one call of verify()."""
        wanted: dict[str, Derivation] = {}
        for r in reads:
            wanted.setdefault(r.derivation.id, r.derivation)
        todo = [c for d in wanted.values() for c, _ in d.citations() if c not in RULES]
        while todo:
            cid = todo.pop()
            if cid in wanted:
                continue
            found = self._folders().get(cid, [])
            if len(found) != 1:
                continue  # verify reports an unknown citation at the step that makes it
            try:
                der = self._file(found[0], Location(str(found[0])))
            except DocgenError:
                continue  # reported as a citation of a derivation that is not there
            wanted[cid] = der
            todo += [c for c, _ in der.citations() if c not in RULES]
        folder = self.options.root / self.options.cache if self.options.cache else None
        cache = VerdictCache(folder)
        started = time.perf_counter()
        try:
            results = verify(list(wanted.values()), jobs=self.options.jobs, cache=cache,
                             policy=self.options.policy)
        finally:
            cache.close()
        self.verifications += 1
        self.seconds["verify"] += time.perf_counter() - started
        return {res.derivation.id: res for res in results}

    # -- rendering -----------------------------------------------------------------------------
    def _render(self, r: _Read, results: dict[str, Result]) -> None:
        from ..render import katex
        from ..render.render import render_fragment

        res = results[r.derivation.id]
        block = r.block
        if not res.passed and not self.options.draft:
            raise DocgenError(_failure(res, results), block.loc)
        started = time.perf_counter()
        templates = self.options.root / self.options.templates if self.options.templates else None
        try:
            html = render_fragment(res, math_to_html=katex.render_math, draft=not res.passed,
                                   refs={i: x.derivation.title for i, x in results.items()},
                                   templates=templates, heading=self.options.heading)
        except katex.KatexError as exc:
            raise DocgenError(f"derivation {res.derivation.id}: {exc.message}", block.loc) from None
        self.seconds["render"] += time.perf_counter() - started
        self.fragments[self.key(block)] = html


def _failure(res: Result, results: dict[str, Result]) -> str:
    """`docgen verify`'s report of a failing derivation and of the failing ones it cites."""
    shown, todo = [res], [c for c, _ in res.derivation.citations()]
    while todo:
        cited = results.get(todo.pop())
        if cited is not None and not cited.passed and cited not in shown:
            shown.append(cited)
            todo += [c for c, _ in cited.derivation.citations()]
    report = text_report(shown).rstrip("\n").splitlines()[:-1]  # without "N passed, M failed"
    return (f"derivation {res.derivation.id} does not verify (`draft: true` renders it marked):\n"
            + "\n".join(report))


def _clashes(reads: list[_Read]) -> list[DocgenError]:
    """Two different derivations with one id (two inline blocks, or a block and a file)."""
    seen: dict[str, _Read] = {}
    problems = []
    for r in reads:
        other = seen.setdefault(r.derivation.id, r)
        if other.derivation is not r.derivation:
            first = other.block.loc if other.inline else other.derivation.path
            problems.append(DocgenError(f"id {r.derivation.id!r} is also the id of the "
                                        f"derivation at {first}", r.derivation.loc or r.block.loc))
    return problems
