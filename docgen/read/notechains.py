"""A note's math blocks -> its chains and its declarations, each at the note's own offsets.

Takes a `Note` (read/note.py) and gives `Found`:
- `chains`: `a = b = c` written in one formula or over the rows of an `aligned`/`align` block
  (a row starting with `=` continues the chain above it); a row marked as a conclusion
  (`\\therefore`, `\\Rightarrow`, 故, 有, 所以, 因此, "hence", "thus", "therefore") after a chain of
  differentials (`d f = … = R^T dx`) is that chain's conclusion `∂f/∂x = R`; elsewhere it is a
  chain of its own. Each member keeps its LaTeX and its offset in the note.
- `declarations`: `x \\in \\mathbb{R}^{m \\times n}`, `y \\in R`, `\\vec x \\in R^N` in math and
  `x ∈ ℝⁿ`, `x ∈ R^{m×n}` in prose; "f elementwise" / "逐元素" / "entrywise" near a function name,
  and a definition `f(x) = [f(x_1), …]`. A declaration whose set is not ℝ (`x \\in k^{M \\times 1}`)
  keeps its shape and carries a `problem`.
- `skipped`: formulas written as a shape statement only, or prose in math, noted for the report.

Text inside math (`\\text{…}`, CJK words) and alignment marks are blanked, never read as math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .note import Note

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
          "xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
          "Phi Psi Omega").split()
_DECOR = r"(?:\\(?:vec|mathbf|boldsymbol|bm|mathit|overrightarrow|hat|bar|tilde|underline)\s*)"
_NAME = (r"(?:" + _DECOR + r"?(?:\{\s*(\\?[A-Za-z]+)\s*\}|(\\[A-Za-z]+|[A-Za-z])))")
_SET = (r"(\\mathbb\s*\{?\s*[A-Z]\s*\}?|\\mathbf\s*\{?\s*R\s*\}?|\\Bbb\s*\{?\s*R\s*\}?|\\R(?![A-Za-z])"
        r"|ℝ|[A-Za-z])")
_DECL = re.compile(r"^\s*" + _NAME + r"\s*\\in\s*" + _SET + r"\s*(?:\^\s*(?:\{([^{}]*)\}|([A-Za-z0-9])))?\s*$")
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹ⁿᵐᵏˣᴺᴹᴷ", "0123456789nmk×NMK")
_PROSE_DECL = re.compile(r"(?<![A-Za-z\\])([A-Za-z])\s*∈\s*(?:ℝ|R)(?![A-Za-z])"
                         r"(?:\^\{([^{}\n]{1,40})\}|\^\(([^()\n]{1,40})\)|\^([A-Za-z0-9])|([⁰¹²³⁴⁵⁶⁷⁸⁹ⁿᵐᵏˣᴺᴹᴷ]+))?")
_ELEMENTWISE = re.compile(
    r"(?:\$|\\\()?\s*" + _DECOR + r"?\{?([A-Za-z])\}?\s*(?:\$|\\\))?\s*(?:is\s+|are\s+)?(?:applied\s+)?"
    r"(?:element-?wise|entry-?wise|逐元素)"
    r"|(?:element-?wise|entry-?wise|逐元素)\s*(?:function|函数|作用的函数)?\s*(?:\$|\\\()\s*"
    + _DECOR + r"?\{?([A-Za-z])\}?\s*(?:\$|\\\))", re.I)
_MARKERS = re.compile(r"故|有|所以|因此|于是|从而|得|hence|thus|therefore|so\b|we get|it follows", re.I)
_CONCLUDE = re.compile(r"\\(?:therefore|Rightarrow|Longrightarrow|implies)(?![A-Za-z])")
_TEXTCMD = re.compile(r"\\(?:text|mbox|textrm|textit|textbf|textsf|intertext)\s*\{")
_WRAPPERS = re.compile(r"\\(?:begin|end)\s*\{(?:aligned|gathered|split|alignedat|align\*?|gather\*?|"
                       r"equation\*?|multline\*?|eqnarray\*?)\}(?:\{\d+\})?|\\(?:nonumber|notag|displaystyle)"
                       r"(?![A-Za-z])|\\(?:label|tag)\s*\{[^{}]*\}")
_PROSE_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+[:：]?")
_SEPARATORS = re.compile(r"\\q?quad(?![A-Za-z])|,|;|\\text-sep")


@dataclass(frozen=True)
class Member:
    tex: str
    start: int  # offset in the note's text


@dataclass(frozen=True)
class Declaration:
    name: str
    shape: tuple  # (rows, cols) of ints and dim names; () for an elementwise function
    start: int
    text: str
    kind: str = "symbol"  # "symbol" | "function"
    applied_to: str = ""  # a function's argument, when the note defines f(x) = [f(x_1), …]
    problem: str = ""  # what is wrong with it as written (the shape is still used)


@dataclass
class Chain:
    members: list[Member]
    conclusion: list[Member] = field(default_factory=list)
    statement: str = ""  # a trailing `\in R^{m \times n}`, as written
    concluded: bool = False  # the row was marked as a conclusion

    @property
    def start(self) -> int:
        return self.members[0].start


@dataclass
class Found:
    chains: list[Chain]
    declarations: list[Declaration]
    unread: list[tuple[int, str]]  # (offset, reason) of formulas not taken apart
    plain: int = 0  # formulas without '=' (nothing to check)


def find_chains(note: Note) -> Found:
    found = Found([], [], [])
    for block in note.blocks:
        _block(block.tex, block.start, found)
    found.declarations += _prose_declarations(note)
    found.declarations.sort(key=lambda d: d.start)
    return found


# -- a block: rows, pieces -------------------------------------------------------------------------
def _depths(s: str) -> list[int]:
    """The bracket/environment depth before each character of s."""
    out, depth, i = [], 0, 0
    while i < len(s):
        if s.startswith("\\begin", i):
            out += [depth] * 6
            depth += 1
            i += 6
            continue
        if s.startswith("\\end", i):
            depth -= 1
            out += [depth] * 4
            i += 4
            continue
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "{}[]()":
            out += [depth, depth]
            depth += 1 if s[i + 1] in "{[(" else -1
            i += 2
            continue
        if c in "{[(":
            out.append(depth)
            depth += 1
        elif c in "}])":
            depth -= 1
            out.append(depth)
        else:
            out.append(depth)
        i += 1
    return out


def _blank(s: str, a: int, b: int, fill: str = " ") -> str:
    return s[:a] + fill * (b - a) + s[b:]


def _block(tex: str, base: int, found: Found) -> None:
    s = _WRAPPERS.sub(lambda m: " " * len(m.group()), tex)
    depth = _depths(s)
    rows, start = [], 0
    for m in re.finditer(r"\\\\(?:\[[^\]]*\])?", s):
        if depth[m.start()] == 0:
            rows.append((start, m.start()))
            start = m.end()
    rows.append((start, len(s)))
    current: Chain | None = None
    for a, b in rows:
        row, concluded = _clean(s[a:b])
        current = _row(row, base + a, concluded, current, found)


def _clean(row: str) -> tuple[str, bool]:
    """Text, prose and alignment blanked (separators kept as '\x00'); whether the row is marked
    as a conclusion."""
    concluded = False
    while True:
        m = _TEXTCMD.search(row)
        if m is None:
            break
        end, depth = m.end(), 1
        while end < len(row) and depth:
            depth += {"{": 1, "}": -1}.get(row[end], 0)
            end += 1
        concluded |= bool(_MARKERS.search(row[m.end():end]))
        row = _blank(row, m.start(), end, "\x00")
    for m in _PROSE_RUN.finditer(row):
        concluded |= bool(_MARKERS.search(m.group()))
        row = _blank(row, m.start(), m.end(), "\x00")
    for m in _CONCLUDE.finditer(row):
        concluded = True
        row = _blank(row, m.start(), m.end(), "\x00")
    depth = _depths(row)
    row = "".join(" " if c == "&" and depth[i] == 0 else c for i, c in enumerate(row))
    # a colon right after blanked prose ("[证明]:") is prose too
    row = re.sub(r"\x00(\s*):", lambda m: "\x00" + m.group(1) + "\x00", row)
    return row, concluded


def _pieces(row: str) -> list[tuple[int, str]]:
    """The row split at top-level separators: commas, \\quad, blanked prose."""
    depth = _depths(row)
    out, start = [], 0
    for m in re.finditer(r"\\q?quad(?![A-Za-z])|(?<!\\)[,;]|\x00+", row):
        if depth[m.start()] == 0:
            out.append((start, row[start:m.start()]))
            start = m.end()
    out.append((start, row[start:]))
    return [(a + len(p) - len(p.lstrip()), p.strip()) for a, p in out if p.strip()]


def _split(piece: str, at: int, sep: str) -> list[Member]:
    depth = _depths(piece)
    out, start = [], 0
    for m in re.finditer(sep, piece):
        if depth[m.start()] == 0:
            out.append(Member(piece[start:m.start()], at + start))
            start = m.end()
    out.append(Member(piece[start:], at + start))
    return [Member(x.tex.strip(), x.start + len(x.tex) - len(x.tex.lstrip())) for x in out]


def _row(row: str, base: int, concluded: bool, current: Chain | None, found: Found) -> Chain | None:
    for k, (a, piece) in enumerate(_pieces(row)):
        at = base + a
        parts = _split(piece, at, r"\\in(?![A-Za-z])")
        statement = ""
        if len(parts) == 2 and "=" not in _top(parts[0].tex):
            decl = _declaration(parts[0].tex + r" \in " + parts[1].tex, at, piece)
            if decl is not None:
                found.declarations.append(decl)
            else:
                found.unread.append((at, f"{piece}: not read as a declaration (write 'x \\in \\mathbb{{R}}^{{n}}')"))
            continue
        if len(parts) == 2:
            statement = parts[1].tex
        elif len(parts) > 2:
            found.unread.append((at, "more than one \\in in a formula"))
            continue
        members = _split(parts[0].tex, parts[0].start, r"=")
        if elementwise := _elementwise_definition(parts[0].tex):
            name, arg = elementwise
            found.declarations.append(Declaration(name, (), at, piece, "function", applied_to=arg))
            found.unread.append((at, f"{_short(piece)}: read as the declaration '{name} elementwise'; "
                                     "a vector written with commas and \\ldots is not checked"))
            continue
        if members[0].tex == "" and current is not None and k == 0 and not concluded:
            if len(current.members) == 1 and current not in found.chains:
                found.chains.append(current)
                found.plain -= 1
            current.members += members[1:]
            continue
        if members[0].tex == "":
            members = members[1:]
        if len(members) < 2:
            if current is None or k > 0 or concluded:
                current = Chain(members, concluded=concluded) if members else None
            found.plain += 1
            continue
        chain = Chain(members, statement=statement, concluded=concluded)
        if concluded and current is not None and _differential(current) and not current.conclusion:
            current.conclusion = members
            continue
        found.chains.append(chain)
        current = chain
    return current


def _differential(chain: Chain) -> bool:
    return bool(re.match(r"(?:\\mathrm\s*\{?\s*d\s*\}?|\\operatorname\s*\{\s*d\s*\}|d)(?!iag|et)", chain.members[0].tex))


def _top(tex: str) -> str:
    depth = _depths(tex)
    return "".join(c for i, c in enumerate(tex) if depth[i] == 0)


def _short(tex: str, n: int = 60) -> str:
    tex = " ".join(tex.split())
    return tex if len(tex) <= n else tex[:n - 1] + "…"


# -- declarations ----------------------------------------------------------------------------------
def name_of(word: str) -> str:
    """docgen's name of a LaTeX name: \\alpha -> alpha, x -> x."""
    return word.lstrip("\\")


