"""Every format's escaping: plain text for LaTeX and Markdown, note math checked against a
whitelist of TeX commands, and the HTML of note prose reduced to a few harmless tags.

Prose (summaries, notes, descriptions) is Markdown with inline ``$...$`` math. Math inside prose
is checked against a whitelist of TeX commands (no \\input, \\write, \\catcode, ...); raw HTML in
prose is never passed through. Characters of the Unicode private use area the renderer uses as
placeholders (and control characters) are removed from all text.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

from ..model.errors import DocgenError


class RenderError(DocgenError):
    """A derivation cannot be rendered (unsafe note math, failed verification, ...)."""


# ===========================================================================================
# Prose: Markdown with $...$ math
# ===========================================================================================

# TeX commands allowed inside note math (what KaTeX and amsmath typeset; nothing that reads or
# writes files, changes catcodes, defines macros or reaches the shell).
SAFE_TEX_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi
varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi
Pi Sigma Upsilon Phi Psi Omega
frac dfrac tfrac sqrt partial nabla sum prod int oint lim limsup liminf max min sup inf arg
exp log ln sin cos tan tanh sinh cosh det dim ker Pr
mathbf mathrm mathit mathbb mathcal mathsf mathtt boldsymbol bm vec hat bar tilde dot ddot
overline underline widehat widetilde operatorname text textbf textit textrm
top intercal mathsf T odot oslash otimes oplus circ cdot times div pm mp ast star bullet
le leq ge geq ne neq approx sim simeq equiv propto in notin subset subseteq supset supseteq
cup cap setminus emptyset forall exists neg land lor to gets mapsto rightarrow leftarrow
Rightarrow Leftarrow Leftrightarrow leftrightarrow implies iff infty ell
left right big Big bigg Bigg bigl bigr Bigl Bigr langle rangle lVert rVert lvert rvert
lfloor rfloor lceil rceil vert Vert mid
ldots cdots vdots ddots dots quad qquad
begin end matrix pmatrix bmatrix vmatrix Vmatrix cases aligned
displaystyle textstyle scriptstyle
mathbf underbrace overbrace
""".split())
SAFE_TEX_ENVIRONMENTS = frozenset("matrix pmatrix bmatrix vmatrix Vmatrix cases aligned".split())
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)
_TEX_ENV = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")
_SAFE_SYMBOL_COMMANDS = set(r", ; : ! { } | \ _ & # % $".split()) | {" "}

# Inline tokens of one paragraph (prose is cut at blank lines first, as Markdown does, so that
# no code span or formula crosses one). A code span is a run of backticks closed by a run of the
# same length (CommonMark); math is $...$, $$...$$ and \(...\), as pymdownx.arithmatex reads them.
_PROSE_TOKEN = re.compile(
    r"(?P<code>(?<!(?<!\\)`)(?P<ticks>`+)(?!`)(?P<codebody>.+?)(?<!`)(?P=ticks)(?!`))"
    r"|\$\$(?P<display>(?:\\.|[^\\])+?)\$\$"
    r"|(?<!\\)\$(?!\s)(?P<inline>(?:\\.|[^\\$])+?)(?<!\s)\$"
    r"|\\\((?P<round>(?:\\[^)]|[^\\])+?)\\\)"
    r"|\{src:(?P<srceq>[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,14}[A-Za-z0-9])?)\}"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!$<>&|~])",
    re.S,
)
# A paragraph that is one display formula: \[...\] or \begin{env}...\end{env} (pymdownx.arithmatex's
# block math; $$...$$ is display math anywhere).
_BLOCK_MATH = re.compile(
    r"[ \t]*(?:\\\[(?P<square>(?:\\[^\]]|[^\\])+?)\\\]"
    r"|(?P<begin>\\begin\{(?P<env>[a-z]+\*?)\}(?:\\.|[^\\])+?\\end\{(?P=env)\}))[ \t]*",
    re.S,
)
# `{src:LABEL}` in prose: the source's equation LABEL (HTML finds it after Markdown, in text)
SOURCE_EQ = re.compile(r"\{src:([A-Za-z0-9](?:[A-Za-z0-9.\-]{0,14}[A-Za-z0-9])?)\}")
# a blank line (only spaces or tabs) ends a paragraph
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n(?:[ \t]*\n)*)")
_PRIVATE = re.compile("[\ue000-\ue0ff\x00-\x08\x0b\x0c\x0e-\x1f]")


@lru_cache(maxsize=1)
def _id_pattern() -> re.Pattern[str]:
    from ..read.schema import schema

    return re.compile(schema()["properties"]["id"]["pattern"])


def is_derivation_id(text: str) -> bool:
    """Whether `text` is a well-formed derivation id (the schema's pattern): only those may
    reach a file name, a link, a TeX label or \\ref."""
    return isinstance(text, str) and _id_pattern().fullmatch(text) is not None


