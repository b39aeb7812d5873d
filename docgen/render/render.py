"""Checked results -> documents (LaTeX, HTML, Markdown) through Jinja templates.

Pure functions: the only input read is a template, through Jinja's loader. Every formula on
the page comes from `docgen.notation` (printed from the checked trees); templates receive a
view model of strings that are already printed and escaped for their format, so a template
cannot put a formula on the page by another route.

Prose (summaries, notes, descriptions) is Markdown with inline ``$...$`` math. Math inside prose
is checked against a whitelist of TeX commands (no \\input, \\write, \\catcode, ...); raw HTML in
prose is never passed through.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable

import jinja2
import markdown
from markupsafe import Markup

from ..lang import notation
from ..model.errors import DocgenError
from ..model.derivation import Derivation, Part
from ..lang.rules import RULES, describe
from ..check.verdict import chain_start

FORMATS = ("latex", "html", "md")
TEMPLATE_NAMES = {"latex": "latex/document.tex.j2", "html": "html/document.html.j2",
                  "md": "markdown/document.md.j2"}
SITE_NOTE_TEMPLATE = "site/note.html.j2"
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

MathToHtml = Callable[[list[tuple[str, bool]]], list[str]]


class RenderError(DocgenError):
    """A derivation cannot be rendered (unsafe note math, failed verification, ...)."""


# ===========================================================================================
# Words
# ===========================================================================================

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Summary", "symbols": "Symbols", "symbol": "Symbol", "space": "Space",
        "description": "Description", "layout": "Layout convention", "assumptions": "Assumptions",
        "definitions": "Definitions", "functions": "Functions", "claim": "Claim",
        "derivation": "Derivation", "step": "Step", "reason": "Reason", "verdict": "Verdict",
        "example": "Numeric example", "inputs": "Inputs", "value": "Value", "sources": "Sources",
        "references": "Cited derivations", "draft": "DRAFT: this derivation does not verify",
        "failed": "failed", "witness": "counterexample", "hence": "hence",
        "start": "start", "evaluated": "Each expression of the chain evaluated at the inputs",
        "problems": "Problems", "entry": "entry", "left": "left", "right": "right",
        "sizes": "sizes", "elementwise": "applied elementwise", "derivative": "derivative",
        "given": "given", "tags": "Tags", "rounded": "rounded to {digits} decimals",
        "generic": "a generic function of",
    },
    "zh": {
        "summary": "摘要", "symbols": "符号", "symbol": "符号", "space": "空间",
        "description": "说明", "layout": "布局约定", "assumptions": "假设",
        "definitions": "定义", "functions": "函数", "claim": "结论",
        "derivation": "推导", "step": "步骤", "reason": "依据", "verdict": "验证",
        "example": "数值示例", "inputs": "输入", "value": "数值", "sources": "参考资料",
        "references": "引用的推导", "draft": "草稿：此推导未通过验证",
        "failed": "失败", "witness": "反例", "hence": "因此",
        "start": "起点", "evaluated": "链中每个表达式在输入处的值",
        "problems": "问题", "entry": "元素", "left": "左边", "right": "右边",
        "sizes": "尺寸", "elementwise": "逐元素作用", "derivative": "导数",
        "given": "已知", "tags": "标签", "rounded": "保留 {digits} 位小数",
        "generic": "的一般函数，自变量为",
    },
}

LAYOUT_SENTENCE = {
    ("en", "denominator"): (
        r"Denominator layout: for $x \in \mathbb{R}^{m}$ and $f \in \mathbb{R}^{k}$, "
        r"$\frac{\partial f}{\partial x}$ is an $m \times k$ matrix; the derivative of a scalar "
        r"with respect to $x$ has the shape of $x$."),
    ("en", "numerator"): (
        r"Numerator layout: for $x \in \mathbb{R}^{m}$ and $f \in \mathbb{R}^{k}$, "
        r"$\frac{\partial f}{\partial x}$ is a $k \times m$ matrix (the Jacobian); the derivative "
        r"of a scalar with respect to $x$ has the shape of $x^{\top}$."),
    ("zh", "denominator"): (
        r"分母布局：对 $x \in \mathbb{R}^{m}$ 与 $f \in \mathbb{R}^{k}$，"
        r"$\frac{\partial f}{\partial x}$ 是 $m \times k$ 矩阵；标量对 $x$ 的导数与 $x$ 同形。"),
    ("zh", "numerator"): (
        r"分子布局：对 $x \in \mathbb{R}^{m}$ 与 $f \in \mathbb{R}^{k}$，"
        r"$\frac{\partial f}{\partial x}$ 是 $k \times m$ 矩阵（雅可比矩阵）；标量对 $x$ 的导数与 "
        r"$x^{\top}$ 同形。"),
}

STATUS_MARK = {"proven-all": "✓", "proven": "✓", "numeric": "≈", "undecided": "?", "failed": "✗"}

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

_PROSE_TOKEN = re.compile(
    r"(?P<code>(?P<ticks>`+)(?P<codebody>.+?)(?P=ticks))"
    r"|\$\$(?P<display>(?:\\.|[^\\])+?)\$\$"
    r"|(?<!\\)\$(?!\s)(?P<inline>(?:\\.|[^\\$])+?)(?<!\s)\$"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!$<>&|~])",
    re.S,
)
_PRIVATE = re.compile("[\ue000-\ue0ff\x00-\x08\x0b\x0c\x0e-\x1f]")


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
    """Prose -> [(kind, text)] with kind in text, code, inline, display, escaped."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _PROSE_TOKEN.finditer(text):
        if m.start() > pos:
            out.append(("text", text[pos:m.start()]))
        if m.group("code") is not None:
            out.append(("code", m.group("codebody")))
        elif m.group("display") is not None:
            out.append(("display", m.group("display").strip()))
        elif m.group("inline") is not None:
            out.append(("inline", m.group("inline")))
        else:
            out.append(("escaped", m.group("escaped")))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:]))
    return out


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