def _dims(text: str | None) -> tuple | None:
    """'M \\times 1' -> ('M', 1); 'n' -> ('n', 1); None when not a size."""
    if text is None or not text.strip():
        return (1, 1)
    parts = re.split(r"\\times|×|\*|,", text.translate(_SUP))
    vals = []
    for p in parts:
        p = p.strip().strip("{}").strip()
        if re.fullmatch(r"\d{1,4}", p):
            vals.append(int(p))
        elif re.fullmatch(r"[A-Za-z]", p):
            vals.append(p)
        else:
            return None
    if len(vals) == 1:
        return (vals[0], 1)
    return tuple(vals) if len(vals) == 2 else None


def _declaration(tex: str, at: int, piece: str) -> Declaration | None:
    m = _DECL.match(tex)
    if m is None:
        return None
    name = name_of(m.group(1) or m.group(2))
    written = m.group(3)
    shape = _dims(m.group(4) if m.group(4) is not None else m.group(5))
    if shape is None:
        return None
    letter = re.sub(r"\\[A-Za-z]+|[{}\s]", "", written) or "R"
    problem = ""
    if letter not in ("R", "ℝ"):
        problem = (f"{letter} is not declared: the set of {name} is written {letter}, not ℝ "
                   f"(\\mathbb{{R}} meant?); its shape {_show(shape)} is used")
    return Declaration(name, shape, at, " ".join(piece.split()), problem=problem)


