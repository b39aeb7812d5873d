"""How text, prose, math and links are written in one output format (`Formatter`), and the
filters templates may use on text they add themselves.

Every formula goes through `Formatter.math`: in HTML it leaves a placeholder on the page, and
`Formatter.finish` puts the rendered formulas in, all at once. Note prose in HTML goes through
Markdown without raw HTML, links or images, then through the sanitizer of `escape`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import jinja2
import markdown
from markupsafe import Markup, escape

from ..lang.rules import RULES, describe
from .escape import (
    SOURCE_EQ,
    RenderError,
    check_math,
    latex_breakable,
    latex_escape,
    is_derivation_id,
    latex_inline_markdown,
    latex_pdf_text,
    latex_url,
    md_code_span,
    md_display_math,
    md_escape,
    md_inline_math,
    md_prose_text,
    sanitize_html,
    split_prose,
    strip_private,
)

MathToHtml = Callable[[list[tuple[str, bool]]], list[str]]

# `{src:LABEL}` in prose: the equation LABEL of the derivation's source, told apart from the
# document's own step numbers (1), (2), ... by its words and brackets
SOURCE_EQ_WORDS = {"en": "[source eq. {label}]", "zh": "〔原文式 {label}〕"}
_CODE = re.compile(r"(<code>.*?</code>)", re.S)
_ESCAPED_SRC = "\ue0f0"

# punctuation that must not start a line, kept with an inline formula before it when the
# formula's TeX is at most _NOBR_TEX characters (a longer one may need to break inside)
_CJK_CLOSING = set("，。、；：？！）」』】〕")
_NOBR_TEX = 40

# note prose in HTML: Markdown's output, with the math pymdownx.arithmatex found in it
_ARITHMATEX = re.compile(
    r'<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>',
    re.S,
)


def _markdown() -> markdown.Markdown:
    """Markdown for note prose: math left to KaTeX, no raw HTML, no links or images."""
    md = markdown.Markdown(
        extensions=["pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
        output_format="html",
    )
    # raw HTML in prose is text, never markup
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    for name in ("link", "image_link", "image_reference", "reference", "short_reference",
                 "short_image_ref", "autolink", "automail"):
        if name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)
    return md


@dataclass
class Formatter:
    """How text, prose, math and links are written in one output format."""

    fmt: str
    where: str  # the derivation, for error messages
    math_items: list[tuple[str, bool]] = field(default_factory=list)
    cite_anchors: dict[str, str] = field(default_factory=dict)  # id -> '#claim-main' (site)
    cite_links: bool = True  # False: a citation is its id as text (a fragment in another page)
    lang: str = "en"  # the note's language: the words of a source's equation

    # -- math -------------------------------------------------------------------------------
    def math(self, tex: str, display: bool = False) -> Any:
        if self.fmt == "html":
            self.math_items.append((tex, display))
            return Markup(f"\ue000{len(self.math_items) - 1}\ue001")
        if self.fmt == "latex":
            return f"\\[ {tex} \\]" if display else f"${tex}$"
        return md_display_math(tex) if display else md_inline_math(tex)

    # -- text -------------------------------------------------------------------------------
    def text(self, s: str) -> Any:
        s = strip_private(s)
        if self.fmt == "latex":
            return latex_escape(s)
        if self.fmt == "md":
            return md_escape(s)
        return s  # autoescaped by Jinja

    def prose(self, s: str, what: str, inline: bool = False, loc: Any = None) -> Any:
        """Markdown prose with math in the output format; `loc`: where the prose is.

        Every formula, whatever its delimiters ($...$, $$...$$, \\(...\\), \\[...\\],
        \\begin{env}...\\end{env}), passes `check_math`: in LaTeX and Markdown those that
        `split_prose` finds, in HTML those that Markdown's math extension finds (the ones KaTeX
        is given)."""
        s = strip_private(s or "").replace("\r\n", "\n").strip()
        where = f"{self.where}: {what}"
        if self.fmt == "html":
            return self._html_prose(s, inline, where, loc)
        tokens = split_prose(s)
        for kind, body in tokens:
            if kind in ("inline", "display"):
                self._check(body, where, loc)
        out: list[str] = []
        for n, (kind, body) in enumerate(tokens):
            if self.fmt == "md" and kind == "inline" and n >= 2 and tokens[n - 2][0] == "inline" \
                    and tokens[n - 1][0] == "text" and not (tokens[n - 1][1][:1].isspace()
                                                         or tokens[n - 1][1][-1:].isspace()):
                # `$`a`$，$`b`$`: the dollars around "，" would pair up as math for
                # Markdown-with-dollar-math converters; a space keeps them apart.
                out.append(" ")
            if kind == "text":
                # Markdown: no raw HTML, links, images, code spans or math start in text, as in
                # the HTML output, whose sanitizer keeps no <a> or <img>
                out.append(latex_inline_markdown(body) if self.fmt == "latex" else md_prose_text(body))
            elif kind == "code":
                out.append(r"\texttt{" + latex_escape(body) + "}" if self.fmt == "latex" else md_code_span(body))
            elif kind == "escaped":
                out.append(latex_escape(body) if self.fmt == "latex" else "\\" + body)
            elif kind == "source-eq":
                out.append(self.text(self.source_eq(body)))
            else:
                out.append(self.math(body, kind == "display"))
        return "".join(out).strip()

    @staticmethod
    def _check(tex: str, where: str, loc: Any) -> None:
        try:
            check_math(tex, where)
        except RenderError as exc:
            raise RenderError(exc.message, loc) from None

    def _html_prose(self, s: str, inline: bool, where: str, loc: Any) -> Markup:
        # an escaped `\{src:` stays text: kept from Markdown (which would drop the backslash)
        # as a private-use character (stripped from all input), put back at the end
        converted = _markdown().convert(s.replace("\\{src:", _ESCAPED_SRC))
        pieces: list[str] = []  # sanitized HTML and formulas, alternating
        short: list[bool] = []  # per formula: inline and short enough to keep with what follows
        pos = 0
        for m in _ARITHMATEX.finditer(converted):
            pieces.append(sanitize_html(converted[pos:m.start()]))
            display = m.group("display") is not None
            tex = html.unescape(m.group("display") if display else m.group("inline"))
            tex = tex.replace(_ESCAPED_SRC, "\\{src:")
            self._check(tex, where, loc)
            pieces.append(str(self.math(tex, display)))
            short.append(not display and len(tex) <= _NOBR_TEX)
            pos = m.end()
        pieces.append(sanitize_html(converted[pos:]))
        for i, keep in zip(range(1, len(pieces), 2), short):
            # CJK punctuation never starts a line: a short formula and the mark after it stay
            # together (browsers break after an inline formula even before "，")
            if keep and pieces[i + 1][:1] in _CJK_CLOSING:
                pieces[i] = '<span class="nobr">' + pieces[i] + pieces[i + 1][0] + "</span>"
                pieces[i + 1] = pieces[i + 1][1:]
        out = "".join(pieces[i] if i % 2 else self._html_source_eqs(pieces[i])
                      for i in range(len(pieces)))
        if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        return Markup(out)

    def source_eq(self, label: str) -> str:
        """The words for equation `label` of the source: '[source eq. B.15]'."""
        return SOURCE_EQ_WORDS.get(self.lang, SOURCE_EQ_WORDS["en"]).format(label=label)

    def _html_source_eqs(self, fragment: str) -> str:
        """`{src:LABEL}` in sanitized HTML, outside code spans, as a span of words."""
        parts = _CODE.split(fragment)
        for i, part in enumerate(parts):
            if i % 2:  # a code span shows what was written
                parts[i] = part.replace(_ESCAPED_SRC, "\\{src:")
            else:
                parts[i] = SOURCE_EQ.sub(lambda m: '<span class="source-eq">' + html.escape(
                    self.source_eq(m.group(1))) + "</span>", part).replace(_ESCAPED_SRC, "{src:")
        return "".join(parts)

    def pieces(self, pieces: list[tuple[str, str]]) -> Any:
        """Text and math pieces (`docgen.render.evidence`) written in the output format: text
        escaped, math through `math`. In Markdown, text between two formulas that does not
        start or end with a space gets one (the rule of `prose`)."""
        out: list[str] = []
        for n, (kind, s) in enumerate(pieces):
            if kind == "math":
                if self.fmt == "md" and n >= 2 and pieces[n - 2][0] == "math" \
                        and pieces[n - 1][0] == "text" \
                        and not (pieces[n - 1][1][:1].isspace() or pieces[n - 1][1][-1:].isspace()):
                    out.append(" ")
                out.append(str(self.math(s)))
            else:
                text = self.text(s)
                out.append(str(escape(text)) if self.fmt == "html" else text)
        text = "".join(out)
        return Markup(text) if self.fmt == "html" else text

    # -- PDF metadata, URLs and ids ----------------------------------------------------------
    def meta(self, s: str) -> Any:
        """Plain text for document metadata and PDF bookmarks, on one line (no math)."""
        s = " ".join(strip_private(s).split())
        return latex_pdf_text(s) if self.fmt == "latex" else self.text(s)

    def href(self, url: str) -> str:
        """A URL as a link target: escaped for \\href in LaTeX, as it is elsewhere (HTML
        autoescapes it, Markdown puts it in <...>)."""
        return latex_url(url) if self.fmt == "latex" else url

    def breakable(self, s: str) -> Any:
        """A URL or an id as text that may break across lines (LaTeX; elsewhere the text)."""
        return latex_breakable(s) if self.fmt == "latex" else self.text(s)

    # -- links ------------------------------------------------------------------------------
    def reason(self, by: str, language: str) -> Any:
        """A step's reason: a rule's description, or a citation. Only a well-formed derivation
        id (the schema's pattern) becomes a link, \\ref or anchor; anything else is text."""
        if not by:
            return ""
        if by in RULES:
            return self.text(describe(by, language))
        if not is_derivation_id(by):
            return self.text(by)
        if self.fmt == "html" and not self.cite_links:
            return Markup('<span class="cite">{0}</span>').format(by)
        if self.fmt == "html":
            return Markup('<a class="cite" href="../{0}/{0}.html{1}">{0}</a>').format(
                by, self.cite_anchors.get(by, ""))
        if self.fmt == "md":
            return f"[{md_escape(by)}](../{by}/{by}.md)"
        return (r"\href{../" + by + "/" + by + r".pdf}{\texttt{" + latex_breakable(by)
                + r"}}~[\ref{cite:" + by + "}]")

    def finish(self, rendered: str, math_to_html: MathToHtml | None) -> str:
        if self.fmt != "html":
            return rendered
        if math_to_html is not None:
            outs = list(math_to_html(list(self.math_items)))
            if len(outs) != len(self.math_items):
                raise RenderError(f"{self.where}: the math renderer returned {len(outs)} results "
                                  f"for {len(self.math_items)} formulas")
        else:
            outs = [
                (f'<div class="math">\\[{html.escape(tex)}\\]</div>' if display
                 else f'<span class="math">\\({html.escape(tex)}\\)</span>')
                for tex, display in self.math_items
            ]
        return re.sub("\ue000(\\d+)\ue001", lambda m: outs[int(m.group(1))], rendered)


def register_filters(env: jinja2.Environment, fmt: str) -> None:
    """Filters templates may use on plain text they add themselves."""
    if fmt == "latex":
        env.filters["escape_text"] = latex_escape
    elif fmt == "md":
        env.filters["escape_text"] = md_escape
    else:
        env.filters["escape_text"] = lambda s: s  # autoescape does it
    env.filters["md_math"] = md_inline_math