def strip_private(text: str) -> str:
    """`text` without private-use characters (the renderer's placeholders) and control codes."""
    return _PRIVATE.sub("", str(text))


def check_math(tex: str, where: str) -> str:
    """Note math must use only whitelisted TeX commands; returns the TeX unchanged.

    Raises:
        RenderError: naming `where` and the offending command.
    """
    if "^^" in tex:
        raise RenderError(f"{where}: '^^' is not allowed in note math")
    for ch in "%#`":
        if ch in tex:
            raise RenderError(f"{where}: {ch!r} is not allowed in note math")
    for m in _TEX_COMMAND.finditer(tex):
        cmd = m.group(1)
        if cmd.isalpha():
            if cmd not in SAFE_TEX_COMMANDS:
                raise RenderError(f"{where}: the TeX command \\{cmd} is not allowed in note math")
        elif cmd not in _SAFE_SYMBOL_COMMANDS or cmd in "#%":
            raise RenderError(f"{where}: '\\{cmd}' is not allowed in note math")
    for m in _TEX_ENV.finditer(tex):
        if m.group(1) not in SAFE_TEX_ENVIRONMENTS:
            raise RenderError(f"{where}: the environment {{{m.group(1)}}} is not allowed in note math")
    return tex


def split_prose(text: str) -> list[tuple[str, str]]:
    """Prose -> [(kind, text)] with kind in text, code, inline, display, escaped, source-eq
    (`{src:B.15}`: equation B.15 of the derivation's source, see SOURCE_EQ).

    Cut into paragraphs at blank lines first (the separators are text): a code span or a
    formula never crosses a blank line, as in Markdown, where a blank line ends a paragraph."""
    out: list[tuple[str, str]] = []
    for n, para in enumerate(_PARAGRAPH_BREAK.split(text)):
        if n % 2:
            out.append(("text", para))
            continue
        block = _BLOCK_MATH.fullmatch(para)
        if block is not None:
            out.append(("display", (block.group("square") or block.group("begin")).strip()))
            continue
        pos = 0
        for m in _PROSE_TOKEN.finditer(para):
            if m.start() > pos:
                out.append(("text", para[pos:m.start()]))
            if m.group("code") is not None:
                out.append(("code", m.group("codebody")))
            elif m.group("display") is not None:
                out.append(("display", m.group("display").strip()))
            elif m.group("inline") is not None:
                out.append(("inline", m.group("inline")))
            elif m.group("round") is not None:
                out.append(("inline", m.group("round").strip()))
            elif m.group("srceq") is not None:
                out.append(("source-eq", m.group("srceq")))
            else:
                out.append(("escaped", m.group("escaped")))
            pos = m.end()
        if pos < len(para):
            out.append(("text", para[pos:]))
    merged: list[tuple[str, str]] = []
    for kind, body in out:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + body)
        elif body or kind != "text":
            merged.append((kind, body))
    return merged


# -- LaTeX text ----------------------------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_TEX_UNICODE = {
    "∈": r"$\in$", "∂": r"$\partial$", "ᵀ": r"$^{\top}$", "×": r"$\times$", "≤": r"$\leq$",
    "≥": r"$\geq$", "≈": r"$\approx$", "✓": r"$\checkmark$", "✗": r"$\times$", "⊙": r"$\odot$",
    "→": r"$\to$", "⇒": r"$\Rightarrow$", "∑": r"$\sum$", "·": r"$\cdot$", "−": r"$-$",
}


# Greek letters and superscripts in text: the text fonts (Latin Modern) have no glyph for them,
# so they are set as mathematics (a run of superscripts as one: X⁻¹ -> X$^{-1}$)
_GREEK_NAMES = ("alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi o pi "
                "rho varsigma sigma tau upsilon varphi chi psi omega").split()