def _show(shape: tuple) -> str:
    return f"{shape[0]}×{shape[1]}"


def _prose_declarations(note: Note) -> list[Declaration]:
    out = []
    for m in _PROSE_DECL.finditer(note.prose):
        sup = m.group(2) or m.group(3) or m.group(4) or m.group(5)
        shape = _dims(sup.translate(_SUP) if sup else None)
        if shape is not None:
            out.append(Declaration(m.group(1), shape, m.start(), m.group()))
    for m in _ELEMENTWISE.finditer(note.text):
        name = m.group(1) or m.group(2)
        out.append(Declaration(name, (), m.start(), " ".join(m.group().split()), "function"))
    return out


def _elementwise_definition(tex: str) -> tuple[str, str] | None:
    """`f(x) = [f(x_1), …]` (a function defined entry by entry): (f, x)."""
    m = re.match(r"\s*" + _NAME + r"\s*(?:\\left)?\(\s*" + _NAME + r"\s*(?:\\right)?\)\s*=\s*(?:\\left)?[\[(]\s*"
                 r"(?:\\vec\s*)?\{?\s*(\\?[A-Za-z]+)\s*\}?\s*(?:\\left)?\(", tex)
    if m is None:
        return None
    f, x, g = name_of(m.group(1) or m.group(2)), name_of(m.group(3) or m.group(4)), name_of(m.group(5))
    return (f, x) if f == g else None


