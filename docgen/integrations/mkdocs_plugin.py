"""The MkDocs plugin `docgen`: ```derivation blocks in any page become checked derivations, and
`mkdocs build` fails with page:line when one does not verify (docs/mkdocs.md).

    plugins:
      - docgen:
          paths: [derivations]

The only module of docgen that imports MkDocs (MkDocs is no dependency of docgen). Events:
on_config adds the Markdown extension (mdext, sharing this plugin's session) and the two style
sheets to `extra_css`; on_files reads the blocks of every page and verifies them all in one
call (session.Session.prepare), so that a build checks once; on_page_markdown names the page
being converted and the line its Markdown starts on (after the front matter); on_post_build
writes KaTeX's CSS and fonts and docgen's fragment CSS into the site; on_serve watches the
derivation folders. A problem stops the build as a PluginError: MkDocs prints it without a
traceback and exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from ..model.errors import DocgenError
from ..render import katex
from ..render.render import fragment_css
from .mdext import DocgenExtension, options_from
from .session import Session

ASSETS = "assets/docgen"  # in the site: katex/katex.min.css, katex/fonts/*.woff2, docgen.css
STYLES = (f"{ASSETS}/katex/katex.min.css", f"{ASSETS}/docgen.css")


class DocgenConfig(Config):
    paths = c.ListOfItems(c.Type(str), default=["derivations"])
    strict = c.Type(bool, default=False)
    allow_undecided = c.Type(bool, default=False)
    draft = c.Type(bool, default=False)
    cache = c.Type(str, default=".docgen-cache")
    jobs = c.Type(int, default=0)
    heading = c.Type(int, default=3)
    templates = c.Optional(c.Type(str))


class DocgenPlugin(BasePlugin[DocgenConfig]):
    def __init__(self) -> None:
        self.session: Session | None = None
        self.ext: DocgenExtension | None = None
        self.root = Path(".")

    def on_config(self, config: Any) -> Any:
        self.root = Path(config.config_file_path or ".").resolve().parent
        try:
            options = options_from({**dict(self.config), "root": str(self.root)})
        except DocgenError as exc:
            raise PluginError(str(exc)) from None
        self.session = Session(options)
        self.ext = DocgenExtension(session=self.session)
        config.markdown_extensions.append(self.ext)
        config.extra_css.extend(s for s in STYLES if s not in config.extra_css)
        return config

    def on_files(self, files: Any, *, config: Any) -> Any:
        assert self.session is not None
        self.session.reset()  # a rebuild of `mkdocs serve`: files may have changed
        pages = [(self._name(f, config), f.content_string, 1) for f in files.documentation_pages()]
        self._stop_on(self.session.prepare(pages))
        return files

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        assert self.session is not None and self.ext is not None
        name = self._name(page.file, config)
        first = _first_line(page.file.content_string, markdown)
        self.ext.at(name, first)
        # normally every block is known from on_files; a block another plugin added is
        # verified here
        self._stop_on(self.session.prepare([(name, markdown, first)]))
        return markdown

    def on_post_build(self, *, config: Any) -> None:
        site = Path(config.site_dir) / ASSETS
        try:
            files = {f"katex/{rel}": data for rel, data in katex.assets().items()}
            templates = self.root / self.config.templates if self.config.templates else None
            files["docgen.css"] = fragment_css(templates).encode("utf-8")
        except DocgenError as exc:
            raise PluginError(f"docgen: {exc}") from None
        for rel, data in sorted(files.items()):
            target = site / rel
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        for folder in self.config.paths:
            if (self.root / folder).is_dir():
                server.watch(str(self.root / folder))
        return server

    def _name(self, file: Any, config: Any) -> str:
        """A page as messages name it: relative to the project folder (docs/page.md)."""
        if file.abs_src_path:
            path = Path(file.abs_src_path).resolve()
            if path.is_relative_to(self.root):
                return path.relative_to(self.root).as_posix()
            return str(path)
        return f"{Path(config.docs_dir).name}/{file.src_uri}"

    @staticmethod
    def _stop_on(problems: list[DocgenError]) -> None:
        if problems:
            raise PluginError("\n".join(str(p) for p in problems))


def _first_line(source: str, markdown: str) -> int:
    """The line of the page file that `markdown` (its text after MkDocs took off the front
    matter) starts on; 1 when it is not the file's tail (another plugin rewrote it)."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    if markdown and source.endswith(markdown):
        return source[: len(source) - len(markdown)].count("\n") + 1
    return 1

