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
from .resources import package_templates
from .view import build_view

FORMATS = ("latex", "html", "md")
TEMPLATE_NAMES = {"latex": "latex/document.tex.j2", "html": "html/document.html.j2",
                  "md": "markdown/document.md.j2"}
SITE_NOTE_TEMPLATE = "site/note.html.j2"
FRAGMENT_TEMPLATE = "html/fragment.html.j2"  # a derivation inside another page (integrations)
FRAGMENT_CSS = "html/fragment.css"  # the style that page needs besides KaTeX's


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
    paths.append(str(package_templates()))
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
    f = _formatter(result, fmt, draft)
    if site is not None:
        f.cite_anchors = dict(site.get("cite_anchors", {}))
    view = build_view(result, f, draft, dict(refs or {}))
    if site is not None and fmt == "html":
        rendered = _render(result, fmt, templates, SITE_NOTE_TEMPLATE, doc=view, site=site)
    else:
        rendered = _render(result, fmt, templates, TEMPLATE_NAMES[fmt], doc=view)
    return f.finish(rendered, math_to_html)


def render_fragment(result: Any, *, math_to_html: MathToHtml | None = None, draft: bool = False,
                    refs: dict[str, str] | None = None, templates: Path | None = None,
                    heading: int = 3) -> str:
    """One derivation as a fragment of another HTML page: `templates/html/fragment.html.j2`,
    the sections of the HTML document (same macros) in a `<div class="docgen">`, without
    <html>, <head> or styles (the page links KaTeX's CSS and `fragment_css()`).

    `heading` is the level of the title's heading (1-5; the sections get the next level).
    Every id starts with "docgen-<id>-"; citations are the cited ids as text (the page cannot
    know where another derivation is shown). Other arguments and errors as `render_document`.
    """
    if not 1 <= heading <= 5:
        raise ValueError(f"heading level {heading}: choose from 1 to 5")
    f = _formatter(result, "html", draft)
    f.cite_links = False
    view = build_view(result, f, draft, dict(refs or {}))
    rendered = _render(result, "html", templates, FRAGMENT_TEMPLATE, doc=view, h=heading,
                       p=f"docgen-{result.derivation.id}-")
    return f.finish(rendered, math_to_html)


def fragment_css(templates: Path | None = None) -> str:
    """The CSS a page showing fragments needs besides KaTeX's (`templates/html/fragment.css`,
    or the same name in `templates`)."""
    env = make_env("html", templates)
    assert env.loader is not None
    return env.loader.get_source(env, FRAGMENT_CSS)[0]


def _formatter(result: Any, fmt: str, draft: bool) -> Formatter:
    """The formatter of one document; a derivation that failed needs `draft`."""
    der = result.derivation
    if not result.passed and not draft:
        raise RenderError(f"{der.id} does not verify; not rendered (use --draft to render it anyway)",
                          der.loc)
    return Formatter(fmt, f"{der.id} ({der.path})", lang=der.language)


def _render(result: Any, fmt: str, templates: Path | None, name: str, **variables: Any) -> str:
    der = result.derivation
    try:
        return make_env(fmt, templates).get_template(name).render(**variables)
    except jinja2.TemplateError as exc:
        raise RenderError(f"{der.id}: template error in {fmt}: {exc}", der.loc) from None