def entry_at(tex: str, at: int, dim: str = "n") -> str:
    """'entry (1, n)' when offset `at` of `tex` is inside a cell of a matrix written with dots."""
    envs = [m for m in re.finditer(r"\\begin\{(array|bmatrix|pmatrix|matrix|Bmatrix|vmatrix)\}(\{[^{}]*\})?", tex)
            if m.start() < at]
    for m in reversed(envs):
        end = tex.find("\\end{" + m.group(1) + "}", m.end())
        if end < at:
            continue
        body = tex[m.end():end]
        depth = _depths(body)
        rows, cells, start = [], [], 0
        for i, c in enumerate(body):
            if depth[i]:
                continue
            if c == "&":
                cells.append((start, i))
                start = i + 1
            elif body.startswith("\\\\", i) and (i == 0 or body[i - 1] != "\\"):
                cells.append((start, i))
                rows.append(cells)
                cells, start = [], i + 2
        cells.append((start, len(body)))
        rows.append(cells)
        pos = at - m.end()
        for r, row in enumerate(rows):
            for c, (a, b) in enumerate(row):
                if a <= pos <= b:
                    dots_r = [k for k, rr in enumerate(rows) if "\\vdots" in body[rr[0][0]:rr[-1][1]]]
                    dots_c = [k for k, (x, y) in enumerate(rows[0]) if re.search(r"\\[cd]dots", body[x:y])]
                    return f"entry ({_label(r, len(rows), dots_r, dim)}, {_label(c, len(row), dots_c, dim)})"
    return ""


def _label(k: int, count: int, dots: list[int], dim: str) -> str:
    if not dots or k < dots[0]:
        return str(k + 1)
    back = count - 1 - k
    return dim if back == 0 else f"{dim}-{back}"
