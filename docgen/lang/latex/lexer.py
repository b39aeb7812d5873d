"""LaTeX math text -> tokens, against a whitelist of commands; nothing is expanded or executed.

`tokenize(text)` gives `Tok`s (type, value, 0-based column). Every command is looked up in the
tables below; a command that is not there (`\\def`, `\\newcommand`, `\\input`, `\\csname`, or any
other) stops the reading with a `NotRead` error at its column. Spacing commands are dropped.
A few groups are folded into one token here, because their content is a name and not math:
`\\operatorname{diag}`, `\\mathrm{d}`, `\\mathit{loss}`, `\\text{new}`, `\\begin{bmatrix}`,
`\\begin{array}{cc}` (its column spec is dropped), `\\left(` and `\\right)`.

The limits (MAX_TEX_LENGTH, MAX_TEX_DEPTH, MAX_TOKENS) bound what a hostile formula can cost
before the grammar sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...model.errors import Location, ParseError
from ..typeset import greek

MAX_TEX_LENGTH = 4000  # characters in one formula
MAX_TEX_DEPTH = 32  # nesting of groups, delimiters and environments
MAX_TOKENS = 1200  # tokens in one formula
MAX_DIGITS = 12  # digits in a number


class NotRead(ParseError):
    """LaTeX that the reader does not read: the message says why, the location points at the column."""

    def __init__(self, message: str, location: Location | None = None, col: int = 0):
        super().__init__(message, location)
        self.col = col


@dataclass(frozen=True)
class Tok:
    type: str
    value: str
    col: int


GREEK_NAMES = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
               "xi pi rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
               "Sigma Upsilon Phi Psi Omega").split()
# \alpha -> alpha (the name docgen's printer typesets as \alpha)
GREEK = {}
for _n in GREEK_NAMES:
    GREEK["\\" + _n] = _n
    _tex = greek(_n)
    if _tex:
        GREEK.setdefault(_tex, _n)
# `lambda` is a keyword of the expression syntax: the name typeset \lambda is SymPy's `lamda`
GREEK["\\lambda"] = "lamda"

FUNCTIONS = {"\\exp": "exp", "\\log": "log", "\\ln": "log", "\\tanh": "tanh", "\\sin": "sin", "\\cos": "cos",
             "\\tan": "tan", "\\sinh": "sinh", "\\cosh": "cosh", "\\arctan": "arctan", "\\det": "det",
             "\\tr": "tr"}
MULOPS = {"\\cdot": "cdot", "\\times": "times", "\\odot": "odot", "\\circ": "circ", "\\otimes": "otimes",
          "\\oslash": "oslash", "\\ast": "cdot", "*": "cdot"}
DECORATIONS = {"\\vec", "\\mathbf", "\\boldsymbol", "\\bm", "\\mathsf", "\\mathbb", "\\mathcal"}
SPACING = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle", "\\textstyle",
           "\\limits", "\\nolimits", "\\enspace", "\\thinspace", "\\medspace", "\\thickspace"}
DOTS = {"\\cdots": "cdots", "\\ldots": "cdots", "\\dots": "cdots", "\\dotsb": "cdots", "\\dotsc": "cdots",
        "\\vdots": "vdots", "\\ddots": "ddots"}
OPEN = {"(": "LPAR", "[": "LBRACK", "\\lbrack": "LBRACK"}
CLOSE = {")": "RPAR", "]": "RBRACK", "\\rbrack": "RBRACK"}
SIZERS_OPEN = {"\\left", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl"}
SIZERS_CLOSE = {"\\right", "\\bigr", "\\Bigr", "\\biggr", "\\Biggr"}
SIZERS_ANY = {"\\big", "\\Big", "\\bigg", "\\Bigg"}
ENVIRONMENTS = {"bmatrix", "pmatrix", "matrix", "array", "aligned", "align", "align*", "equation",
                "equation*", "gathered", "gather", "gather*", "split"}
DEFINERS = {"\\def", "\\edef", "\\gdef", "\\xdef", "\\let", "\\newcommand", "\\renewcommand",
            "\\providecommand", "\\DeclareMathOperator", "\\newenvironment", "\\renewenvironment",
            "\\input", "\\include", "\\csname", "\\endcsname", "\\catcode", "\\write", "\\immediate",
            "\\openout", "\\openin", "\\read", "\\expandafter", "\\makeatletter", "\\usepackage",
            "\\special", "\\directlua", "\\href", "\\url", "\\includegraphics"}
SIMPLE = {"\\partial": "PARTIAL", "\\sum": "SUM", "\\frac": "FRAC", "\\dfrac": "FRAC", "\\tfrac": "FRAC",
          "\\sqrt": "SQRT", "\\top": "TOP", "\\intercal": "TOP", "\\prime": "PRIME", "\\in": "IN",
          "\\therefore": "THEREFORE", "\\\\": "ROWSEP", "\\cr": "ROWSEP"}
# commands whose braced argument is a name, not math
NAMED = {"\\operatorname", "\\mathrm", "\\mathit", "\\text", "\\textrm", "\\textit", "\\mbox"}
CHARS = {"+": "PLUS", "-": "MINUS", "=": "EQ", "^": "CARET", "_": "UNDER", "'": "PRIME", ",": "COMMA",
         "&": "AMP", "/": "SLASH", "{": "LBRACE", "}": "RBRACE"}
# after these, a bar | opens an absolute value (else it closes one)
_BEFORE_OPEN = {None, "PLUS", "MINUS", "EQ", "MULOP", "SLASH", "COMMA", "AMP", "ROWSEP", "LPAR", "LBRACK",
                "LBRACE", "BAR_OPEN", "NORM_OPEN", "CARET", "UNDER", "IN", "THEREFORE", "BEGIN"}

_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_GROUP = re.compile(r"\s*\{([^{}\\]*(?:\\[A-Za-z]+\s*[^{}\\]*)*)\}")
_WORD = re.compile(r"[A-Za-z]+|[0-9]+")


def _err(message: str, col: int, loc: Location) -> NotRead:
    return NotRead(message, loc.shifted(col), col)


def tokenize(text: str, loc: Location | None = None) -> list[Tok]:
    """The tokens of one formula. Raises NotRead with the column of what is not read."""
    loc = loc or Location("<tex>", 1, 1)
    if not isinstance(text, str):
        raise NotRead(f"expected a LaTeX formula as text, got {type(text).__name__}", loc)
    if len(text) > MAX_TEX_LENGTH:
        raise NotRead(f"formula is {len(text)} characters long; at most {MAX_TEX_LENGTH}", loc)
    out: list[Tok] = []
    depth = 0
    i = 0

    def push(kind: str, value: str, col: int) -> None:
        nonlocal depth
        if kind in ("LPAR", "LBRACK", "LBRACE", "BAR_OPEN", "NORM_OPEN", "BEGIN"):
            depth += 1
            if depth > MAX_TEX_DEPTH:
                raise _err(f"formula nested deeper than {MAX_TEX_DEPTH} levels", col, loc)
        elif kind in ("RPAR", "RBRACK", "RBRACE", "BAR_CLOSE", "NORM_CLOSE", "END"):
            depth -= 1
        out.append(Tok(kind, value, col))
        if len(out) > MAX_TOKENS:
            raise _err(f"formula has more than {MAX_TOKENS} tokens", col, loc)

    def last() -> str | None:
        return out[-1].type if out else None

    while i < len(text):
        ch = text[i]
        if ch.isspace() or ch == "~":
            i += 1
            continue
        if ch == "\\":
            m = _COMMAND.match(text, i)
            if m is None:  # a backslash before a line break or at the end
                raise NotRead("a backslash that starts no command", loc.shifted(i), i)
            cmd = m.group(0)
            i = _command(text, i, m.end(), cmd, push, last, loc)
            continue
        if ch.isdigit():
            m = _NUMBER.match(text, i)
            assert m is not None
            digits = sum(c.isdigit() for c in m.group(0))
            if last() in ("CARET", "UNDER") and "." not in m.group(0):
                push("NUM", ch, i)  # x^23 is x^{2}3 in TeX
                i += 1
                continue
            if digits > MAX_DIGITS:
                raise _err(f"number has {digits} digits; at most {MAX_DIGITS}", i, loc)
            push("NUM", m.group(0), i)
            i = m.end()
            continue
        if ch.isascii() and ch.isalpha():
            push("LETTER", ch, i)
            i += 1
            continue
        if ch in OPEN:
            push(OPEN[ch], ch, i)
        elif ch in CLOSE:
            push(CLOSE[ch], ch, i)
        elif ch == "|":
            push("BAR_OPEN" if last() in _BEFORE_OPEN else "BAR_CLOSE", ch, i)
        elif ch in CHARS:
            push(CHARS[ch], ch, i)
        elif ch in MULOPS:
            push("MULOP", MULOPS[ch], i)
        elif ch == "%":
            raise _err("a TeX comment '%' inside a formula is not read", i, loc)
        elif ch in "#$":
            raise _err(f"character {ch!r} is not read: no macro parameters or math delimiters inside a formula", i, loc)
        else:
            raise _err(f"character {ch!r} is not read in a formula", i, loc)
        i += 1
    if depth != 0:
        raise _err("unbalanced braces, delimiters or environments", len(text), loc)
    return out


def _command(text: str, start: int, end: int, cmd: str, push, last, loc: Location) -> int:  # noqa: ANN001
    """One command at `start`: push its token(s), return where reading goes on."""
    if cmd in DEFINERS:
        raise _err(f"{cmd} is not read: docgen never defines, expands or loads anything from a formula", start, loc)
    if cmd in SPACING:
        return end
    if cmd in GREEK:
        push("GREEK", GREEK[cmd], start)
        return end
    if cmd in FUNCTIONS:
        push("FUNC", FUNCTIONS[cmd], start)
        return end
    if cmd in MULOPS:
        push("MULOP", MULOPS[cmd], start)
        return end
    if cmd in DOTS:
        push("DOTS", DOTS[cmd], start)
        return end
    if cmd in SIMPLE:
        push(SIMPLE[cmd], cmd, start)
        return end
    if cmd in DECORATIONS:
        push("DECOR", cmd[1:], start)
        return end
    if cmd in ("\\|", "\\Vert", "\\lVert", "\\rVert", "\\lvert", "\\rvert", "\\vert"):
        bar = "NORM" if cmd in ("\\|", "\\Vert", "\\lVert", "\\rVert") else "BAR"
        if cmd.startswith("\\l"):
            push(bar + "_OPEN", cmd, start)
        elif cmd.startswith("\\r"):
            push(bar + "_CLOSE", cmd, start)
        else:
            push(bar + ("_OPEN" if last() in _BEFORE_OPEN else "_CLOSE"), cmd, start)
        return end
    if cmd in SIZERS_OPEN or cmd in SIZERS_CLOSE or cmd in SIZERS_ANY:
        return _delimiter(text, start, end, cmd, push, last, loc)
    if cmd in NAMED:
        m = _GROUP.match(text, end)
        if m is None:
            raise _err(f"{cmd} is read only with a braced name, e.g. {cmd}{{diag}}", start, loc)
        word = m.group(1).strip()
        if cmd in ("\\text", "\\textrm", "\\textit", "\\mbox"):
            push("TEXT", word, start)
        elif not _WORD.fullmatch(word):
            raise _err(f"{cmd}{{{word}}} is not read: its argument must be letters, e.g. {cmd}{{diag}}", start, loc)
        elif cmd == "\\mathrm" and word == "d":
            push("DIFF", "d", start)
        elif len(word) == 1:
            push("LETTER", word, start)
        else:
            push("WORD", word, start)
        return m.end()
    if cmd in ("\\begin", "\\end"):
        m = _GROUP.match(text, end)
        env = m.group(1).strip() if m else ""
        if env not in ENVIRONMENTS:
            raise _err(f"{cmd}{{{env}}} is not read: environments read are {', '.join(sorted(ENVIRONMENTS))}", start, loc)
        after = m.end()  # type: ignore[union-attr]
        if cmd == "\\begin" and env == "array":
            spec = _GROUP.match(text, after)
            if spec is None or not re.fullmatch(r"[lcr|\s]*", spec.group(1)):
                raise _err("\\begin{array} is read with a column spec of l, c, r and |, e.g. {cc}", start, loc)
            after = spec.end()
        push("BEGIN" if cmd == "\\begin" else "END", env, start)
        return after
    if cmd in ("\\{", "\\}"):
        raise _err(f"{cmd} is not read: braces as delimiters (sets, cases) are not part of docgen's math language", start, loc)
    raise _err(f"{cmd} is not read: it is not among the LaTeX commands docgen reads (see docs/format.md, "
               "'Writing steps in LaTeX')", start, loc)


def _delimiter(text: str, start: int, end: int, cmd: str, push, last, loc: Location) -> int:  # noqa: ANN001
    """\\left( \\right) \\bigl[ ...: the delimiter that follows, as the token of its kind."""
    j = end
    while j < len(text) and text[j].isspace():
        j += 1
    m = _COMMAND.match(text, j) if j < len(text) and text[j] == "\\" else None
    delim = m.group(0) if m else text[j:j + 1]
    after = m.end() if m else j + 1
    opening = cmd in SIZERS_OPEN or (cmd in SIZERS_ANY and last() in _BEFORE_OPEN)
    if delim in OPEN or delim in CLOSE:
        push(OPEN.get(delim) or CLOSE[delim], delim, start)
    elif delim in ("|", "\\vert", "\\lvert", "\\rvert"):
        push("BAR_OPEN" if opening else "BAR_CLOSE", delim, start)
    elif delim in ("\\|", "\\Vert", "\\lVert", "\\rVert"):
        push("NORM_OPEN" if opening else "NORM_CLOSE", delim, start)
    else:
        shown = delim or "(end of formula)"
        raise _err(f"{cmd}{shown} is not read: delimiters read are ( ) [ ] | and \\|", start, loc)
    return after