def latex_escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, a few math symbols made math."""
    text = _PRIVATE.sub("", str(text))
    return "".join(_TEX_SPECIAL.get(ch) or _TEX_UNICODE.get(ch) or ch for ch in text)


def _latex_inline_markdown(text: str) -> str:
    """Escaped text with **bold** and *emphasis* as \\textbf and \\emph; blank lines as \\par."""
    out = latex_escape(text)
    out = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\\textbf{\1}", out)
    out = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\\emph{\1}", out)
    out = re.sub(r"\n\s*\n", "\n\\\\par\n", out)
    return out


# -- Markdown text -------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~$&])")


def md_escape(text: str) -> str:
    """Plain text for Markdown: every punctuation Markdown might read is backslash-escaped."""
    text = _PRIVATE.sub("", str(text)).replace("\r", "")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def md_inline_math(tex: str) -> str:
    return "$`" + tex + "`$"


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


_ARITHMATEX = re.compile(
    r'<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>',
    re.S,
)


def _markdown() -> markdown.Markdown:
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


# ===========================================================================================
# Formats
# ===========================================================================================


@dataclass
class Formatter:
    """How text, prose, math and links are written in one output format."""

    fmt: str
    where: str  # the derivation, for error messages
    math_items: list[tuple[str, bool]] = field(default_factory=list)
    cite_anchors: dict[str, str] = field(default_factory=dict)  # id -> '#claim-main' (site)

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
        s = _PRIVATE.sub("", str(s))
        if self.fmt == "latex":
            return latex_escape(s)
        if self.fmt == "md":
            return md_escape(s)
        return s  # autoescaped by Jinja

    def prose(self, s: str, what: str, inline: bool = False, loc: Any = None) -> Any:
        """Markdown prose with $...$ math in the output format; `loc`: where the prose is."""
        s = _PRIVATE.sub("", str(s or "")).replace("\r\n", "\n").strip()
        where = f"{self.where}: {what}"
        tokens = split_prose(s)
        for kind, body in tokens:
            if kind in ("inline", "display"):
                try:
                    check_math(body, where)
                except RenderError as exc:
                    raise RenderError(exc.message, loc) from None
        if self.fmt == "html":
            return self._html_prose(s, inline)
        out: list[str] = []
        for n, (kind, body) in enumerate(tokens):
            if self.fmt == "md" and kind == "inline" and n >= 2 and tokens[n - 2][0] == "inline" \
                    and tokens[n - 1][0] == "text" and not (tokens[n - 1][1][:1].isspace()
                                                         or tokens[n - 1][1][-1:].isspace()):
                # `$`a`$，$`b`$`: the dollars around "，" would pair up as math for
                # Markdown-with-dollar-math converters; a space keeps them apart.
                out.append(" ")
            if kind == "text":
                # Markdown: no raw HTML and no links or images (`[x](javascript:...)`), as in
                # the HTML output, whose sanitizer keeps no <a> or <img>
                out.append(_latex_inline_markdown(body) if self.fmt == "latex"
                           else body.replace("<", "&lt;").replace("[", "\\["))
            elif kind == "code":
                out.append(r"\texttt{" + latex_escape(body) + "}" if self.fmt == "latex" else "`" + body + "`")
            elif kind == "escaped":
                out.append(latex_escape(body) if self.fmt == "latex" else "\\" + body)
            else:
                out.append(self.math(body, kind == "display"))
        return "".join(out).strip()

    def _html_prose(self, s: str, inline: bool) -> Markup:
        converted = _markdown().convert(s)
        pieces: list[str] = []
        pos = 0
        for m in _ARITHMATEX.finditer(converted):
            pieces.append(sanitize_html(converted[pos:m.start()]))
            display = m.group("display") is not None
            tex = html.unescape(m.group("display") if display else m.group("inline"))
            pieces.append(str(self.math(tex, display)))
            pos = m.end()
        pieces.append(sanitize_html(converted[pos:]))
        out = "".join(pieces)
        if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        return Markup(out)

    # -- links ------------------------------------------------------------------------------
    def reason(self, by: str, language: str) -> Any:
        if not by:
            return ""
        if by in RULES:
            return self.text(describe(by, language))
        if self.fmt == "html":
            return Markup('<a class="cite" href="../{0}/{0}.html{1}">{0}</a>').format(
                by, self.cite_anchors.get(by, ""))
        if self.fmt == "md":
            return f"[{md_escape(by)}](../{by}/{by}.md)"
        return r"\texttt{" + latex_escape(by) + r"}~[\ref{cite:" + by + "}]"

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


def register_filters(env: jinja2.Environment, fmt: str) -> None:
    """Filters templates may use on plain text they add themselves."""
    if fmt == "latex":
        env.filters["escape_text"] = latex_escape
    elif fmt == "md":
        env.filters["escape_text"] = md_escape
    else:
        env.filters["escape_text"] = lambda s: s  # autoescape does it
    env.filters["md_math"] = md_inline_math


# ===========================================================================================
# The view model
# ===========================================================================================


def anchor(part: str, index: int) -> str:
    """The anchor of a chain line: stable under edits to other parts."""
    return f"eq-{part}-{index}"


def equation_number(der: Derivation, part_index: int, step: int) -> str:
    """Step k of part i is numbered k with one part, i.k with several."""
    return str(step) if len(der.parts) == 1 else f"{part_index + 1}.{step}"


def _witness_text(link: Any, words: dict[str, str]) -> str:
    w = link.witness
    if w is None:
        return ""
    sizes = ", ".join(f"{k} = {v}" for k, v in w.sizes.items())
    point = "; ".join(f"{k} = {v}" for k, v in w.point.items())
    i, j = w.entry
    parts = [f"{words['sizes']}: {sizes}" if sizes else "", point,
             f"{words['entry']} ({i + 1}, {j + 1}): {words['left']} {w.left}, {words['right']} {w.right}"]
    return " — ".join(p for p in parts if p)


def build_view(result: Any, f: Formatter, draft: bool, refs: dict[str, str]) -> dict[str, Any]:
    der: Derivation = result.derivation
    lang = der.language if der.language in WORDS else "en"
    words = WORDS[lang]
    tex = notation.latex_expr
    digits = der.example.digits if der.example is not None else 4

    def link_view(link: Any) -> dict[str, Any] | None:
        if link is None:
            return None
        return {
            "status": link.status,
            "mark": f.text(STATUS_MARK.get(link.status, "?")),
            "failed": link.status == "failed",
            "verdict": f.text(link.verdict(lang)),
            "evidence": [f.text(e) for e in link.evidence],
            "witness": f.text(_witness_text(link, words)) if link.witness is not None else "",
        }

    links = {(lk.part, lk.index, lk.kind): lk for lk in result.links}
    example = result.example

    def value(rows: Any) -> Any:
        if rows is None:
            return ""
        return f.math(notation.latex_value(rows, digits))

    symbols = []
    for name, sym in der.symbols.items():
        desc = sym.description
        symbols.append({
            "name": f.math(notation.latex_name(name, der)),
            "shape": f.math(notation.latex_name(name, der) + r" \in " + notation.latex_shape(sym.shape, der)),
            "space": f.math(notation.latex_shape(sym.shape, der)),
            "description": f.prose(desc, f"symbol {name}", inline=True, loc=sym.loc) if desc else "",
            "of": f.math(", ".join(notation.latex_name(o, der) for o in sym.of)) if sym.of else "",
            "assume": f.text(", ".join(sorted(sym.assume))),
        })

    functions = []
    for name, fn in der.functions.items():
        printer = notation.DocLatexPrinter(notation.printer_settings(der))
        head = printer._print_Apply(notation.make(notation.Apply, None, notation.Str(name),
                                                  notation.sp.Symbol("t")))
        dhead = printer._print_Apply(notation.make(notation.Apply, None, notation.Str(fn.derivative),
                                                   notation.sp.Symbol("t")))
        functions.append({"name": f.math(head), "derivative": f.math(dhead),
                          "description": f.prose(fn.description, f"function {name}", inline=True)
                          if fn.description else ""})

    definitions = []
    for name, d in der.definitions.items():
        definitions.append({
            "name": name,
            "equation": f.math(notation.latex_name(name, der) + " = " + tex(d.expr, der), display=True),
            "note": f.prose(d.note, f"definition {name}", loc=d.expr.loc) if d.note else "",
            "value": value(example.definitions.get(name)) if example is not None else "",
        })

    assumptions = [{"equation": f.math(notation.latex_equation(a.lhs, a.rhs, der))}
                   for a in der.assumptions]

    cited: dict[str, str] = {}
    parts = []
    for pi, part in enumerate(der.parts):
        parts.append(_part_view(part, pi, der, f, links, example, value, link_view, lang, cited))

    sources = [{"title": f.text(s.title), "url": s.url, "url_text": f.text(s.url), "note": f.text(s.note)}
               for s in der.sources]
    references = [{"id": cid, "title": f.text(refs.get(cid, "")),
                   "href_html": f"../{cid}/{cid}.html", "href_md": f"../{cid}/{cid}.md",
                   "href_pdf": f"../{cid}/{cid}.pdf", "id_text": f.text(cid)}
                  for cid in cited]

    ex_view = None
    if der.example is not None and example is not None:
        inputs = []
        for name in der.example.values:
            rows = example.inputs.get(name)
            inputs.append({"name": name,
                           "equation": f.math(notation.latex_name(name, der) + " = "
                                              + notation.latex_value(rows, digits), display=False)})
        fun_impls = [{"equation": f.math(_function_impl(name, e, der))}
                     for name, e in der.example.functions.items()]
        sizes = ", ".join(f"{k} = {v}" for k, v in example.sizes.items())
        ex_view = {
            "sizes": f.math(sizes) if sizes else "",
            "inputs": inputs,
            "functions": fun_impls,
            "note": f.prose(der.example.note, "example note", loc=der.example.loc or der.loc) if der.example.note else "",
            "digits": digits,
            "rounded": f.text(words["rounded"].format(digits=digits)),
            "fd_agree": example.fd_agree,
        }

    problems = [f.text(str(p)) for p in result.problems]
    return {
        "id": der.id,
        "lang": lang,
        "words": {k: f.text(v) for k, v in words.items()},
        "title": f.text(der.title),
        "summary": f.prose(der.summary, "summary", loc=der.loc) if der.summary else "",
        "tags": [f.text(t) for t in der.tags],
        "sources": sources,
        "layout": f.prose(LAYOUT_SENTENCE[(lang, der.layout)], "layout", inline=True),
        "layout_name": der.layout,
        "symbols": symbols,
        "functions": functions,
        "definitions": definitions,
        "assumptions": assumptions,
        "parts": parts,
        "single_part": len(der.parts) == 1,
        "example": ex_view,
        "references": references,
        "draft": bool(draft and not result.passed),
        "passed": result.passed,
        "problems": problems,
        "fmt": f.fmt,
    }


def _function_impl(name: str, e: Any, der: Derivation) -> str:
    """f(t) = tanh(t) for an example's elementwise function, or y = ... for a generic symbol."""
    if name in der.functions:
        p = notation.DocLatexPrinter(notation.printer_settings(der))
        head = p._print_Apply(notation.make(notation.Apply, None, notation.Str(name), notation.sp.Symbol("t")))
        return head + " = " + notation.latex_expr(e, der)
    return notation.latex_name(name, der) + " = " + notation.latex_expr(e, der)