_TEX_UNICODE.update({chr(0x3B1 + k): ("$o$" if n == "o" else f"$\\{n}$") for k, n in enumerate(_GREEK_NAMES)})
_TEX_UNICODE.update({ch: f"$\\{n}$" for ch, n in zip("ΓΔΘΛΞΠΣΥΦΨΩϵϕϑ", (
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega epsilon phi vartheta").split())})
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPTS) + "]+")


def latex_escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, a few math symbols, Greek letters and
    superscripts made math."""
    text = strip_private(text)
    out, pos = [], 0
    for m in _SUPERSCRIPT_RUN.finditer(text):
        out.append(_escape_chars(text[pos:m.start()]))
        out.append("$^{" + "".join(_SUPERSCRIPTS[ch] for ch in m.group()) + "}$")
        pos = m.end()
    out.append(_escape_chars(text[pos:]))
    return "".join(out)


def _escape_chars(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch) or _TEX_UNICODE.get(ch) or ch for ch in text)


def latex_inline_markdown(text: str) -> str:
    """Escaped text with **bold** and *emphasis* as \\textbf and \\emph; blank lines as \\par."""
    out = latex_escape(text)
    out = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\\textbf{\1}", out)
    out = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\\emph{\1}", out)
    out = re.sub(r"\n\s*\n", "\n\\\\par\n", out)
    return out


# -- LaTeX links, breakable strings and PDF metadata ----------------------------------------

# characters a URL may not hold as they are (RFC 3986): percent-encoded in the link target, as
# browsers do; the schema already refuses spaces, quotes and angle brackets
_URL_ENCODE = set('\\{}^|`')
# what TeX reads specially in \href's target when it is not in another command's argument
_URL_TEX = {"%": r"\%", "#": r"\#", "&": r"\&", "~": r"\string~"}
# a line may break after these in a URL or an id (not between two of them: 'https://')
_BREAK_AFTER = set("/.-_?&=#:;,+~@")
_LONG_RUN = 12  # a run of other characters longer than this may break anywhere


def latex_url(url: str) -> str:
    """A URL as the target of \\href (7-bit ASCII): characters outside ASCII and those a URL
    may not hold are percent-encoded (UTF-8), the few TeX reads specially are escaped. The
    template puts \\href at the top level of a paragraph, never in another command's argument."""
    out = []
    for ch in strip_private(url):
        if ord(ch) > 126 or ord(ch) < 33 or ch in _URL_ENCODE:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(_URL_TEX.get(ch, ch))
    return "".join(out)


def latex_breakable(text: str) -> str:
    """Text for \\texttt that TeX may break across lines: after a separator (/ . - _ ? & = #
    ...) at no cost, and inside a long run of letters and digits at a cost (\\penalty), never
    with a hyphen added. For URLs and derivation ids, which have no spaces to break at."""
    text = strip_private(text)
    out: list[str] = []
    run = 0
    for i, ch in enumerate(text):
        out.append(latex_escape(ch))
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if not nxt:
            break
        if ch in _BREAK_AFTER:
            run = 0
            if nxt not in _BREAK_AFTER:
                out.append(r"\allowbreak{}")
            continue
        run += 1
        if nxt not in _BREAK_AFTER and run >= 3 and _run_length(text, i) > _LONG_RUN:
            out.append(r"\penalty300{}")
    return "".join(out)


def _run_length(text: str, i: int) -> int:
    """The length of the run of non-separators around position i."""
    start = i
    while start > 0 and text[start - 1] not in _BREAK_AFTER:
        start -= 1
    end = i
    while end < len(text) and text[end] not in _BREAK_AFTER:
        end += 1
    return end - start


def latex_pdf_text(text: str) -> str:
    """Plain text for a PDF string (the document information, bookmarks): TeX's special
    characters escaped, everything else as it is (no math: hyperref writes characters, not
    formulas), on one line."""
    text = " ".join(strip_private(text).split())
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


# -- Markdown text -------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~$&])")


def md_escape(text: str) -> str:
    """Plain text for Markdown: every punctuation Markdown might read is backslash-escaped."""
    text = strip_private(text).replace("\r", "")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def md_prose_text(text: str) -> str:
    """Text of note prose for Markdown: emphasis, lists and paragraphs stay Markdown, but
    nothing can start raw HTML or an autolink (`<`), a link, image or link definition (`[`), a
    code span (a backtick) or math (`$`): those characters are escaped."""
    return (text.replace("<", "&lt;").replace("[", "\\[").replace("`", "\\`")
            .replace("$", "\\$"))


def md_code_span(body: str) -> str:
    """A CommonMark code span showing `body` as it is: fenced with one backtick more than its
    longest run of backticks, padded with a space where it starts or ends with a backtick or a
    space, on one line (a line break inside a span could let the next line start a block, e.g.
    an HTML block, and end the span; a span shows a line break as a space anyway)."""
    body = body.replace("\r", "").replace("\n", " ")
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body[:1] in ("`", " ") or body[-1:] in ("`", " ") else ""
    return fence + pad + body + pad + fence


def md_inline_math(tex: str) -> str:
    """Inline math for GitHub-flavoured Markdown: $`...`$, on one line (see md_code_span; note
    math holds no backtick)."""
    return "$`" + tex.replace("\r", "").replace("\n", " ") + "`$"


def md_display_math(tex: str) -> str:
    return "\n```math\n" + tex + "\n```\n"


# -- HTML prose ----------------------------------------------------------------------------

_ALLOWED_TAGS = frozenset("p em strong code pre ul ol li blockquote br hr".split())
_VOID_TAGS = frozenset({"br", "hr"})


class _Sanitizer(HTMLParser):
    """Re-emits only whitelisted tags, without attributes; all text escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _ALLOWED_TAGS:
            self.out.append(f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _VOID_TAGS:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _ALLOWED_TAGS and tag not in _VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def sanitize_html(fragment: str) -> str:
    s = _Sanitizer()
    s.feed(fragment)
    s.close()
    return "".join(s.out)
