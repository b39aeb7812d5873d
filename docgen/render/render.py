"""Checked results -> documents (LaTeX, HTML, Markdown) through Jinja templates.

Pure functions: the only input read is a template, through Jinja's loader. Templates receive
the view model of `view` (strings already printed and escaped for their format, see `escape`
and `formatter`) as `doc`. This module holds the template names, the Jinja environments and
`render_document`, the entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from .escape import RenderError  # defined with the note math check, where it is first raised
from .formatter import Formatter, MathToHtml, register_filters
from .view import build_view

FORMATS = ("latex", "html", "md")
TEMPLATE_NAMES = {"latex": "latex/document.tex.j2", "html": "html/document.html.j2",
                  "md": "markdown/document.md.j2"}
SITE_NOTE_TEMPLATE = "site/note.html.j2"
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


# ===========================================================================================
# Jinja
# ===========================================================================================


_ENVS: dict[tuple[str, str], jinja2.Environment] = {}


def make_env(fmt: str, templates_dir: Path | None = None) -> jinja2.Environment:
    """A Jinja environment for `fmt`: the user's templates first, then the package's.

    One per format and templates folder, kept for the process, so that each template is
    compiled once per build rather than once per document; Jinja still checks a template's
    mtime at every use (auto_reload), so an edited template is compiled again."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    key = (fmt, "" if templates_dir is None else str(Path(templates_dir).resolve()))
    if key not in _ENVS:
        _ENVS[key] = _new_env(fmt, templates_dir)
    return _ENVS[key]


def _new_env(fmt: str, templates_dir: Path | None) -> jinja2.Environment:
    paths = [str(templates_dir)] if templates_dir is not None else []
    paths.append(str(PACKAGE_TEMPLATES))
    options: dict[str, Any] = dict(
        loader=jinja2.FileSystemLoader(paths),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=(fmt == "html"),
    )
    if fmt == "latex":
        options.update(
            block_start_string="<%", block_end_string="%>",
            variable_start_string="<<", variable_end_string=">>",
            comment_start_string="<#", comment_end_string="#>",
            line_statement_prefix=None, line_comment_prefix=None,
        )
    env = jinja2.Environment(**options)
    register_filters(env, fmt)
    return env


# ===========================================================================================
# Entry point
# ===========================================================================================


def render_document(result: Any, fmt: str, *, templates: Path | None = None,
                    math_to_html: MathToHtml | None = None, draft: bool = False,
                    refs: dict[str, str] | None = None, site: dict | None = None) -> str:
    """One derivation's document in `fmt` ('latex', 'html' or 'md').

    Args:
        result: a `docgen.verify.Result`.
        templates: a folder whose templates override the package's.
        math_to_html: renders [(tex, display)] to HTML (KaTeX); None keeps TeX placeholders.
        draft: render a derivation that failed verification, failed links marked.
        refs: titles of other derivations by id, for citations.
        site: for a page of a published site (HTML only): the `site` variable of
            `templates/site/note.html.j2` (navigation, "cited by", downloads; see docgen.site).

    Raises:
        RenderError: the derivation failed verification (without `draft`), or a note's math
            uses a TeX command that is not allowed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    der = result.derivation
    if not result.passed and not draft:
        raise RenderError(f"{der.id} does not verify; not rendered (use --draft to render it anyway)",
                          der.loc)
    f = Formatter(fmt, f"{der.id} ({der.path})", lang=der.language)
    if site is not None:
        f.cite_anchors = dict(site.get("cite_anchors", {}))
    view = build_view(result, f, draft, dict(refs or {}))
    env = make_env(fmt, templates)
    try:
        if site is not None and fmt == "html":
            rendered = env.get_template(SITE_NOTE_TEMPLATE).render(doc=view, site=site)
        else:
            rendered = env.get_template(TEMPLATE_NAMES[fmt]).render(doc=view)
    except jinja2.TemplateError as exc:
        raise RenderError(f"{der.id}: template error in {fmt}: {exc}", der.loc) from None
    return f.finish(rendered, math_to_html)