def _part_view(part: Part, pi: int, der: Derivation, f: Formatter, links: dict, example: Any,
               value: Callable, link_view: Callable, lang: str, cited: dict) -> dict[str, Any]:
    tex = notation.latex_expr
    start = chain_start(part)
    values = example.parts.get(part.label) if example is not None else None
    start_tex = tex(start, der)
    digits = der.example.digits if der.example is not None else 4
    rows = []
    for k, step in enumerate(part.steps, 1):
        if step.by and step.by not in RULES:
            cited.setdefault(step.by, step.by)
        step_tex = tex(step.expr, der)
        rows.append({
            "index": k,
            "number": equation_number(der, pi, k),
            "anchor": anchor(part.label, k),
            "tex": step_tex,
            "rhs": f.math("= " + step_tex, display=True),
            "reason": f.reason(step.by, lang),
            "note": f.prose(step.note, f"part {part.label} step {k} note", loc=step.loc) if step.note else "",
            "link": link_view(links.get((part.label, k, "step"))),
            "value": value(values[k]) if values is not None and k < len(values) else "",
            "value_tex": notation.latex_value(values[k], digits) if values is not None and k < len(values) else "",
        })
    ident = links.get((part.label, len(part.steps) + 1, "identification"))
    claim_link = links.get((part.label, 0, "claim"))
    claim_tex = notation.latex_equation(part.lhs, part.rhs, der)
    # the aligned chain as one TeX block (LaTeX align rows; Markdown ```math aligned)
    aligned = [start_tex + " &= " + rows[0]["tex"]] if rows else [start_tex]
    aligned += ["&= " + r["tex"] for r in rows[1:]]
    return {
        "label": part.label,
        "anchor": f"part-{part.label}",
        "claim_anchor": f"claim-{part.label}",
        "title": f.text(part.title) if part.title else "",
        "note": f.prose(part.note, f"part {part.label} note", loc=part.loc) if part.note else "",
        "claim": f.math(claim_tex, display=True),
        "claim_tex": claim_tex,
        "claim_link": link_view(claim_link),
        "claim_value": value(example.claims.get(part.label)) if example is not None else "",
        "method": part.method,
        "differential": part.method == "differential",
        "wrt": f.math(notation.latex_name(part.wrt, der)) if part.wrt else "",
        "start": f.math(start_tex, display=True),
        "start_tex": start_tex,
        "start_value": value(values[0]) if values else "",
        "start_value_tex": notation.latex_value(values[0], digits) if values else "",
        "steps": rows,
        "aligned": aligned,
        "identification": f.math(claim_tex, display=True) if ident is not None else "",
        "identification_tex": claim_tex if ident is not None else "",
        "identification_link": link_view(ident),
        "identification_reason": f.text(describe("identification", lang)),
    }


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
    f = Formatter(fmt, f"{der.id} ({der.path})")
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
